"""The run loop around Algorithm 1: iterations, logging, NaN rollback, the progress bar.

``GANTrainer`` is ``GANSteps`` (steps.py: the D step and the G step) plus what
a long run needs:

* ``step()`` runs one iteration and adds its statistics to the current window
  (device scalars, no sync); ``log()`` turns the window into a history row,
  the one host transfer, and checks it;
* a NaN/Inf loss restores the last good state (kept at every clean log point)
  and raises ``TrainingDiverged``, checked every step on the CPU (free there)
  and at log points on the GPU;
* ``train(iters)`` loops with a progress bar, the console line and a callback;
* ``generate`` and ``discriminate`` sample for pictures (sampling.py).

The same loop written out by hand, as the lecture writes it, is
``demos/gan_loop.py``.
"""
import math
import sys
import time

from tqdm.auto import tqdm

from .. import backend
from ..checkpoint import copy_state
from .diagnostics import (FailureMonitor, History, TrainingDiverged, diversity_ratio,
                          format_line, is_finite)
from . import sampling
from .steps import GANSteps

# The per-iteration statistics averaged into each history row, in this order.
STATS = ("d_loss", "g_loss", "D_x", "D_G_z", "real_acc", "fake_acc",
         "g_grad_norm", "d_grad_norm")


def postfix(row):
    """The progress bar's numbers for a history row (or a window's means), short
    enough that the whole bar fits 80 columns: D's and G's losses, D(x),
    D(G(z)), and D's accuracy on real / fake samples."""
    def p(v):                                            # 0.50 -> ".50", 0.999 -> "1.0"
        text = f"{v:.2f}"
        return text[1:] if text.startswith("0.") else f"{v:.1f}"
    return (f"D {row['d_loss']:.2f} G {row['g_loss']:.2f} D(x) {p(row['D_x'])} "
            f"D(G(z)) {p(row['D_G_z'])} acc {p(row['real_acc'])}/{p(row['fake_acc'])}")


#: The bar without the speed and the time so far ([time left, numbers]), so that
#: the numbers fit 80 columns.
BAR_FORMAT = "{l_bar}{bar}| {n_fmt}/{total_fmt} [{remaining}{postfix}]"




class GANTrainer(GANSteps):
    """Train G and D with Algorithm 1: the loop of ``demos/gan_loop.py``, plus options.

    ``demos/gan_loop.py`` writes one iteration out by hand, as the lecture's
    PyTorch code does (zero_grad, forwards, backwards by name, step); this
    class runs the same steps (D first, as Algorithm 1 orders them) and adds
    k, the GAN hacks, remedies, conditioning, logging and NaN rollback.

    Everything of ``GANSteps`` (the algorithm and its options, documented
    there: G, D, opt_G, opt_D, sample_data, sample_noise, k, batch_size,
    g_objective, d_output, the GAN hacks, remedies, conditioning, joint_d_batch),
    plus the run loop:

    Failure handling:
        nan_check: "auto" (every iteration on the CPU, at log points on the
            GPU), "step", "log" or None.  A NaN/Inf loss restores the last good
            state (saved at every clean log point) and raises ``TrainingDiverged``.
        monitor: a ``FailureMonitor`` (warnings for convergence failure and
            mode collapse), or None to switch the warnings off.

    After training, ``history`` holds one row per log point (see
    ``scratchgan.gan.diagnostics``) and ``to_csv(path)`` writes it.
    """


    def __init__(self, G, D, opt_G, opt_D, sample_data, sample_noise, *, nan_check="auto",
                 monitor="default", **options):
        super().__init__(G, D, opt_G, opt_D, sample_data, sample_noise, **options)
        if nan_check not in ("auto", "step", "log", None, False):
            raise ValueError(f"GANTrainer: nan_check must be 'auto', 'step', 'log' or "
                             f"None, got {nan_check!r}")
        if nan_check == "auto":
            nan_check = "step" if backend.backend_name() == "numpy" else "log"
        self.nan_check = nan_check or None
        self.monitor = FailureMonitor() if monitor == "default" else monitor
        self.history = History()
        self._good = None                  # the last good state (see keep_good_state)
        self._reset_window()
        self._console = print

    def _reset_window(self):
        self._sums = dict.fromkeys(STATS, 0.0)
        self._count = 0

    def step(self):
        """One iteration (k D steps, one G step), its statistics added to the window.
        Returns the iteration number."""
        it = self.iteration + 1
        stats = super().step()
        if self.nan_check == "step":
            for name, network in (("d_loss", "discriminator"), ("g_loss", "generator")):
                if not is_finite(stats[name]):
                    self._diverged(it, network, float(stats[name]))
        for name in STATS:
            self._sums[name] = self._sums[name] + stats[name]
        self._count += 1
        return it

    # ------------------------------------------------- logging and safety
    def log(self):
        """Close the current window: append its means as a history row and return it.

        This is the only place that copies to the host (one transfer).  Also
        checks for NaN (on the GPU), issues warnings and saves the good state.
        """
        if self._count == 0:
            return None
        row, (w_G, w_D, x_fake, x_real) = self._window_means(health=True)
        if self.nan_check:
            for name, network in (("d_loss", "discriminator"), ("g_loss", "generator")):
                if not is_finite(row[name]):
                    self._diverged(self.iteration, network, row[name])
            for network, w in (("generator", w_G), ("discriminator", w_D)):
                if not w <= self.WEIGHT_LIMIT:           # (also NaN)
                    self._diverged(self.iteration, network, w, what="largest weight |w|")
            if not x_fake <= self.SAMPLE_LIMIT * max(x_real, 1.0):
                self._diverged(self.iteration, "generator", x_fake,
                               what=f"largest sample |G(z)| (the data's is {x_real:.3g})")
        row["diversity"] = diversity_ratio(self._last_fake, self._last_real)
        self._reset_window()
        self.history.append(row)
        if self.monitor is not None:
            for message in self.monitor.update(row):
                self._console("WARNING " + message)
        self.keep_good_state()
        return row

    def keep_good_state(self):
        """Remember the current state of G, D and both optimizers (device copies)."""
        self._good = {"iteration": self.iteration,
                      "G": copy_state(self.G.state_dict()), "D": copy_state(self.D.state_dict()),
                      "opt_G": copy_state(self.opt_G.state_dict()),
                      "opt_D": copy_state(self.opt_D.state_dict())}

    def restore_good_state(self):
        """Load the last good state back into G, D and the optimizers (the rollback)."""
        good = self._good
        self.G.load_state_dict(good["G"])
        self.D.load_state_dict(good["D"])
        self.opt_G.load_state_dict(good["opt_G"])
        self.opt_D.load_state_dict(good["opt_D"])
        self.iteration = good["iteration"]
        self.history.truncate(self.iteration)
        self._reset_window()
        return self.iteration

    #: A weight above this (in absolute value) means training has blown up:
    #: trained GAN weights stay within tens; Adam with ``lr=1000`` passes it in
    #: tens of iterations (Adam moves a weight by up to about lr per step).
    WEIGHT_LIMIT = 1e4
    #: G's samples this many times larger than the data's largest |x|: blown up.
    SAMPLE_LIMIT = 1e3

    def _diverged(self, iteration, network, value, what="loss"):
        restored = self.restore_good_state()
        hint = (f"lower the learning rates (now lr_G={getattr(self.opt_G, 'lr', '?')}, "
                f"lr_D={getattr(self.opt_D, 'lr', '?')}), e.g. halve them; with Adam try "
                f"beta1 = 0.5")
        if self.d_output != "logits":
            hint += "; or let D output logits (d_output='logits', BCEWithLogitsLoss)"
        raise TrainingDiverged(iteration, network, restored, value, hint=hint, what=what)

    def _window_means(self, health=False):
        """The current window's means on the host as a row, in one transfer.
        With ``health`` (log points) the same transfer also brings the largest
        |weight| of G and of D and the largest |x| of the latest fake and real
        minibatches: returns (row, [w_G, w_D, x_fake, x_real])."""
        xp = backend.get_xp()
        values = [xp.asarray(self._sums[s], dtype=xp.float64) for s in STATS]
        if health:
            values += [self._largest_weight(opt) for opt in (self.opt_G, self.opt_D)]
            values += [xp.abs(x).max().astype(xp.float64) if x is not None
                       else xp.zeros((), xp.float64) for x in (self._last_fake, self._last_real)]
        host = backend.to_host(xp.stack(values))
        row = {"iter": self.iteration}
        row.update({s: float(v) / self._count for s, v in zip(STATS, host)})
        return (row, [float(v) for v in host[len(STATS):]]) if health else row

    @staticmethod
    def _largest_weight(opt):
        """max |theta| over an optimizer's parameters (a device scalar, float64)."""
        xp = backend.get_xp()
        theta = getattr(opt, "theta", None)
        if theta is None:
            theta = xp.concatenate([p.data.ravel() for p in opt.params])
        return xp.abs(theta).max().astype(xp.float64) if theta.size else xp.zeros((), xp.float64)

    # ---------------------------------------------------------- the loop
    def train(self, iters, log_every=100, print_every=1000, callback=None, progress=True):
        """Run ``iters`` iterations, logging every ``log_every``.

        print_every: print the console line at the first log point at or after
            each multiple of this (0: never).  The progress bar shows the
            latest losses from the first iteration on: the means since the
            last log point, refreshed at least every ``REFRESH_S`` seconds
            (one small host transfer each time) and at every log point.
        callback(trainer, row): called after every log point, e.g. to save
            snapshots for pictures.
        Returns the history.
        """
        self.G.train()
        self.D.train()
        if self._good is None:
            self.keep_good_state()
        start, end = self.iteration, self.iteration + int(iters)
        next_print = (start // print_every + 1) * print_every if print_every else None
        bar = tqdm(total=int(iters), disable=not progress, unit="it", leave=True,
                   dynamic_ncols=True, mininterval=0.25, file=sys.stdout, bar_format=BAR_FORMAT)
        self._console = bar.write if progress else print
        if next_print is not None and start == 0:
            terms = self.d_loss_terms()
            self._console(f"{terms['d_loss_label']}: {terms['d_loss_optimum']:.3f} "
                          f"({terms['d_loss_optimum_label']}) at the equilibrium D = 1/2; "
                          "PyTorch-GAN's scripts print the mean of the terms instead")
        shown = None                          # when the bar's numbers were last refreshed
        try:
            while self.iteration < end:
                it = self.step()
                bar.update(1)
                logging = it % log_every == 0 or it == end
                if progress and not logging and (
                        shown is None or time.monotonic() - shown >= self.REFRESH_S):
                    bar.set_postfix_str(postfix(self._window_means()), refresh=True)
                    shown = time.monotonic()
                if logging:
                    row = self.log()
                    bar.set_postfix_str(postfix(row), refresh=False)
                    shown = time.monotonic()
                    if next_print is not None and (it >= next_print or it == end):
                        band = self.monitor.band_text() if self.monitor is not None else ""
                        self._console(format_line(row) + band)
                        next_print = (it // print_every + 1) * print_every
                    if callback is not None:
                        callback(self, row)
        finally:
            bar.close()
            self._console = print
        return self.history

    def d_loss_terms(self):
        """What this trainer's d_loss adds up, and its value at the equilibrium
        D = 1/2, as keyword arguments of ``viz.plot_history``."""
        label, optimum, optimum_label = "D loss = BCE(real) + BCE(fake)", 2.0, "2 ln 2"
        if self.mismatched_labels:
            w = self.mismatch_weight
            label = ("D loss = BCE(real, y) + BCE(fake, y) + "
                     f"{'' if w == 1 else f'{w:g} '}BCE(real, wrong y)")
            optimum = 2.0 + w
            optimum_label = f"{optimum:g} ln 2"
        return {"d_loss_label": label, "d_loss_optimum": optimum * math.log(2),
                "d_loss_optimum_label": optimum_label}

    REFRESH_S = 2.0          # the progress bar's numbers are at most this old

    def to_csv(self, path):
        """Write the history as CSV (one row per log point)."""
        return self.history.to_csv(path)


    # --------------------------------------------------------- sampling
    def generate(self, n, c=None, batch=4096, eval_mode=False):
        """n samples of G on the host (NumPy), z from ``sample_noise``; for a
        conditional G, ``c`` (or ``sample_condition(n)``).  See ``sampling.generate``."""
        if c is None and self.conditional and self.sample_condition:
            c = self.sample_condition(n)
        return sampling.generate(self.G, self.sample_noise, n, c, batch, eval_mode)

    def discriminate(self, x, c=None, batch=8192, eval_mode=True):
        """D's probabilities D(x) on the host (no instance noise), for pictures."""
        return sampling.discriminate(self.D, x, c, batch, eval_mode, d_output=self.d_output)
