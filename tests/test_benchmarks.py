"""The speed benchmarks run end to end (a tiny smoke run: the numbers are the
benchmarks' business, not the tests'): the table's header names the CPU and
the thread count, each row has our time, PyTorch's and the ratio, and each
library in its own process answers the same way."""
import importlib.util
import subprocess
import sys

import pytest

from helpers import ROOT

SCRIPT = ROOT / "benchmarks" / "train_step.py"
torch_missing = importlib.util.find_spec("torch") is None


def run(*args):
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True,
                          timeout=300, cwd=ROOT)


@pytest.mark.skipif(torch_missing, reason="PyTorch (the parity extra) not installed")
@pytest.mark.parametrize("processes", ["one", "separate"])
def test_train_step_prints_the_cpu_and_a_ratio_per_row(processes):
    out = run("--threads", "1", "--archs", "mlp_gan", "--batches", "8", "--iters", "1",
              "--rounds", "2", "--no-peers", "--processes", processes)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith("# CPU: ") and "1 thread(s) for both libraries" in lines[0]
    assert ("own process" in lines[0]) == (processes == "separate")
    row = lines[-1].split()
    assert row[:2] == ["mlp_gan", "8"]
    ours, theirs, ratio = map(float, row[2:5])
    assert ours > 0 and theirs > 0 and ratio == pytest.approx(ours / theirs, rel=0.6)


def test_bad_flags_are_named():
    out = run("--rounds", "0")
    assert out.returncode == 2 and "--rounds" in out.stderr
    out = run("--processes", "two")
    assert out.returncode == 2 and "--processes" in out.stderr


def test_the_peers_run_the_same_step_where_installed():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import peers
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    steps = {(arch, name): make(4) for arch, makers in peers.PEERS.items()
             for name, make in makers.items()}
    if all(step is None for step in steps.values()):
        pytest.skip("no NumPy peer installed (the bench extra: DeZero, numpy-ml)")
    for (arch, name), step in steps.items():
        if step is not None and not (name == "numpy-ml" and arch == "dcgan28"):
            step()                                   # (numpy-ml's DCGAN: seconds a step)
