"""The lecture's GAN theory as numbers, for 1-D densities on a grid.

For a fixed G, the value of the game

    V(G, D) = E_{x~p_data} log D(x) + E_{x~p_g} log(1 - D(x))
            = integral [ p_data(x) log D(x) + p_g(x) log(1 - D(x)) ] dx

is maximised, point by point, by the optimal discriminator (Proposition 1)

    D*(x) = p_data(x) / (p_data(x) + p_g(x)),

and its maximum is (Theorem 1)

    C(G) = max_D V(G, D) = -log 4 + 2 JSD(p_data || p_g),

with JSD(p || q) = 1/2 KL(p || m) + 1/2 KL(q || m), m = (p + q) / 2, which is
0 exactly when p = q and at most log 2 (disjoint supports).  So the global
minimum of C(G) is -log 4, reached exactly when p_g = p_data.

For densities sampled on a uniform grid these are sums (the trapezoid rule);
a point where a density is 0 contributes 0 (the limit of p log p).  Along
training, V(G, D) with the trained D sits at or below C(G): the gap
C(G) - V(G, D) >= 0 is how far D is from D*.
"""
import math

import numpy

LOG4 = math.log(4.0)


def _integrate(f, x):
    """Trapezoid rule on the grid x."""
    f = numpy.asarray(f, dtype=numpy.float64)
    return float(((f[1:] + f[:-1]) * numpy.diff(x)).sum() / 2)


def _xlogy(p, q):
    """p log(p / q), with 0 where p is 0."""
    p, q = numpy.asarray(p, dtype=numpy.float64), numpy.asarray(q, dtype=numpy.float64)
    out = numpy.zeros_like(p)
    pos = p > 0
    out[pos] = p[pos] * numpy.log(p[pos] / q[pos])
    return out


def _check(x, *densities):
    x = numpy.asarray(x, dtype=numpy.float64)
    if x.ndim != 1 or len(x) < 2 or not (numpy.diff(x) > 0).all():
        raise ValueError("theory: x must be an increasing 1-D grid of at least 2 points")
    out = []
    for p in densities:
        p = numpy.asarray(p, dtype=numpy.float64)
        if p.shape != x.shape:
            raise ValueError(f"theory: a density of shape {p.shape} on a grid of {x.shape}")
        if (p < 0).any() or not numpy.isfinite(p).all():
            raise ValueError("theory: densities must be finite and non-negative")
        out.append(p)
    return x, out


def jsd(p, q, x):
    """Jensen-Shannon divergence (natural log) of two densities given on the grid x.

    Each density is renormalised to integrate to 1 on the grid first, so the
    mass cut off by a finite grid does not count as divergence.
    """
    x, (p, q) = _check(x, p, q)
    p, q = p / _integrate(p, x), q / _integrate(q, x)
    m = (p + q) / 2
    return 0.5 * _integrate(_xlogy(p, m), x) + 0.5 * _integrate(_xlogy(q, m), x)


def optimal_d(p_data, p_g):
    """D*(x) = p_data / (p_data + p_g) (1/2 where both are 0)."""
    p_data, p_g = numpy.asarray(p_data, float), numpy.asarray(p_g, float)
    total = p_data + p_g
    return numpy.where(total > 0, p_data / numpy.where(total > 0, total, 1), 0.5)


def c_of_g(p_data, p_g, x):
    """C(G) = max_D V(G, D) = -log 4 + 2 JSD(p_data || p_g)."""
    return -LOG4 + 2 * jsd(p_data, p_g, x)


def value(p_data, p_g, d, x, eps=1e-12):
    """V(G, D) = integral p_data log D + p_g log(1 - D) on the grid (D clipped to [eps, 1 - eps])."""
    x, (p_data, p_g, d) = _check(x, p_data, p_g, d)
    p_data, p_g = p_data / _integrate(p_data, x), p_g / _integrate(p_g, x)
    d = numpy.clip(d, eps, 1 - eps)
    return _integrate(p_data * numpy.log(d) + p_g * numpy.log(1 - d), x)
