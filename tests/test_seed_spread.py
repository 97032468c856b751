"""tools/seed_spread.py, which measures the README's ranges: a smoke run on
one fast demo and one seed, and the BLAS settings it would run under."""
import json
import os
import subprocess
import sys

import pytest
from helpers import ROOT

SCRIPT = ROOT / "tools" / "seed_spread.py"


def test_one_seed_of_the_saturation_demo(tmp_path):
    out = tmp_path / "spread.json"
    done = subprocess.run([sys.executable, str(SCRIPT), "--seeds", "0", "--only", "saturation_1d",
                           "--blas", "as-is", "--jobs", "1", "--out", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    rows = json.loads(out.read_text())["saturation_1d"]
    assert len(rows) == 1 and rows[0]["seed"] == 0
    assert rows[0]["ratio"] == pytest.approx(67, rel=0.1)         # the README's seed 0
    assert "saturation_1d.ratio: " in done.stdout


def test_both_blas_settings_are_as_here_and_the_other_way():
    spread = {"__file__": str(SCRIPT), "__name__": "seed_spread"}
    exec(compile(SCRIPT.read_text(), str(SCRIPT), "exec"), spread)
    runs = spread["blas_settings"]("both")
    assert len(runs) == 2
    (_, here), (_, other) = runs
    assert here == dict(os.environ)                               # the first run changes nothing
    names = spread["BLAS_VARIABLES"]
    if any(k in os.environ for k in names):
        assert not any(k in other for k in names)
    else:
        assert {k: other[k] for k in names} == names
    assert len(spread["blas_settings"]("as-is")) == 1


def test_a_bad_flag_is_refused():
    done = subprocess.run([sys.executable, str(SCRIPT), "--only", "no_such_demo"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "no_such_demo" in done.stderr
