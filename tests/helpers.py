"""Small helpers shared by several test files (fixtures live in conftest.py)."""
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

from scratchgan import backend

ROOT = Path(__file__).resolve().parents[1]
DEMOS = ROOT / "demos"
PORTS = Path(__file__).resolve().parent / "ports"


def _load(folder, prefix, name):
    spec = importlib.util.spec_from_file_location(f"{prefix}_{name}", folder / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_demo(name):
    """Import demos/<name>.py as a module (demos are scripts, not a package)."""
    return _load(DEMOS, "demo", name)


def load_port(name):
    """Import tests/ports/<name>.py, a PyTorch-GAN script ported with public API."""
    return _load(PORTS, "port", name)


def run(demo, *argv, env=None, timeout=300):
    """A demo as a user runs it: a subprocess, its exit status and its output."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), MPLBACKEND="Agg", **(env or {}))
    return subprocess.run([sys.executable, str(DEMOS / f"{demo}.py"), *map(str, argv)],
                          capture_output=True, text=True, timeout=timeout, env=env)


def tiny(out, data_dir, *extra, iters=2):
    """The flags of a seconds-long image-demo run on the fake data folder."""
    return ["--iters", str(iters), "--batch-size", "8", "--sample-every", "1",
            "--num-samples", "10", "--out", str(out), "--no-progress",
            "--data-dir", str(data_dir), "--no-download", *extra]


def hwnc(x):
    """The same values stored HWNC (the memory layout of the conv layers' outputs)."""
    xp = backend.get_array_module(x)
    return xp.ascontiguousarray(x.transpose(2, 3, 0, 1)).transpose(2, 3, 0, 1)


def within(value, lo, hi):
    """value is in the README's range lo-hi (strings, as the README prints them),
    each end widened by half a unit of its last printed digit: "0.030" covers 0.0303."""
    def end(text, sign):
        decimals = len(text.split(".")[1]) if "." in text else 0
        return float(text) + sign * 0.5 * 10.0 ** -decimals
    assert end(lo, -1) <= value <= end(hi, +1), f"{value} is outside the README's range {lo}-{hi}"
