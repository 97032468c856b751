"""Small helpers shared by several test files (fixtures live in conftest.py)."""
import importlib.util
from pathlib import Path

import numpy as np

from scratchgan import backend

DEMOS = Path(__file__).resolve().parents[1] / "demos"


def load_demo(name):
    """Import demos/<name>.py as a module (demos are scripts, not a package)."""
    spec = importlib.util.spec_from_file_location(f"demo_{name}", DEMOS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def rel_err(a, b):
    """max|a - b| / max|b|, on the host in float64."""
    a, b = np.asarray(backend.to_host(a), np.float64), np.asarray(backend.to_host(b), np.float64)
    return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-30))


def hwnc(x):
    """The same values stored HWNC (the memory layout of the conv layers' outputs)."""
    xp = backend.get_array_module(x)
    return xp.ascontiguousarray(x.transpose(2, 3, 0, 1)).transpose(2, 3, 0, 1)
