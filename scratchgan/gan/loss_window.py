"""The logging window of a training loop written out by hand.

A loop that logs every ``log_every`` iterations wants the *mean* of each loss
since the last log point, without reading a number back from the device
every step (on a GPU each read waits for the device), and wants to stop on a
NaN or infinite loss with a message that says which network and when::

    window = LossWindow({"d_loss": "discriminator", "g_gan": "generator"})
    for it in range(1, iters + 1):
        ...
        window.add(d_loss=d_loss, g_gan=g_gan)        # device scalars, summed on the device
        if it % log_every == 0 or it == iters:
            row = window.row(it)                      # one host read per loss; NaN -> TrainingDiverged
            history.append(row)

``GANTrainer`` keeps its own window; the written-out demos (pix2pix,
CycleGAN) use this one.
"""
import math

from .diagnostics import TrainingDiverged


class LossWindow:
    """Sums of named losses since the last row; ``networks`` maps each loss's
    name to the network it trains ("generator" or "discriminator"), in the order
    the NaN check reads them; ``start`` is the iteration the window opens at
    (a resumed run's)."""

    def __init__(self, networks, start=0, hint="lower --lr"):
        self.networks, self.hint = dict(networks), hint
        self.last = int(start)
        self.sums = dict.fromkeys(self.networks, 0.0)

    def add(self, **values):
        """Add this iteration's losses (any subset of the names)."""
        for name, value in values.items():
            self.sums[name] = self.sums[name] + value

    def row(self, iteration):
        """The means since the last row, as a history row {"iter", name: mean};
        raises TrainingDiverged (nothing rolled back) if one is NaN or infinite."""
        n = iteration - self.last
        row = {"iter": iteration, **{k: float(v) / n for k, v in self.sums.items()}}
        for name, network in self.networks.items():
            if not math.isfinite(row[name]):
                raise TrainingDiverged(iteration, network, None, row[name], hint=self.hint)
        self.sums, self.last = dict.fromkeys(self.networks, 0.0), iteration
        return row

    def text(self, row):
        """The row's numbers for a progress bar."""
        return "  ".join(f"{k}={row[k]:.3f}" for k in self.networks)
