"""The notebooks (notebooks/*.ipynb) run top to bottom with the solutions filled in, each
.ipynb matches its .py twin (jupytext percent format), and a wrong answer is named."""
import os
import shutil
from pathlib import Path

import pytest

from helpers import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SHARED_MNIST = ROOT.parent / "shared" / "data" / "mnist"
NEEDS_MNIST = ("05_", "06_", "07_")


def test_all_seven_are_there():
    assert [p.name[:2] for p in NOTEBOOKS] == ["01", "02", "03", "04", "05", "06", "07"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_each_notebook_matches_its_py_twin(path):
    jupytext = pytest.importorskip("jupytext")
    a, b = jupytext.read(path), jupytext.read(path.with_suffix(".py"))
    cells = lambda nb: [(c.cell_type, c.source.strip()) for c in nb.cells]   # noqa: E731
    assert cells(a) == cells(b), f"{path.name} and its .py differ: run jupytext --sync {path}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_each_notebook_has_exercises_with_checks_and_no_solution_in_the_text(path):
    import nbformat
    nb = nbformat.read(path, as_version=4)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    exercises = [c for c in code if "# TODO" in c]
    assert exercises, f"{path.name} has no exercise"
    for cell in exercises:                      # the exercise text raises until written
        assert "raise NotImplementedError" in cell and "from solutions import" in cell
    assert sum("exercise.check_" in c for c in code) >= len(exercises)
    assert any("DATA_DIR = None" in c for c in code[:1])      # --data-dir as a variable at the top


def execute(path, tmp_path, env, data_dir=None, solutions=None):
    """Run a copy of the notebook in tmp_path (with notebooks/solutions.py or the
    given replacement beside it); returns the executed notebook."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(path, as_version=4)
    if data_dir is not None:
        first = next(c for c in nb.cells if c.cell_type == "code")
        first.source = first.source.replace("DATA_DIR = None", f"DATA_DIR = {str(data_dir)!r}")
    shutil.copy(ROOT / "notebooks" / "solutions.py", tmp_path / "solutions.py")
    if solutions is not None:
        (tmp_path / "solutions.py").write_text(solutions)
    old = dict(os.environ)
    os.environ.update(env)
    try:
        client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                         resources={"metadata": {"path": str(tmp_path)}})
        client.execute()
    finally:
        os.environ.clear()
        os.environ.update(old)
    return nb


ENV = {"SCRATCHGAN_SOLUTIONS": "1", "MPLBACKEND": "Agg", "PYTHONPATH": str(ROOT),
       "OPENBLAS_NUM_THREADS": "2"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_each_notebook_runs_with_the_solutions(path, tmp_path):
    data_dir = None
    if path.name.startswith(NEEDS_MNIST):
        if not SHARED_MNIST.is_dir():
            if os.environ.get("CI") == "true":
                pytest.fail(f"{SHARED_MNIST} is missing: CI has ../shared beside the checkout")
            pytest.skip(f"{path.name} reads MNIST: no {SHARED_MNIST} here (no network in tests)")
        data_dir = SHARED_MNIST
    nb = execute(path, tmp_path, ENV, data_dir)
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert text.count("max relative error") >= 1, text[-2000:]
    assert "Error" not in text


def test_a_forgotten_relu_gate_is_named(tmp_path):
    nbclient = pytest.importorskip("nbclient")
    wrong = (ROOT / "notebooks" / "solutions.py").read_text().replace(
        "return numpy.where(x > 0, dy, slope * dy)     # the gate",
        "return dy                                     # forgot the gate")
    assert "forgot the gate" in wrong
    with pytest.raises(nbclient.exceptions.CellExecutionError) as e:
        execute(NOTEBOOKS[0], tmp_path, ENV, solutions=wrong)
    message = str(e.value)
    assert "dx of LeakyReLU is wrong" in message and "The gate" in message


def test_an_unwritten_exercise_says_so(tmp_path):
    nbclient = pytest.importorskip("nbclient")
    env = dict(ENV, SCRATCHGAN_SOLUTIONS="0")
    with pytest.raises(nbclient.exceptions.CellExecutionError) as e:
        execute(NOTEBOOKS[0], tmp_path, env)
    assert "linear_backward is not written yet" in str(e.value)
