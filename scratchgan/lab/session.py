"""``LabSession``: the live page's GAN, its training and what each frame shows.

The networks are small MLPs (GAN Lab's size: up to 5 hidden layers of up to
64 units), trained by the written-out loop of ``loop.py``.  A frame is what
the page draws:

    fake      G(z) for a fixed set of z, so each point can be followed
    grad      for each fake point x'_i, -dl_G(x'_i)/dx'_i: the gradient G's loss
              sends to that point, computed by our D.backward.  l_G is the
              per-sample loss (the minibatch loss is their mean), so arrows do
              not shrink as the fixed set grows.
    heat      D's output on a grid over the view, with its extent
    manifold  G pushed through a grid of z (lines of z_1, z_2 with the rest 0)
    history   the latest logged row; warnings, as they fire

``chain(i)`` is the story of one fake point: each layer's forward value and
dL/dh on the way back, and a finite-difference check of its arrow (``chain.py``).
"""
import warnings

import numpy

from .. import backend, losses, nn, optim
from ..gan.diagnostics import FailureMonitor, diversity_ratio
from ..gan.objectives import MinimaxLoss, NonSaturatingLoss
from ..nn import frozen
from . import loop
from .chain import point_chain, rounded
from .datasets import extent, real_points
from .settings import DEFAULTS, REBUILDS, SettingError, validate

N_FIXED = 200          # fake points followed on the canvas
HEAT = 40              # the heat map's grid is HEAT x HEAT
LOG_EVERY = 10         # iterations between history rows
HISTORY = 600          # rows kept for the charts


class LeastSquaresLoss:
    """G's least-squares loss (LSGAN, on D's probability): mean (D(G(z)) - 1)^2."""
    name = "least_squares"

    def __init__(self):
        self.criterion = losses.MSELoss()

    def __call__(self, out_fake):
        return self.criterion(out_fake, 1.0)

    def backward(self, out_fake=None):
        return self.criterion.backward(out_fake)


def mlp(sizes, last):
    """Linear layers of the given sizes, LeakyReLU(0.2) between, ``last`` at the end."""
    layers = []
    for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
        layers.append(nn.Linear(a, b))
        layers.append(nn.LeakyReLU(0.2) if i < len(sizes) - 2 else last)
    return nn.Sequential(*layers)


class LabSession:
    """A 2D GAN the page steers: ``step()``, ``step_d()``, ``step_g()``,
    ``step_call()`` (one call of the loop), ``change(settings)``, ``frame()``."""

    def __init__(self, **settings):
        self.settings = dict(DEFAULTS)
        self.settings.update(validate(settings))
        self.points = self.settings.pop("points", None)
        self.build()

    # -- building ---------------------------------------------------------------
    def build(self):
        """New networks, optimizers and data from the settings (iteration 0)."""
        s = self.settings
        backend.manual_seed(s["seed"])
        self.rng = numpy.random.default_rng(s["seed"])
        try:
            self.real = real_points(s["data"], self.rng, self.points)
        except ValueError as e:
            raise SettingError(str(e)) from None
        self.view = extent(self.real)
        self.data_version = getattr(self, "data_version", -1) + 1    # the page refetches /data
        zd = s["noise_dim"]
        self.G = mlp([zd] + [s["g_width"]] * s["g_layers"] + [2], nn.Identity())
        self.D = mlp([2] + [s["d_width"]] * s["d_layers"] + [1], nn.Sigmoid())
        self.fixed_z = self.noise(N_FIXED)
        self.make_optimizers()
        self.make_objectives()
        self.iteration, self.stats, self.history = 0, {}, []
        self.monitor, self.warnings = FailureMonitor(window=5), []
        self.pending = None                   # a paused iteration (step mode)
        self.phase = None                     # what the latest call of the loop was

    def make_optimizers(self):
        s = self.settings
        if s["optimizer"] == "adam":
            self.opt_G = optim.Adam(self.G.parameters(), lr=s["lr_g"], betas=(0.5, 0.999))
            self.opt_D = optim.Adam(self.D.parameters(), lr=s["lr_d"], betas=(0.5, 0.999))
        else:
            self.opt_G = optim.SGD(self.G.parameters(), lr=s["lr_g"])
            self.opt_D = optim.SGD(self.D.parameters(), lr=s["lr_d"])

    def make_objectives(self):
        g = self.settings["g_objective"]
        if g == "least_squares":                          # LSGAN: both players on squares
            self.d_criterion, self.g_criterion = losses.MSELoss(), LeastSquaresLoss()
        else:
            self.d_criterion = losses.BCELoss()
            self.g_criterion = NonSaturatingLoss() if g == "non_saturating" else MinimaxLoss()

    @property
    def m(self):
        return self.settings["batch_size"]

    @property
    def k(self):
        return self.settings["k"]

    def noise(self, m):
        """m draws of z ~ p(z): N(0, I) or U(-1, 1)^noise_dim."""
        d = self.settings["noise_dim"]
        if self.settings["noise"] == "normal":               # the session's own generator:
            z = self.rng.standard_normal((m, d))             # two sessions never share draws
        else:
            z = self.rng.uniform(-1, 1, (m, d))
        return backend.asarray(z.astype(numpy.float32))

    def real_batch(self, m):
        return backend.asarray(self.real[self.rng.integers(0, len(self.real), m)])

    # -- changing settings -------------------------------------------------------
    def change(self, changes):
        """Apply checked settings; returns True when the networks were rebuilt.
        Everything is checked before anything changes (a bad value changes nothing)."""
        new = validate(changes)
        if new.get("data") == "drawn" and not (new.get("points") or self.points):
            raise SettingError("the drawn data set needs points: draw some on the canvas first")
        points = new.pop("points", self.points)
        rebuild = any(k in REBUILDS and new[k] != self.settings.get(k) for k in new) or (
            points is not self.points)
        self.settings.update(new)
        self.points = points
        if rebuild:
            self.build()
            return True
        if "optimizer" in new:
            self.make_optimizers()                  # fresh state, same weights
        for opt, key in ((self.opt_G, "lr_g"), (self.opt_D, "lr_d")):
            for group in opt.param_groups:
                group["lr"] = self.settings[key]
        if "g_objective" in new:
            self.make_objectives()
        return False

    # -- training ----------------------------------------------------------------
    def _run(self, steps):
        for self.phase in steps:
            pass
        self.pending = None

    def step(self):
        """One iteration of Algorithm 1 (finishing a paused one first)."""
        if self.pending is not None:
            self._run(self.pending)
        else:
            self._run(loop.iteration(self))
        self._end_iteration()

    def step_d(self):
        """One D step alone."""
        self._finish_pending()
        self._run(loop.d_step(self))

    def step_g(self):
        """One G step alone (counts as an iteration)."""
        self._finish_pending()
        self._run(loop.g_step(self))
        self._end_iteration()

    def step_call(self):
        """One call of the written-out loop (step mode); returns (label, line)."""
        if self.pending is None:
            self.pending = loop.iteration(self)
        try:
            self.phase = next(self.pending)
        except StopIteration:
            self.pending = None
            self._end_iteration()
            return self.step_call()
        return self.phase, self.current_line()

    def _finish_pending(self):
        if self.pending is not None:
            self._run(self.pending)
            self._end_iteration()

    def current_line(self):
        """The line of loop.py that the paused iteration ran last (the call before its yield)."""
        gen = self.pending
        while gen is not None and getattr(gen, "gi_yieldfrom", None) is not None:
            gen = gen.gi_yieldfrom
        if gen is None or gen.gi_frame is None:
            return None
        return gen.gi_frame.f_lineno - 1

    def _end_iteration(self):
        self.iteration += 1
        if self.iteration % LOG_EVERY == 0 and "g_loss" in self.stats and "d_loss" in self.stats:
            row = dict(self.stats, iter=self.iteration)
            with nn.no_grad():
                row["diversity"] = float(diversity_ratio(self.G(self.noise(256)),
                                                         self.real_batch(256)))
            self.history = (self.history + [row])[-HISTORY:]
            with warnings.catch_warnings():          # the page shows them; the console need not
                warnings.simplefilter("ignore")
                fired = self.monitor.update(row)
            if self.settings["g_objective"] == "minimax" and row["D_G_z"] < 0.02 and not any(
                    "saturat" in w for w in self.warnings[-3:]):
                fired.append(f"iter {self.iteration}: G's loss saturates: D(G(z)) = "
                             f"{row['D_G_z']:.3f}, so the minimax gradient -D(G(z)) nearly "
                             "vanishes; try the non-saturating loss")
            self.warnings = (self.warnings + fired)[-20:]

    # -- what the page draws -------------------------------------------------------
    def arrows(self, x_fake):
        """-dl_G(x'_i)/dx'_i for each row of x_fake, by D.backward (per-sample loss)."""
        n = len(x_fake)
        out = self.D(x_fake)
        self.g_criterion(out)
        with frozen(self.D):
            dx = self.D.backward(self.g_criterion.backward(out) * out.dtype.type(n), out)
        return -dx

    def frame(self):
        """The page's frame as plain Python (JSON-ready)."""
        x0, x1, y0, y1 = self.view
        with nn.no_grad():
            fake = self.G(self.fixed_z)
            gx, gy = numpy.meshgrid(numpy.linspace(x0, x1, HEAT), numpy.linspace(y0, y1, HEAT))
            grid = backend.asarray(numpy.stack([gx.ravel(), gy.ravel()], 1).astype(numpy.float32))
            heat = backend.to_host(self.D(grid)).reshape(HEAT, HEAT)
            zs = self._manifold_z()                                   # all lines in one call
            points = backend.to_host(self.G(backend.get_xp().concatenate(zs)))
            manifold = numpy.split(points, len(zs))
        grad = backend.to_host(self.arrows(fake))
        return {
            "iteration": self.iteration,
            "fake": rounded(backend.to_host(fake)),
            "grad": rounded(grad, 6),            # 6 digits: saturated arrows stay visible
            "heat": {"values": rounded(heat, 3), "extent": [x0, x1, y0, y1], "size": HEAT},
            "manifold": [rounded(line) for line in manifold],
            "history": self.history[-1] if self.history else None,
            "warnings": list(self.warnings),
            "phase": self.phase, "line": self.current_line() if self.pending else None,
            "settings": dict(self.settings), "data_version": self.data_version,
        }

    def data(self):
        """The real points and the view, for ``GET /data``."""
        return {"points": rounded(self.real), "extent": list(self.view),
                "data_version": self.data_version}

    def _manifold_z(self, lines=9, points=40):
        """Lines in z-space: z_1 swept with z_2 fixed, and the other way (other dims 0)."""
        d = self.settings["noise_dim"]
        r = 2.0 if self.settings["noise"] == "normal" else 1.0
        t = numpy.linspace(-r, r, points)
        out = []
        for axis in ((0, 1) if d >= 2 else (0,)):
            for c in (numpy.linspace(-r, r, lines) if d >= 2 else [0.0]):
                z = numpy.zeros((points, d), numpy.float32)
                z[:, axis] = t
                if d >= 2:
                    z[:, 1 - axis] = c
                out.append(backend.asarray(z))
        return out

    def history_rows(self):
        return list(self.history)

    def chain(self, i):
        """Fake point i's chain, layer by layer, its arrow checked (``chain.py``)."""
        return point_chain(self, i)
