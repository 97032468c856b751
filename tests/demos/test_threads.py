"""The demos' one BLAS-thread policy (demos/threads.py): --threads, else the
demo's default (1 for small networks, all cores for convolutions), and a
thread variable the user set wins; checked in fresh processes, where NumPy's
BLAS really reads it."""
import os
import subprocess
import sys

import pytest

from helpers import ROOT

threadpoolctl = pytest.importorskip("threadpoolctl", reason="threadpoolctl (the test extra) missing")

PROBE = """
import sys
sys.path.insert(0, {demos!r})
import threads
threads.use({default!r})
import numpy
from threadpoolctl import threadpool_info
print(max(i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"))
"""


def blas_threads(default, *argv, env=None):
    clean = {k: v for k, v in os.environ.items() if k not in
             ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    done = subprocess.run([sys.executable, "-c", PROBE.format(demos=str(ROOT / "demos"),
                                                             default=default), *argv],
                          capture_output=True, text=True, timeout=60, env={**clean, **(env or {})})
    assert done.returncode == 0, done.stderr[-2000:]
    return int(done.stdout.strip())


def test_the_defaults_and_the_flag():
    cores = len(os.sched_getaffinity(0))
    assert blas_threads(1) == 1
    assert blas_threads("cores") == cores
    assert blas_threads("cores", "--threads", "1") == 1
    assert blas_threads(1, f"--threads={cores}") == cores


def test_a_variable_the_user_set_wins():
    assert blas_threads("cores", "--threads", "2", env={"OPENBLAS_NUM_THREADS": "1"}) == 1


def test_a_bad_threads_flag_is_argparses_error(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, str(ROOT / "demos" / "normal_1d.py"), "--threads", "0",
                           "--out", str(tmp_path / "o")], capture_output=True, text=True,
                          timeout=60, env=env)
    assert done.returncode == 2 and "argument --threads: must be a positive integer" in done.stderr


def test_importing_a_demo_after_numpy_changes_nothing(monkeypatch):
    """A test (or notebook) that imports a demo has NumPy loaded already: the
    policy cannot apply there, and must not leak into the processes it starts."""
    from helpers import load_demo
    for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.delenv(v, raising=False)
    load_demo("mnist_dcgan")                       # threads.use("cores") at its top
    assert not any(v in os.environ for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                                            "MKL_NUM_THREADS"))
