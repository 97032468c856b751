"""Small helpers shared by several test files (fixtures live in conftest.py)."""
import importlib.util
from pathlib import Path


from scratchgan import backend
from scratchgan.gradient_check import rel_error

DEMOS = Path(__file__).resolve().parents[1] / "demos"


def load_demo(name):
    """Import demos/<name>.py as a module (demos are scripts, not a package)."""
    spec = importlib.util.spec_from_file_location(f"demo_{name}", DEMOS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def rel_err(a, b):
    """The library's one relative error, ``scratchgan.gradient_check.rel_error``."""
    return rel_error(a, b)


def hwnc(x):
    """The same values stored HWNC (the memory layout of the conv layers' outputs)."""
    xp = backend.get_array_module(x)
    return xp.ascontiguousarray(x.transpose(2, 3, 0, 1)).transpose(2, 3, 0, 1)
