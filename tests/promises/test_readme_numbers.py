"""The numbers README.md states for the toy demos are the numbers a user gets.

Each test checks that the README still states the number, runs the demo as a
user would (seed 0, its defaults, a fresh output folder) and compares what it
prints with a tolerance.  About a minute and a half in all on two cores; the
demos are deterministic on the CPU, so the tolerances only absorb a
different BLAS build.
"""
import os
import re
import subprocess
import sys

import pytest
from helpers import ROOT

README = (ROOT / "README.md").read_text()


def run_demo(name, out, *args):
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run([sys.executable, str(ROOT / "demos" / f"{name}.py"), "--out", str(out),
                           "--no-progress", *args], capture_output=True, text=True, timeout=600,
                          env=env)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done.stdout


def number(pattern, text):
    m = re.search(pattern, text)
    assert m, f"{pattern!r} not in the demo's output:\n{text[-1500:]}"
    return [float(g) for g in m.groups()]


def test_normal_1d(tmp_path):
    assert "KS distance 0.029, mean 4.00, std 1.14" in README
    text = run_demo("normal_1d", tmp_path)
    ks, mean, std = number(r"KS distance to N\(4.0, 1.25\^2\): ([\d.]+)\s+mean ([\d.]+) "
                           r"\(target 4.0\)\s+std ([\d.]+)", text)
    assert ks == pytest.approx(0.029, abs=0.004)
    assert mean == pytest.approx(4.00, abs=0.02)
    assert std == pytest.approx(1.14, abs=0.03)
    assert "JSD = 0.0014, so\nC(G) = −1.3836" in README
    jsd, c, v = number(r"JSD\(p_data \|\| p_g\) = ([\d.]+), C\(G\) = (-[\d.]+), "
                       r"V\(G, D\) = (-[\d.]+)", text)
    assert jsd == pytest.approx(0.0014, abs=0.001)
    assert c == pytest.approx(-1.3836, abs=0.002) and v <= c + 1e-9
    for name in ("samples.npy", "history.csv", "curves.png", "final.png", "snapshots.png",
                 "training.gif", "theory.png", "theory.json"):
        assert (tmp_path / name).stat().st_size > 0, name


@pytest.mark.parametrize("demo,pattern,value", [
    ("line", r"distance to the line: mean ([\d.]+)", 0.0022),
    ("sine", r"distance to the sine: mean ([\d.]+)", 0.0096)])
def test_curves_2d(tmp_path, demo, pattern, value):
    assert "mean distance to the curve 0.0022 / 0.0096" in README
    (got,) = number(pattern, run_demo("curve_2d", tmp_path, "--data", demo))
    assert got == pytest.approx(value, rel=0.25)


def test_saturation_1d(tmp_path):
    assert "minimax G gradient 67× smaller in the first 50 iterations (0.042 vs 2.8)" in README
    text = run_demo("saturation_1d", tmp_path)
    (mm,) = number(r"minimax: \|\|grad G\|\| over the first 50 iterations ([\d.e+-]+);", text)
    (ns,) = number(r"non_saturating: \|\|grad G\|\| over the first 50 iterations ([\d.e+-]+);",
                   text)
    assert mm == pytest.approx(0.042, rel=0.1) and ns == pytest.approx(2.8, rel=0.1)
    (ratio,) = number(r"the minimax G's gradient is (\d+) times smaller", text)
    assert ratio == pytest.approx(67, rel=0.1)


@pytest.mark.parametrize("data,modes,quality", [("ring", "8/8", 0.984), ("grid", "25/25", 0.949)])
def test_mixture_2d(tmp_path, data, modes, quality):
    assert f"{data} {modes} modes, {quality:.1%} high quality" in README
    text = run_demo("mixture_2d", tmp_path, "--data", data)
    m = re.search(r"modes captured (\d+/\d+)\s+well covered (\d+/\d+)\s+high quality ([\d.]+)%",
                  text)
    assert m, text[-1500:]
    assert m.group(1) == modes and m.group(2) == modes
    assert float(m.group(3)) / 100 == pytest.approx(quality, abs=0.01)


def test_readme_python_examples_run():
    """Every ```python block of the README runs as written, top to bottom as a
    reader meets them: the blocks of one section share their names (the
    "Write your own layer" blocks build on each other), each section starts afresh."""
    sections = re.split(r"\n## ", README)
    spaces = []
    for section in sections:
        blocks = re.findall(r"```python\n(.*?)```", section, re.S)
        if blocks:
            spaces.append({})
        for code in blocks:
            exec(compile(code, "README.md", "exec"), spaces[-1])
    assert len(spaces) >= 3
    assert 0.0 < float(spaces[0]["d_loss"]) < 5.0          # the D step at the top ran


def test_discriminator_generates(tmp_path):
    assert "seed 0: 98% → 0% → 50% → 28% → 11% → 75%" in README
    text = run_demo("discriminator_generates", tmp_path)
    rounds = [float(v) for v in re.findall(r"ascent ends in the ring for ([\d.]+)%", text)]
    assert rounds == pytest.approx([98.4, 0.0, 49.6, 27.5, 11.0, 75.1], abs=3)
    g, a, b = number(r"G\(z\) ([\d.]+)%, ascent on the GAN's D ([\d.]+)%, ascent on \(b\)'s D "
                     r"([\d.]+)%", text)
    assert g >= 96 and 35 <= a <= 60 and b == pytest.approx(75.1, abs=4)
