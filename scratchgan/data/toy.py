"""Toy distributions in one and two dimensions, where p_data can be drawn.

In 1D and 2D we can plot p_data, p_g and D(x) on one figure, which is why the
first GAN demos live here.  Every sampler returns an array of shape (n, d) in
the default dtype on the current backend, drawn from ``backend.rng()``.

* ``normal_1d``: N(4, 1.25^2), the classic "GAN in 50 lines" target.
* ``line_2d``, ``sine_2d``: points on a curve, a 1D manifold in the plane.
* ``ring_of_gaussians``, ``grid_of_gaussians``: mixtures of small Gaussians,
  the standard test of mode collapse (Metz et al. 2017; Srivastava et al.
  2017); ``ring_centres`` and ``grid_centres`` give their modes for counting
  which ones a generator covers.
"""
import math

import numpy

from .. import backend


def normal_1d(n, mean=4.0, std=1.25):
    """n samples of N(mean, std^2), shape (n, 1)."""
    return mean + std * backend.randn(int(n), 1)


def line_2d(n, low=-1.0, high=1.0, std=0.0):
    """n points (t, t) with t ~ U(low, high): the diagonal segment, shape (n, 2).

    ``std > 0`` adds isotropic Gaussian noise around the line.
    """
    t = low + (high - low) * backend.rand(int(n), 1)
    x = backend.get_array_module(t).concatenate([t, t], axis=1)
    return x + std * backend.randn(int(n), 2) if std else x


def sine_2d(n, low=-math.pi, high=math.pi, std=0.0):
    """n points (t, sin t) with t ~ U(low, high), shape (n, 2); ``std`` adds noise."""
    t = low + (high - low) * backend.rand(int(n), 1)
    xp = backend.get_array_module(t)
    x = xp.concatenate([t, xp.sin(t)], axis=1)
    return x + std * backend.randn(int(n), 2) if std else x


def ring_centres(modes=8, radius=1.0):
    """The ``modes`` centres evenly spaced on a circle of ``radius``, shape (modes, 2)."""
    angle = 2 * numpy.pi * numpy.arange(int(modes)) / int(modes)
    return backend.asarray(radius * numpy.stack([numpy.cos(angle), numpy.sin(angle)], 1))


def grid_centres(side=5, spacing=2.0):
    """The side x side grid of centres, symmetric about 0, shape (side^2, 2).

    The defaults give {-4, -2, 0, 2, 4}^2.
    """
    axis = spacing * (numpy.arange(int(side)) - (int(side) - 1) / 2)
    gx, gy = numpy.meshgrid(axis, axis, indexing="ij")
    return backend.asarray(numpy.stack([gx.ravel(), gy.ravel()], 1))


def _mixture(n, centres, std):
    """Pick a centre uniformly for each sample, then add N(0, std^2 I)."""
    k = backend.rng().randint(0, len(centres), size=int(n))
    return centres[k] + std * backend.randn(int(n), centres.shape[1])


def ring_of_gaussians(n, modes=8, radius=1.0, std=0.01):
    """n samples of an equal mixture of ``modes`` Gaussians on a ring, shape (n, 2)."""
    return _mixture(n, ring_centres(modes, radius), std)


def grid_of_gaussians(n, side=5, spacing=2.0, std=0.05):
    """n samples of an equal mixture of side^2 Gaussians on a grid, shape (n, 2)."""
    return _mixture(n, grid_centres(side, spacing), std)
