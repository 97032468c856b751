"""GAIN against the common ways of filling in missing values, on real tables.

Hide a share of a complete table's cells at random (--miss-rate, "missing
completely at random"), fill them in with each method, and measure the RMSE
on the hidden cells in the min-max scaled space (as the GAIN paper):

    mean, median, most frequent    one number per column
    k-NN (k = 5)                   the mean of the 5 most similar rows
    MICE                           chained linear regressions, 5 rounds
    GAIN                           a generator fills the cells, a discriminator
                                   guesses which were observed, helped by a hint

    python demos/gain.py                          # Spam, one seed
    python demos/gain.py --data letter --repeats 5
    python demos/gain.py --data my_table.csv      # a CSV with empty cells: its own mask

A CSV that already has empty (or NaN) cells is imputed as it is: the mask
comes from the file, and since its missing cells have no true values, no
RMSE is reported.

Writes into --out: imputed.npy (the whole table in original units, missing
cells filled by GAIN, observed cells exactly as in the file; of the first
repeat), mask.npy (1 = observed), metrics.json (RMSE per method, each
repeat, mean and std, and seconds), gain.png (RMSE bars, and for two
columns the histograms of the true hidden values against GAIN's and the
mean's fills) and losses.png (GAIN's losses).
"""
import threads                               # BLAS threads, before NumPy loads
threads.use(1)                               # small networks: 1 thread (README: Threads)
import json
import time

import numpy

import plumbing
from scratchgan import impute, viz
from scratchgan.atomic import atomic_open, save_npy
from scratchgan.data import tabular

METHODS = {
    "mean": impute.impute_mean,
    "median": impute.impute_median,
    "most frequent": impute.impute_most_frequent,
    "k-NN (k=5)": impute.impute_knn,
    "MICE": impute.impute_mice,
}


def main(argv=None):
    parser = plumbing.make_parser(__doc__.splitlines()[0], iters=10000, batch_size=128,
                                  lr=1e-3, k=None)
    parser.add_argument("--data", default="spam",
                        help="letter, spam, or the path of a CSV file with a header row")
    parser.add_argument("--data-dir", default=None, help="folder holding letter.csv / spam.csv")
    parser.add_argument("--no-download", action="store_true",
                        help="never download; use only files already present")
    parser.add_argument("--miss-rate", type=plumbing.fraction, default=0.2,
                        help="share of cells hidden at random (a complete table only)")
    parser.add_argument("--repeats", type=plumbing.positive_int, default=1,
                        help="masks and GAIN runs with seeds seed, seed+1, ...; mean and std")
    parser.add_argument("--hint-rate", type=plumbing.unit_interval, default=0.9,
                        help="share of mask entries the hint reveals to D")
    parser.add_argument("--alpha", type=plumbing.nonnegative_float, default=100.0,
                        help="weight of the reconstruction (MSE) term in G's loss")
    args = parser.parse_args(argv)
    t0 = plumbing.setup(args)

    columns, table = tabular.load_table(args.data, args.data_dir,
                                        download=not args.no_download)
    has_holes = bool(numpy.isnan(table).any())
    print(f"{args.data}: {table.shape[0]} rows x {table.shape[1]} columns"
          + (f", {numpy.isnan(table).mean():.1%} of cells missing in the file" if has_holes
             else f"; hiding {args.miss_rate:.0%} of the cells at random"))

    results = {name: [] for name in [*METHODS, "GAIN"]}
    seconds = {name: 0.0 for name in results}
    first = None
    for r in range(1 if has_holes else args.repeats):
        seed = args.seed + r
        if has_holes:                                   # the file's own mask; no truth
            M = impute.mask_of(table)
        else:
            M = impute.mcar_mask(table.shape, args.miss_rate, numpy.random.RandomState(seed))
        X = impute.with_missing(table, M)               # NaN in the missing cells
        filled = {}
        for name, method in METHODS.items():
            start = time.time()
            filled[name] = method(X)
            seconds[name] += time.time() - start
        start = time.time()
        gain = impute.GAIN(batch_size=args.batch_size, hint_rate=args.hint_rate,
                           alpha=args.alpha, iters=args.iters, lr=args.lr, seed=seed,
                           progress=not args.no_progress)
        filled["GAIN"] = gain.fit(X).transform(X)
        seconds["GAIN"] += time.time() - start
        if not has_holes:
            for name in results:
                results[name].append(impute.rmse(table, filled[name], M))
            print(f"repeat {r + 1}/{args.repeats} (seed {seed}): "
                  + ", ".join(f"{name} {v[-1]:.4f}" for name, v in results.items()))
        if first is None:
            first = (M, filled, gain.history)

    M, filled, history = first
    save_npy(f"{args.out}/imputed.npy", filled["GAIN"])
    save_npy(f"{args.out}/mask.npy", M)
    metrics = {"data": args.data, "rows": table.shape[0], "columns": table.shape[1],
               "mask_from_file": has_holes, "miss_rate": None if has_holes else args.miss_rate,
               "repeats": len(results["GAIN"]) or 1, "iters": args.iters,
               "seeds": [args.seed + r for r in range(len(results["GAIN"]) or 1)],
               "seconds_per_run": {k: round(v / (len(results["GAIN"]) or 1), 2)
                                   for k, v in seconds.items()}}
    if has_holes:
        metrics["rmse"] = None
        metrics["note"] = "the file's missing cells have no true values, so no RMSE"
    else:
        metrics["rmse"] = {name: {"each": v, "mean": float(numpy.mean(v)),
                                  "std": float(numpy.std(v))} for name, v in results.items()}
    with atomic_open(f"{args.out}/metrics.json", "w") as fh:
        json.dump(metrics, fh, indent=2)

    draw(table, M, filled, metrics, columns, f"{args.out}/gain.png", args.data)
    viz.plot_series({"D loss": (history["iter"], history["d_loss"]),
                     "G adversarial": (history["iter"], history["g_adv"]),
                     "G reconstruction (MSE / mean m)": (history["iter"], history["g_mse"])},
                    f"{args.out}/losses.png", "GAIN losses", log_y=True)
    if not has_holes:
        print(f"\nRMSE on the hidden cells ({args.data}, {metrics['repeats']} repeat(s)):")
        for name, r in metrics["rmse"].items():
            print(f"  {name:14s} {r['mean']:.4f} +- {r['std']:.4f}   "
                  f"{metrics['seconds_per_run'][name]:6.1f} s per run")
    print(f"done in {time.time() - t0:.0f} s; wrote imputed.npy, mask.npy, metrics.json, "
          f"gain.png and losses.png to {args.out}")
    return metrics


def draw(table, M, filled, metrics, columns, path, title):
    """RMSE bars (left) and, for two columns, histograms of the hidden values (right)."""
    fig = viz.figure(15, 4.5)
    axes = fig.subplots(1, 3)
    ax = axes[0]
    if metrics["rmse"] is not None:
        names = list(metrics["rmse"])
        means = [metrics["rmse"][n]["mean"] for n in names]
        stds = [metrics["rmse"][n]["std"] for n in names]
        colours = ["tab:red" if n == "GAIN" else "tab:grey" for n in names]
        ax.bar(range(len(names)), means, yerr=stds, color=colours, capsize=3)
        ax.set_xticks(range(len(names)))
        ax.set_xticklabels(names, rotation=30, ha="right")
        ax.set_ylabel("RMSE on the hidden cells (scaled)")
        ax.set_title(f"{title}: lower is better")
    else:
        ax.axis("off")
        ax.text(0.5, 0.5, "the file's own missing cells:\nno true values, no RMSE",
                ha="center", va="center")
    hidden = M == 0
    # The two columns with the most distinct values among the hidden cells.
    spread = [len(numpy.unique(table[hidden[:, j], j])) if hidden[:, j].any() else 0
              for j in range(table.shape[1])]
    chosen = [j for j in numpy.argsort(spread)[::-1] if spread[j] > 0][:2]
    for ax in axes[1 + len(chosen):]:
        ax.axis("off")
    for ax, j in zip(axes[1:], chosen):
        rows = hidden[:, j]
        truth = table[rows, j]
        values = [filled["GAIN"][rows, j], filled["mean"][rows, j]]
        if not numpy.isnan(truth).any():
            values = [truth] + values
        lo = min(float(numpy.nanmin(v)) for v in values)
        hi = max(float(numpy.nanmax(v)) for v in values)
        hi = numpy.nanpercentile(numpy.concatenate(values), 99) if hi > lo else lo + 1
        bins = numpy.linspace(lo, hi, 40)
        labels = (["true hidden values"] if len(values) == 3 else []) + ["GAIN", "mean"]
        styles = ({"color": "black", "histtype": "step", "linewidth": 1.5},
                  {"color": "tab:red", "alpha": 0.5}, {"color": "tab:grey", "alpha": 0.7})
        for v, label, style in zip(values, labels, styles[-len(values):]):
            ax.hist(numpy.clip(v, lo, hi), bins=bins, label=label, **style)
        ax.set_yscale("log")
        ax.set_title(f"column {columns[j]!r}: {rows.sum()} hidden cells")
        ax.set_xlabel("value (original units; the last bin: all above the 99th percentile)",
                      fontsize=8)
        ax.legend(fontsize=8)
    viz.save_figure(fig, path)


if __name__ == "__main__":
    plumbing.run_script(main)
