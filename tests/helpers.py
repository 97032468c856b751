"""Small helpers shared by several test files (fixtures live in conftest.py)."""
import importlib.util
from pathlib import Path


from scratchgan import backend

DEMOS = Path(__file__).resolve().parents[1] / "demos"


def load_demo(name):
    """Import demos/<name>.py as a module (demos are scripts, not a package)."""
    spec = importlib.util.spec_from_file_location(f"demo_{name}", DEMOS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def hwnc(x):
    """The same values stored HWNC (the memory layout of the conv layers' outputs)."""
    xp = backend.get_array_module(x)
    return xp.ascontiguousarray(x.transpose(2, 3, 0, 1)).transpose(2, 3, 0, 1)
