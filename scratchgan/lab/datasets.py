"""The live page's 2D data sets: a fixed set of real points each, as GAN Lab has.

A fixed set (not fresh samples every minibatch) lets the learner see every
real point on the canvas; minibatches are drawn from it.  Each set lies in
about [-1.5, 1.5]^2, so one view and one learning rate suit them all.
"""
import math

import numpy

from .. import backend
from ..data import toy

N_REAL = 1000


def real_points(name, rng, points=None):
    """(N_REAL, 2) float32 points of the data set ``name`` (``points``: the drawn
    ones, for "drawn"), drawn with the NumPy generator ``rng``."""
    if name == "ring":                                    # 8 Gaussians on a circle
        centres = backend.to_host(toy.ring_centres(8, 1.0))
        x = centres[rng.integers(0, 8, N_REAL)] + rng.normal(0, 0.05, (N_REAL, 2))
    elif name == "grid":                                  # 3 x 3 Gaussians
        c = numpy.array([(i, j) for i in (-1, 0, 1) for j in (-1, 0, 1)], float)
        x = c[rng.integers(0, 9, N_REAL)] + rng.normal(0, 0.05, (N_REAL, 2))
    elif name == "line":
        t = rng.uniform(-1, 1, N_REAL)
        x = numpy.stack([t, 0.5 * t], axis=1) + rng.normal(0, 0.02, (N_REAL, 2))
    elif name == "sine":
        t = rng.uniform(-1, 1, N_REAL)
        x = numpy.stack([t, 0.6 * numpy.sin(math.pi * t)], axis=1) + rng.normal(0, 0.02, (N_REAL, 2))
    elif name == "spiral":                                # one arm, two turns
        t = numpy.sqrt(rng.uniform(0, 1, N_REAL)) * 4 * math.pi
        r = t / (4 * math.pi) * 1.2
        x = numpy.stack([r * numpy.cos(t), r * numpy.sin(t)], axis=1) + rng.normal(0, 0.02, (N_REAL, 2))
    elif name == "drawn":
        if not points:
            raise ValueError("the drawn data set needs points: draw some on the canvas first")
        p = numpy.asarray(points, float)
        x = p[rng.integers(0, len(p), N_REAL)] + rng.normal(0, 0.02, (N_REAL, 2))
    else:
        raise ValueError(f"unknown data set {name!r}")
    return x.astype(numpy.float32)


def extent(x, margin=0.25):
    """A square view around the points: (x0, x1, y0, y1), at least [-1.5, 1.5]^2."""
    lo = min(-1.5, float(x.min()) - margin)
    hi = max(1.5, float(x.max()) + margin)
    return lo, hi, lo, hi
