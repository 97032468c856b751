"""demos/gan_loop.py: the lecture's loop written out runs end to end, and is the
same algorithm as the lecture's (checked against the float64 port in
test_lecture_port.py and against PyTorch in test_torch_parity.py)."""
import os
import subprocess
import sys

import numpy
from helpers import ROOT



def test_gan_loop_smoke(tmp_path, data_dir):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, str(ROOT / "demos" / "gan_loop.py"), "--iters", "4", "--batch-size", "8",
         "--sample-every", "2", "--num-samples", "30", "--data-dir", str(data_dir),
         "--no-download", "--no-progress", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "[Batch 2/4] [D loss:" in done.stdout and "[Batch 4/4]" in done.stdout
    samples = numpy.load(tmp_path / "samples.npy")
    assert samples.shape == (30, 1, 28, 28) and samples.dtype == numpy.float32
    assert -1 <= samples.min() and samples.max() <= 1
    for name in ("2.png", "4.png"):
        assert (tmp_path / "images" / name).stat().st_size > 0


def test_gan_loop_in_pytorch_gans_order(tmp_path, data_dir):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, str(ROOT / "demos" / "gan_loop.py"), "--iters", "3", "--batch-size", "8",
         "--sample-every", "3", "--num-samples", "10", "--data-dir", str(data_dir),
         "--no-download", "--no-progress", "--out", str(tmp_path), "--order", "pytorch-gan"],
        capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert numpy.load(tmp_path / "samples.npy").shape == (10, 1, 28, 28)


def test_gan_loop_refuses_bad_flags_and_an_earlier_run(tmp_path, data_dir):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    script = str(ROOT / "demos" / "gan_loop.py")
    for flag, value in [("--iters", "0"), ("--lr", "-1"), ("--batch-size", "x"),
                        ("--order", "random")]:
        done = subprocess.run([sys.executable, script, flag, value, "--out", str(tmp_path / "o")],
                              capture_output=True, text=True, timeout=60, env=env)
        assert done.returncode == 2 and f"argument {flag}" in done.stderr
    (tmp_path / "samples.npy").write_bytes(b"earlier")
    done = subprocess.run([sys.executable, script, "--out", str(tmp_path), "--data-dir",
                           str(data_dir)], capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 2 and "holds an earlier run" in done.stderr
    assert "Traceback" not in done.stderr
    assert (tmp_path / "samples.npy").read_bytes() == b"earlier"


def test_gan_loop_takes_k_d_steps_per_g_step(tmp_path, data_dir):
    """--k 2: Algorithm 1's inner loop; the same seed gives the same samples, and
    k = 2 gives other samples than k = 1 (the loop over k really runs)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    script = str(ROOT / "demos" / "gan_loop.py")

    def samples(k, out):
        done = subprocess.run([sys.executable, script, "--iters", "3", "--batch-size", "8",
                               "--sample-every", "3", "--num-samples", "10", "--k", str(k),
                               "--data-dir", str(data_dir), "--no-download", "--no-progress",
                               "--out", str(tmp_path / out)],
                              capture_output=True, text=True, timeout=300, env=env)
        assert done.returncode == 0, done.stderr[-2000:]
        return numpy.load(tmp_path / out / "samples.npy")

    k2 = samples(2, "a")
    numpy.testing.assert_array_equal(k2, samples(2, "b"))
    assert not numpy.array_equal(k2, samples(1, "c"))
    done = subprocess.run([sys.executable, script, "--order", "pytorch-gan", "--k", "2",
                           "--out", str(tmp_path / "d")], capture_output=True, text=True,
                          timeout=60, env=env)
    assert done.returncode == 2 and "argument --k" in done.stderr
