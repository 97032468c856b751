"""The rough edges a newcomer hit, each now one line and the right exit status:
a batch larger than the data set, an --out that cannot be created, a CuPy
backend asked for by environment variable without CuPy, Ctrl-C, a higher --lr
on --resume, an earlier run of a measuring demo, and score_digits --data-dir."""
import os
import subprocess
import sys

import pytest

import plumbing
from helpers import ROOT, load_demo, run, tiny
pytestmark = [pytest.mark.filterwarnings("ignore::scratchgan.gan.diagnostics.GANWarning"),
              pytest.mark.usefixtures("numpy_backend")]


def test_a_batch_larger_than_the_data_set_is_one_line(tmp_path, data_dir):
    done = run("mnist_mlp", *tiny(tmp_path / "out", data_dir, "--batch-size", "100000"))
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert "--batch-size 100000 is more than the" in done.stderr
    assert done.stderr.strip().count("\n") == 0


@pytest.mark.parametrize("out", ["/proc/scratchgan-x", "/proc/scratchgan-x/y"])
def test_an_out_that_cannot_be_created_names_out(out, capsys):
    with pytest.raises(plumbing.OutputError, match=r"^--out .*cannot create a folder there"):
        plumbing.prepare_out(out)


def test_probing_out_leaves_nothing_behind(tmp_path):
    target = tmp_path / "a" / "b" / "c"
    plumbing.prepare_out(target)
    assert not (tmp_path / "a").exists()


def test_cupy_by_environment_variable_without_cupy_is_one_line(tmp_path):
    import importlib.util
    if importlib.util.find_spec("cupy") is not None:
        pytest.skip("CuPy is installed here: the variable would work")
    done = run("normal_1d", "--iters", "2", "--out", tmp_path / "o",
               env={"SCRATCHGAN_BACKEND": "cupy"})
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert done.stderr.startswith("error: SCRATCHGAN_BACKEND=cupy: ")
    assert "CuPy is not installed" in done.stderr and done.stderr.strip().count("\n") == 0


def test_ctrl_c_says_where_the_checkpoint_is(tmp_path, monkeypatch, capsys):
    out = tmp_path / "run"
    out.mkdir()
    (out / "checkpoint.npz").write_bytes(b"")
    monkeypatch.setattr(sys, "argv", ["mnist_dcgan.py", "--out", str(out)])

    def main():
        raise KeyboardInterrupt

    with pytest.raises(SystemExit) as e:
        plumbing.run_script(main)
    err = capsys.readouterr().err.strip()
    assert e.value.code == 130 and err.count("\n") == 0
    assert err == (f"interrupted; the last checkpoint is {out / 'checkpoint.npz'}. Continue "
                   f"with: python demos/mnist_dcgan.py --out {out} --resume")
    monkeypatch.setattr(sys, "argv", ["mnist_dcgan.py", "--out", str(tmp_path / "none")])
    with pytest.raises(SystemExit):
        plumbing.run_script(main)
    assert capsys.readouterr().err.strip() == "interrupted; nothing of this run was saved yet"


def test_a_real_ctrl_c_on_a_toy_demo_is_one_line(tmp_path):
    """SIGINT to a running demo: no KeyboardInterrupt traceback."""
    import signal
    import time
    env = dict(os.environ, PYTHONPATH=str(ROOT), MPLBACKEND="Agg")
    proc = subprocess.Popen([sys.executable, str(ROOT / "demos" / "normal_1d.py"), "--iters",
                             "200000", "--out", str(tmp_path / "o"), "--no-progress"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    for _ in range(300):                         # wait until it is training
        time.sleep(0.1)
        if (tmp_path / "o").exists():
            break
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert "Traceback" not in err, err[-2000:]
    assert "interrupted" in err and err.strip().count("\n") == 0


def test_a_higher_lr_on_resume_is_refused_a_lower_one_taken(tmp_path, data_dir):
    out = tmp_path / "out"
    assert run("mnist_mlp", *tiny(out, data_dir)).returncode == 0
    before = (out / "checkpoint.npz").read_bytes()
    done = run("mnist_mlp", *tiny(out, data_dir, "--resume", "--lr", "0.01", iters=4))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "--lr 0.01 is higher than the checkpoint's 0.0002" in done.stderr
    assert (out / "checkpoint.npz").read_bytes() == before
    lower = run("mnist_mlp", *tiny(out, data_dir, "--resume", "--lr", "0.0001", iters=4))
    assert lower.returncode == 0, lower.stderr[-2000:]


def test_a_measuring_demo_refuses_an_earlier_run(tmp_path, data_dir, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "metrics.json").write_text("{}")
    with pytest.raises(plumbing.OutputError, match="holds an earlier run .*metrics.json"):
        load_demo("pix2pix").main(["--iters", "1", "--batch-size", "4", "--num-test", "16",
                                   "--data-dir", str(data_dir), "--no-download",
                                   "--out", str(out), "--no-progress", "--debug"])
    assert (out / "metrics.json").read_text() == "{}"


def test_score_digits_data_dir_is_the_only_place_and_says_the_fallback_in_one_line(
        tmp_path, capsys):
    """A folder with only the test split: no download is tried, and the fallback
    to it is a one-line note, not a Python warning."""
    import warnings
    import numpy
    from scratchgan.data import write_idx
    rs = numpy.random.RandomState(0)
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", rs.randint(0, 256, (200, 28, 28)).astype(numpy.uint8))
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", (numpy.arange(200) % 10).astype(numpy.uint8))
    score = load_demo("score_digits")
    with warnings.catch_warnings():
        warnings.simplefilter("error")                 # a warning would fail the test
        model, accuracy, _ = score.train_classifier("mnist", tmp_path, epochs=1, holdout=100,
                                                    verbose=False)
    assert not (tmp_path / "mnist").exists()           # nothing downloaded into it
    out = capsys.readouterr().out
    assert "note: training on the" in out and "downloads are off" in out
    assert 0.0 <= accuracy <= 1.0


def test_fashion_asked_of_a_digits_folder_is_one_line(tmp_path):
    """--dataset fashion --data-dir <an MNIST folder> used to train on digits and
    call the run fashion."""
    import numpy
    from scratchgan.data import write_idx
    rs = numpy.random.RandomState(0)
    digits = ((rs.uniform(size=(64, 28, 28)) < 0.18) * 170).astype(numpy.uint8)
    write_idx(tmp_path / "train-images-idx3-ubyte.gz", digits)
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", (numpy.arange(64) % 10).astype(numpy.uint8))
    done = run("mnist_mlp", *tiny(tmp_path / "out", tmp_path, "--dataset", "fashion"))
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert "holds MNIST images (digits), not Fashion-MNIST" in done.stderr
