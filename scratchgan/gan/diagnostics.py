"""Watching a GAN train: the history of diagnostics, the console line, warnings.

A GAN has no single number that says "training is going well" (the losses of
G and D are two players' scores in a game, not errors that should go to 0),
so we keep several, every ``log_every`` iterations, each the mean over the
iterations since the previous log point:

    d_loss       -[ mean log D(x) + mean log(1 - D(G(z))) ]   (BCE, real + fake)
    g_loss       the generator's loss (non-saturating: -mean log D(G(z)))
    D_x          mean D(x) on real data                (tends to 1/2 at equilibrium)
    D_G_z        mean D(G(z)) on generated data        (tends to 1/2 at equilibrium)
    real_acc     share of real samples with D(x) > 1/2
    fake_acc     share of generated samples with D(G(z)) < 1/2
    g_grad_norm  ||dL_G/dtheta_g||, the generator's gradient norm
    d_grad_norm  ||dL_D/dtheta_d||, the discriminator's gradient norm
    diversity    (mean per-feature std of a fake batch) / (same for a real batch)

At the global optimum of the minimax game (Goodfellow et al. 2014, Theorem 1)
D(x) = 1/2 everywhere, so d_loss = 2 log 2 ~ 1.386, g_loss = log 2 ~ 0.693 and
both accuracies hover around 1/2.

Which D loss is printed: scratchgan's d_loss is the *sum* BCE(real) + BCE(fake)
= -V(D, G), the game's value (optimum 2 log 2 ~ 1.386).  PyTorch-GAN's
scripts print their *average*, (real_loss + fake_loss) / 2 (optimum
log 2 ~ 0.693): halve our d_loss to compare it with the lecture's console.
(With ``mismatched_labels`` a third term, real images with wrong labels,
is added to the sum.)

Three failures are common enough to warn about:

* convergence failure: D wins outright.  Its accuracy sits near 100% while G's
  loss keeps climbing, because D(G(z)) -> 0 and G gets no useful signal.
* mode collapse: G maps many z to (nearly) the same output.  A cheap symptom is
  a fake minibatch whose spread is far below a real minibatch's.
* oscillation: the players orbit the equilibrium instead of approaching it,
  and the losses swing up and down with a period.  Detected from the
  autocorrelation of G's loss over the last ``osc_window`` log points (see
  ``oscillation_period``).

And one rule of thumb from the lectures is printed with the console line:
D's accuracy, (real_acc + fake_acc) / 2, "should hover around 80%": far
below, D has stopped learning (or G fools it completely); near 100%, D is
winning and G's gradient vanishes.  (At the game's optimum, p_g = p_data,
D = 1/2 everywhere and its accuracy is 50%: the toy demos get there; image
GANs in practice do not.)  The line shows its range over the last log
points, ``D_acc 0.72-0.85 (~0.8 in practice, 0.5 at the optimum)``.

This file is over 300 lines because the diagnostics share one history:
the logged row, the console line and each warning's test read it together.
"""
import csv
import math
import warnings

from .. import backend
from ..atomic import atomic_open


COLUMNS = ("iter", "d_loss", "g_loss", "D_x", "D_G_z", "real_acc", "fake_acc",
           "g_grad_norm", "d_grad_norm", "diversity")


class GANWarning(UserWarning):
    """Base class of the trainer's warnings about the state of the game."""


class ConvergenceFailureWarning(GANWarning):
    """D's accuracy is near 100% while G's loss climbs: D has won."""


class ModeCollapseWarning(GANWarning):
    """Generated samples are far less diverse than real ones."""


class OscillationWarning(GANWarning):
    """The losses swing periodically: G and D orbit instead of converging."""


#: The lectures' rule of thumb: D's accuracy should hover around 80%.
D_ACC_AIM = 0.8


def oscillation_period(series, min_autocorr=0.5, min_swing=0.1):
    """The period (in log points) of a periodic swing in ``series``, or None.

    Remove the straight-line trend, take the autocorrelation
    r(L) = sum_t u_t u_{t+L} / sum_t u_t^2 of what is left, and look for its
    first peak after it has gone negative: a swing returns to where it was
    after one period, and passes through the other side half-way.  A period
    is reported when that peak is at least ``min_autocorr`` and the swing
    (peak to peak of the detrended series) is at least ``min_swing`` times
    the series' mean absolute level, so noise and slow drifts do not count.
    """
    u = [float(v) for v in series]
    n = len(u)
    if n < 8 or not all(math.isfinite(v) for v in u):
        return None
    t_mean, u_mean = (n - 1) / 2, sum(u) / n
    slope = (sum((t - t_mean) * (v - u_mean) for t, v in enumerate(u))
             / sum((t - t_mean) ** 2 for t in range(n)))
    u = [v - u_mean - slope * (t - t_mean) for t, v in enumerate(u)]
    energy = sum(v * v for v in u)
    level = sum(abs(v) for v in series) / n
    if energy == 0 or max(u) - min(u) < min_swing * max(level, 1e-12):
        return None
    r = [sum(u[t] * u[t + lag] for t in range(n - lag)) / energy for lag in range(n // 2 + 1)]
    went_negative = False
    for lag in range(1, len(r) - 1):
        went_negative = went_negative or r[lag] < 0
        if went_negative and r[lag] >= min_autocorr and r[lag] >= r[lag - 1] \
                and r[lag] >= r[lag + 1]:
            return lag
    return None


class TrainingDiverged(RuntimeError):
    """A loss became NaN or Inf, or a weight grew beyond ``GANTrainer.WEIGHT_LIMIT``.

    Attributes: ``iteration`` (where the bad loss appeared, or the log point
    at which it was noticed on a GPU), ``network`` ("discriminator" or
    "generator"), ``what`` ("loss" or "largest weight |w|") and its ``value``,
    ``restored_iteration``: the iteration of the state now loaded in G, D and
    both optimizers when the trainer rolled them back, or None when nothing was
    restored (a written-out loop that just stops; its last checkpoint is on disk).
    """

    def __init__(self, iteration, network, restored_iteration=None, value=float("nan"),
                 hint=None, what="loss"):
        self.iteration, self.network, self.what = iteration, network, what
        self.restored_iteration, self.value = restored_iteration, value
        hint = hint or ("try a lower learning rate (e.g. halve it), Adam's beta1 = 0.5, "
                        "or logits with BCEWithLogitsLoss (d_output='logits')")
        grown = "" if what == "loss" else " (the weights are growing without bound)"
        restored = ("The run stopped; nothing was rolled back" if restored_iteration is None
                    else f"G, D and both optimizers were restored to iteration "
                         f"{restored_iteration}, the last good state")
        super().__init__(
            f"training diverged at iteration {iteration}: the {network}'s {what} is "
            f"{value:.3g}{grown}. {restored}. Suggestion: {hint}.")


class History:
    """The diagnostics of one run: a list of rows (dicts), one per log point.

    ``history[i]`` is a row, ``history["d_loss"]`` a column (a list of floats),
    ``history.to_csv(path)`` writes it, ``History.read_csv(path)`` reads it back.
    """

    def __init__(self, rows=None):
        self.rows = list(rows or [])

    def append(self, row):
        self.rows.append(dict(row))

    def __len__(self):
        return len(self.rows)

    def __iter__(self):
        return iter(self.rows)

    def __getitem__(self, key):
        if isinstance(key, str):
            return [row[key] for row in self.rows]
        return self.rows[key]

    def columns(self):
        names = list(COLUMNS)
        for row in self.rows:
            names += [k for k in row if k not in names]
        return [n for n in names if any(n in row for row in self.rows)]

    def truncate(self, iteration):
        """Drop rows logged after ``iteration`` (used when restoring a state)."""
        self.rows = [r for r in self.rows if r["iter"] <= iteration]

    def to_csv(self, path):
        """Write one header line and one line per log point."""
        names = self.columns() or list(COLUMNS)
        with atomic_open(path, "w", newline="") as f:          # never half a file
            writer = csv.DictWriter(f, fieldnames=names)
            writer.writeheader()
            for row in self.rows:
                writer.writerow({k: row.get(k, "") for k in names})
        return path

    @classmethod
    def read_csv(cls, path):
        with open(path, newline="") as f:
            rows = [{k: (int(v) if k == "iter" else float(v)) for k, v in r.items() if v != ""}
                    for r in csv.DictReader(f)]
        return cls(rows)

    def __eq__(self, other):
        return isinstance(other, History) and self.rows == other.rows

    def __repr__(self):
        return f"History({len(self.rows)} rows)"


def format_line(row):
    """The console line, as in the lecture:
    ``iter 1000  d_loss=0.66  g_loss=0.73  D(x)=0.55  D(G(z))=0.45  real_acc=0.65  fake_acc=0.23``
    (d_loss = BCE(real) + BCE(fake), the sum: PyTorch-GAN prints half of it.)
    """
    return (f"iter {row['iter']}  d_loss={row['d_loss']:.2f}  g_loss={row['g_loss']:.2f}  "
            f"D(x)={row['D_x']:.2f}  D(G(z))={row['D_G_z']:.2f}  "
            f"real_acc={row['real_acc']:.2f}  fake_acc={row['fake_acc']:.2f}")


def spread(x):
    """Mean over features of the standard deviation across the batch (a device scalar).

    For a batch x of shape (n, ...), flatten each sample to a vector and take
    mean_j std_n x[n, j].  A generator that outputs one point for every z
    scores 0.
    """
    return x.reshape(x.shape[0], -1).std(axis=0).mean()


def diversity_ratio(x_fake, x_real):
    """spread(fake) / spread(real): ~1 when G is as varied as the data, ~0 when collapsed."""
    real = float(spread(x_real))
    return float(spread(x_fake)) / real if real > 0 else float("nan")


class FailureMonitor:
    """Looks at each new history row and warns, once per episode, about
    convergence failure and mode collapse.

    Convergence failure: over the last ``window`` rows, the mean of real_acc
    and fake_acc stays >= ``acc_threshold`` in every row and g_loss rose from
    the first row of the window to the last.

    Mode collapse: ``diversity`` < ``collapse_ratio`` in ``patience`` rows in a
    row (one low row can be the generator's small initial outputs).

    A warning is issued when a condition becomes true and not again until it
    has become false; ``messages`` keeps every warning's text.
    """

    def __init__(self, window=5, acc_threshold=0.98, collapse_ratio=0.1, patience=3,
                 osc_window=24):
        self.window, self.acc_threshold = int(window), float(acc_threshold)
        self.collapse_ratio, self.patience = float(collapse_ratio), int(patience)
        self.osc_window = int(osc_window)
        self._rows = []
        self._g_losses = []
        self._failing = self._collapsed = self._oscillating = False
        self._low = 0
        self.messages = []

    def accuracy_band(self):
        """(lowest, highest) of D's accuracy (real_acc + fake_acc) / 2 over the
        last ``window`` log points, or None before the first."""
        accs = [(r["real_acc"] + r["fake_acc"]) / 2 for r in self._rows
                if "real_acc" in r and "fake_acc" in r]
        return (min(accs), max(accs)) if accs else None

    def band_text(self):
        """``  D_acc 0.72-0.85 (~0.8 in practice, 0.5 at the optimum)``, for the console line."""
        band = self.accuracy_band()
        if band is None:
            return ""
        return (f"  D_acc {band[0]:.2f}-{band[1]:.2f} (~{D_ACC_AIM:.1f} in practice, "
                f"0.5 at the optimum)")

    def prime(self, rows):
        """Go on after a resume: run the earlier rows through the checks silently,
        so that the window (and with it the console's D-accuracy band) and each
        warning's state continue from where the run stopped; nothing is re-issued."""
        kept = list(self.messages)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for row in rows:
                self.update(row)
        self.messages = kept

    def update(self, row):
        """Check a new row; returns the list of warning messages issued now."""
        issued = []
        self._rows = (self._rows + [row])[-self.window:]
        rows = self._rows
        failing = (len(rows) == self.window
                   and all((r["real_acc"] + r["fake_acc"]) / 2 >= self.acc_threshold
                           for r in rows)
                   and rows[-1]["g_loss"] > rows[0]["g_loss"])
        if failing and not self._failing:
            issued.append((ConvergenceFailureWarning,
                           f"iter {row['iter']}: possible convergence failure: D's accuracy "
                           f"has been >= {self.acc_threshold:.0%} for {self.window} log points "
                           f"while G's loss climbed from {rows[0]['g_loss']:.2f} to "
                           f"{rows[-1]['g_loss']:.2f}. D is winning; try a smaller D "
                           f"learning rate, label smoothing, instance noise, or the "
                           f"non-saturating G loss."))
        self._failing = failing

        d = row.get("diversity", float("nan"))
        self._low = self._low + 1 if d == d and d < self.collapse_ratio else 0
        collapsed = self._low >= self.patience
        if collapsed and not self._collapsed:
            issued.append((ModeCollapseWarning,
                           f"iter {row['iter']}: possible mode collapse: generated samples "
                           f"spread {d:.3f} times as much as real ones for {self.patience} "
                           f"log points. Try PacGAN packing, a minibatch-stddev feature, "
                           f"or feature matching."))
        self._collapsed = collapsed

        self._g_losses = (self._g_losses + [row.get("g_loss", float("nan"))])[-self.osc_window:]
        period = (oscillation_period(self._g_losses)
                  if len(self._g_losses) == self.osc_window else None)
        if period is not None and not self._oscillating:
            issued.append((OscillationWarning,
                           f"iter {row['iter']}: the losses oscillate: G's loss swings with a "
                           f"period of about {period} log points. G and D are orbiting the "
                           f"equilibrium instead of approaching it; try lower learning rates "
                           f"(or a decaying schedule), a smaller Adam beta1, or more D steps."))
        self._oscillating = period is not None

        for category, message in issued:
            warnings.warn(message, category, stacklevel=4)
            self.messages.append(message)
        return [m for _, m in issued]


def is_finite(value):
    """True when a scalar (host or device) is neither NaN nor +-Inf (syncs on a GPU)."""
    return math.isfinite(float(value))


def grad_norm(optimizer):
    """||grad|| over the parameters an optimizer updates (a device scalar).

    scratchgan's optimizers keep all gradients in one flat vector, so this is
    one reduction.
    """
    g = getattr(optimizer, "grad", None)
    if g is None:                                    # any other optimizer
        xp = backend.get_xp()
        return xp.sqrt(sum((p.grad * p.grad).sum() for p in optimizer.params))
    return backend.get_array_module(g).sqrt(g @ g)       # one BLAS dot, no temporary
