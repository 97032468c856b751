"""The README's training statistics over seeds and both BLAS settings.

A GAN's training is chaotic: the last bit of one sum, rounded another way,
sends it down another path, and after a few thousand iterations the numbers
it ends with (modes covered, the share of a discriminator's ascent in the
ring, a KS distance) are draws from a spread, not constants.  Two machines
of the same kind can round differently: NumPy's OpenBLAS picks its kernels
by the processor, and ``OPENBLAS_CORETYPE`` (with ``OPENBLAS_L2_SIZE``)
overrides that choice.  So the README states these numbers as ranges, and
this script measures them: every toy demo's statistics over seeds 0-5, each
run once with the BLAS variables as this machine has them and once the
other way (unset where they are set; ``OPENBLAS_CORETYPE=Haswell
OPENBLAS_L2_SIZE=512`` where they are not).

    python tools/seed_spread.py                   # about 40 min on 2 cores
    python tools/seed_spread.py --only pix2pix_gan  # the pix2pix GAN-alone row, ../shared's MNIST
    python tools/seed_spread.py --seeds 0 1 --only normal_1d --blas as-is

It needs the test extra (``pip install -e ".[test]"``): the live page's
numbers are measured by its test's own helpers.  Prints a table (name:
min-max, then each run's value) and writes
``--out`` (default ``seed_spread.json``).  Nothing here is a test: the
tests pin the ranges this prints (tests/promises/test_readme_numbers.py,
tests/lab/test_what_to_try.py); docs/reproducibility.md says why.
"""
import argparse
import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from tempfile import TemporaryDirectory

ROOT = Path(__file__).resolve().parents[1]
BLAS_VARIABLES = {"OPENBLAS_CORETYPE": "Haswell", "OPENBLAS_L2_SIZE": "512"}

# name: (demo, extra flags, {statistic: regex with one group, or several for a list})
DEMOS = {
    "normal_1d": ("normal_1d", [], {
        "ks": r"KS distance to N\(4.0, 1.25\^2\): ([\d.]+)",
        "mean": r"\s+mean ([\d.]+) \(target 4.0\)",
        "std": r"\s+std ([\d.]+)",
        "jsd": r"JSD\(p_data \|\| p_g\) = ([\d.]+)",
        "c_of_g": r"C\(G\) = (-[\d.]+)"}),
    "curve_line": ("curve_2d", ["--data", "line"], {"distance": r"distance to the line: mean ([\d.]+)"}),
    "curve_sine": ("curve_2d", ["--data", "sine"], {"distance": r"distance to the sine: mean ([\d.]+)"}),
    "saturation_1d": ("saturation_1d", [], {
        "minimax": r"minimax: \|\|grad G\|\| over the first 50 iterations ([\d.e+-]+);",
        "non_saturating": r"non_saturating: \|\|grad G\|\| over the first 50 iterations ([\d.e+-]+);",
        "ratio": r"the minimax G's gradient is (\d+) times smaller"}),
    "mixture_ring": ("mixture_2d", ["--data", "ring"], {
        "modes": r"modes captured (\d+)/\d+", "well_covered": r"well covered (\d+)/\d+",
        "high_quality": r"high quality ([\d.]+)%"}),
    "mixture_grid": ("mixture_2d", ["--data", "grid"], {
        "modes": r"modes captured (\d+)/\d+", "well_covered": r"well covered (\d+)/\d+",
        "high_quality": r"high quality ([\d.]+)%"}),
    "mixture_ring_none": ("mixture_2d", ["--data", "ring", "--remedy", "none"], {
        "modes": r"modes captured (\d+)/\d+", "high_quality": r"high quality ([\d.]+)%",
        "reverse_kl": r"reverse KL ([\d.]+)"}),
    "mixture_grid_none": ("mixture_2d", ["--data", "grid", "--remedy", "none"], {
        "modes": r"modes captured (\d+)/\d+", "high_quality": r"high quality ([\d.]+)%",
        "reverse_kl": r"reverse KL ([\d.]+)"}),
    "discriminator_generates": ("discriminator_generates", [], {
        "rounds": r"ascent ends in the ring for ([\d.]+)%",
        "gan_samples": r"G\(z\) ([\d.]+)%, ascent on",
        "ascent_gan_d": r"ascent on the GAN's D ([\d.]+)%",
        "ascent_b_d": r"ascent on \(b\)'s D ([\d.]+)%"}),
}

# Demos read from their metrics.json: name: (demo, flags, the entry of metrics.json)
MNIST = ROOT / ".." / "shared" / "data" / "mnist"
FROM_METRICS = {
    "pix2pix_gan": ("pix2pix", ["--loss", "gan", "--data-dir", str(MNIST), "--no-download"], "gan"),
}

# The live page's "what to try", measured in a child process by the very helpers
# its test uses (tests/lab/test_what_to_try.py), so the two cannot drift apart.
LAB = r"""
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("what_to_try", sys.argv[2])
what_to_try = importlib.util.module_from_spec(spec)
spec.loader.exec_module(what_to_try)
seed = int(sys.argv[1])
k1 = what_to_try.covered_over_time(seed=seed)
k5 = what_to_try.covered_over_time(seed=seed, k=5)
line = what_to_try.covered_over_time(seed=seed, noise_dim=1)
arrows = what_to_try.confident_d_arrows(seed)
print(json.dumps({"ring_k1_by_500": max(k1[:2]), "ring_k1_at_2000": k1[-1], "ring_k1_max": max(k1),
                  "ring_k5_at_2000": k5[-1], "noise_dim_1_max": max(line),
                  "arrow_non_saturating": arrows["non_saturating"],
                  "arrow_minimax": arrows["minimax"], "arrow_least_squares": arrows["least_squares"]}))
"""
WHAT_TO_TRY = ROOT / "tests" / "lab" / "test_what_to_try.py"


def blas_settings(which):
    """[(label, env)] for the runs: as this machine has them, and the other way."""
    here = {k: os.environ[k] for k in BLAS_VARIABLES if k in os.environ}
    as_is = dict(os.environ)
    other = {k: v for k, v in os.environ.items() if k not in BLAS_VARIABLES}
    label = "set" if here else "unset"
    if not here:
        other.update(BLAS_VARIABLES)
    runs = [(f"{label} (as here)", as_is)]
    if which == "both":
        runs.append(("unset" if here else "set", other))
    return runs


def run_one(job):
    name, seed, label, env = job
    env = dict(env, PYTHONPATH=str(ROOT), OPENBLAS_NUM_THREADS="1")
    if name == "lab":
        done = subprocess.run([sys.executable, "-c", LAB, str(seed), str(WHAT_TO_TRY)],
                              capture_output=True, text=True, env=env, timeout=3600)
        if done.returncode:
            raise SystemExit(f"lab, seed {seed}, BLAS {label}: failed\n{done.stderr[-2000:]}")
        return name, seed, label, json.loads(done.stdout.strip().splitlines()[-1])
    demo, flags, patterns = DEMOS[name] if name in DEMOS else FROM_METRICS[name]
    with TemporaryDirectory() as out:
        done = subprocess.run([sys.executable, str(ROOT / "demos" / f"{demo}.py"), "--out", out,
                               "--no-progress", "--seed", str(seed), *flags],
                              capture_output=True, text=True, env=env, timeout=3600)
        if name in FROM_METRICS and not done.returncode:
            entry = json.loads((Path(out) / "metrics.json").read_text())[patterns]
            return name, seed, label, {k: v for k, v in entry.items()
                                           if isinstance(v, float) and k != "seconds"}
    if done.returncode:
        raise SystemExit(f"{name}, seed {seed}, BLAS {label}: failed\n{done.stderr[-2000:]}")
    got = {}
    for stat, pattern in patterns.items():
        found = [float(v) for v in re.findall(pattern, done.stdout)]
        if not found:
            raise SystemExit(f"{name}: {pattern!r} not in its output:\n{done.stdout[-1500:]}")
        got[stat] = found if len(found) > 1 else found[0]
    return name, seed, label, got


def positive(text):
    """argparse type: an integer of at least 1."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return int(text)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seeds", type=int, nargs="+", default=list(range(6)))
    every = [*DEMOS, "lab", *FROM_METRICS]
    p.add_argument("--only", nargs="+", choices=every, default=every)
    p.add_argument("--blas", choices=("both", "as-is"), default="both")
    p.add_argument("--jobs", type=positive, default=os.cpu_count() or 1,
                   help="runs at once, one core each")
    p.add_argument("--out", default="seed_spread.json")
    args = p.parse_args(argv)
    jobs = [(name, seed, label, env) for name in args.only for seed in args.seeds
            for label, env in blas_settings(args.blas)]
    results = {}
    with ThreadPoolExecutor(args.jobs) as pool:
        for name, seed, label, got in pool.map(run_one, jobs):
            print(f"{name} seed {seed} BLAS {label}: {got}", flush=True)
            results.setdefault(name, []).append({"seed": seed, "blas": label, **got})
    print()
    for name, rows in results.items():
        for stat in rows[0]:
            if stat in ("seed", "blas"):
                continue
            if isinstance(rows[0][stat], list):       # per-round lists: each round's range
                per = list(zip(*[r[stat] for r in rows]))
                text = ", ".join(f"{min(v):g}-{max(v):g}" for v in per)
            else:
                v = [r[stat] for r in rows]
                text = f"{min(v):g}-{max(v):g}"
            print(f"{name}.{stat}: {text}")
    Path(args.out).write_text(json.dumps(results, indent=1))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
