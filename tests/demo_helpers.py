"""Shared by the image-demo tests: load a demo script as a module.

(Their fixtures, ``data_dir`` and ``numpy_backend``, are in conftest.py.)"""
import importlib.util
from pathlib import Path

DEMOS = Path(__file__).resolve().parents[1] / "demos"


def load_demo(name):
    spec = importlib.util.spec_from_file_location(f"demo_{name}", DEMOS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
