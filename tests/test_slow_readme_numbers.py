"""The README's numbers that take minutes of training: run with ``pytest -m slow``.

Each runs a demo exactly as the README says, scores what it wrote with
demos/score_digits.py (its classifier trained once per session) and checks
the README's numbers within a tolerance.
"""
import os
import subprocess
import sys
from pathlib import Path

import numpy
import pytest

from helpers import load_demo

ROOT = Path(__file__).resolve().parents[1]
MNIST = ROOT / ".." / "shared" / "data" / "mnist"
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not MNIST.is_dir(), reason="needs ../shared/data/mnist")]


@pytest.fixture(scope="module")
def judge(tmp_path_factory):
    """score(samples.npy) -> (classes with >= 2% of the samples, mean confidence)."""
    scorer = load_demo("score_digits")
    model, _, _ = scorer.train_classifier("mnist", str(MNIST), verbose=False)

    def score(path):
        p = scorer.predict(model, scorer.load_samples(path))
        hist = numpy.bincount(p.argmax(axis=1), minlength=10) / len(p)
        return int((hist >= 0.02).sum()), float(p.max(axis=1).mean())
    return score


def run(demo, out, *argv):
    env = dict(os.environ, PYTHONPATH=str(ROOT), OPENBLAS_NUM_THREADS="1")
    done = subprocess.run([sys.executable, str(ROOT / "demos" / f"{demo}.py"), "--out", str(out),
                           "--data-dir", str(MNIST), "--no-progress", *argv],
                          capture_output=True, text=True, env=env, timeout=3600)
    assert done.returncode == 0, done.stderr[-3000:]
    return out


@pytest.mark.parametrize("order,classes,confidence", [("algorithm1", 9, 0.917),
                                                      ("pytorch-gan", 7, 0.772)])
def test_gan_loop_at_20000_iterations(tmp_path, judge, order, classes, confidence):
    out = run("gan_loop", tmp_path, "--order", order)
    got_classes, got_confidence = judge(out / "samples.npy")
    assert abs(got_classes - classes) <= 1
    assert got_confidence == pytest.approx(confidence, abs=0.03)
