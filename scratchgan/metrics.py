"""Measures of what a generator has learned, for distributions we can write down.

A GAN's losses say little about the quality of its samples, so the toy demos
compare the samples with the known p_data directly:

* ``ks_distance``: the Kolmogorov-Smirnov distance sup_x |F_g(x) - F_data(x)|
  between cumulative distribution functions (1D).
* ``mode_stats``: for mixtures of small Gaussians (ring, grid), how many modes
  the generator covers and how many of its samples are "high quality"
  (Srivastava et al. 2017, VEEGAN; Lin et al. 2018, PacGAN).
* ``gaussian_kde``: a kernel density estimate, our p_g when drawing the
  optimal discriminator D*(x) = p_data / (p_data + p_g).

Everything here runs on the host in NumPy (float64): it is evaluation, not
training, and it accepts CuPy arrays by copying them.
"""
import math

import numpy

from . import backend


def _host(x):
    return numpy.asarray(backend.to_host(x), dtype=numpy.float64)


def normal_cdf(x, mean=0.0, std=1.0):
    """Phi((x - mean) / std) = (1 + erf((x - mean) / (std sqrt 2))) / 2."""
    u = (_host(x) - mean) / (std * math.sqrt(2.0))
    return 0.5 * (1.0 + numpy.frompyfunc(math.erf, 1, 1)(u).astype(numpy.float64))


def normal_pdf(x, mean=0.0, std=1.0):
    """The density of N(mean, std^2)."""
    u = (_host(x) - mean) / std
    return numpy.exp(-0.5 * u * u) / (std * math.sqrt(2 * math.pi))


def ks_distance(samples, reference):
    """Kolmogorov-Smirnov distance D = sup_x |F_n(x) - F(x)| for 1D samples.

    ``reference`` is either a CDF (a function, e.g.
    ``lambda x: normal_cdf(x, 4, 1.25)``: the one-sample statistic) or a
    second array of samples (the two-sample statistic).

    One sample, sorted x_(1) <= ... <= x_(n): the empirical CDF jumps from
    (i-1)/n to i/n at x_(i), so the supremum is attained at a jump:

        D = max_i max( i/n - F(x_(i)),  F(x_(i)) - (i-1)/n ).

    Two samples: both empirical CDFs evaluated at every pooled point.
    For n = 10,000 samples of the true distribution D is typically ~0.009
    (sqrt(n) D follows the Kolmogorov distribution, median ~0.83).
    """
    x = numpy.sort(_host(samples).ravel())
    n = x.size
    if n == 0:
        raise ValueError("ks_distance: no samples")
    if callable(reference):
        F = numpy.asarray(reference(x), dtype=numpy.float64)
        i = numpy.arange(1, n + 1)
        return float(max((i / n - F).max(), (F - (i - 1) / n).max()))
    y = numpy.sort(_host(reference).ravel())
    pooled = numpy.concatenate([x, y])
    Fx = numpy.searchsorted(x, pooled, side="right") / n
    Fy = numpy.searchsorted(y, pooled, side="right") / y.size
    return float(numpy.abs(Fx - Fy).max())


def gaussian_kde(samples, bandwidth=None):
    """A Gaussian kernel density estimate p(x) = (1/n) sum_i N(x; x_i, diag(h^2)).

    samples: (n,) or (n, d).  bandwidth: per-dimension h; default Scott's rule
    h_j = n^(-1/(d+4)) * std_j.  Returns a function of points (m,) or (m, d)
    giving the density at each, evaluated in chunks to bound memory.
    """
    s = _host(samples)
    s = s.reshape(len(s), -1)
    n, d = s.shape
    if bandwidth is None:
        std = s.std(axis=0)
        std[std == 0] = 1e-3                     # a collapsed G: keep the kernel finite
        h = n ** (-1.0 / (d + 4)) * std
    else:
        h = numpy.broadcast_to(numpy.asarray(bandwidth, dtype=numpy.float64), (d,))
    norm = 1.0 / (n * numpy.prod(h) * (2 * math.pi) ** (d / 2))

    def density(points, chunk=2048):
        p = _host(points).reshape(-1, d)
        out = numpy.empty(len(p))
        for i in range(0, len(p), chunk):
            u = (p[i:i + chunk, None, :] - s[None, :, :]) / h      # (chunk, n, d)
            out[i:i + chunk] = numpy.exp(-0.5 * (u * u).sum(-1)).sum(1) * norm
        return out
    density.bandwidth = h
    return density


def mode_stats(samples, centres, std, n_std=3.0, well=0.5):
    """Mode coverage of samples from a mixture of Gaussians with the given centres.

    Each sample is assigned to its nearest centre.  It is *high quality* if it
    lies within ``n_std`` standard deviations of that centre.  A mode is
    *captured* if it receives at least one high-quality sample.  The reverse
    KL compares the histogram q of high-quality samples over the modes with
    the true, uniform mode distribution p_k = 1/K:

        KL(q || p) = sum_k q_k log(q_k / p_k)        (0 log 0 = 0)

    which is 0 for perfectly balanced modes and log K for one mode only.

    "Captured" is a low bar: a mode whose samples mostly miss it (a smear
    between modes, say) is captured by a single good sample.  So each mode's
    *quality* is also given, the share of the samples nearest to it that are
    high quality, and a mode is *well covered* when that share is at least
    ``well`` (default 1/2) and it is captured.

    Returns a dict: modes (captured), n_modes, high_quality (share in [0, 1]),
    reverse_kl, counts (high-quality samples per mode), mode_quality (per mode,
    NaN for a mode no sample is nearest to), well_covered (count).
    """
    x = _host(samples)
    c = _host(centres)
    d2 = ((x[:, None, :] - c[None, :, :]) ** 2).sum(-1)        # (n, K)
    nearest = d2.argmin(axis=1)
    dist = numpy.sqrt(d2[numpy.arange(len(x)), nearest])
    good = dist <= n_std * std
    K = len(c)
    counts = numpy.bincount(nearest[good], minlength=K)
    if counts.sum() == 0:
        kl = float("inf")
    else:
        q = counts / counts.sum()
        nz = q > 0
        kl = float((q[nz] * numpy.log(q[nz] * K)).sum())
    assigned = numpy.bincount(nearest, minlength=K)
    with numpy.errstate(invalid="ignore", divide="ignore"):
        quality = numpy.where(assigned > 0, counts / numpy.maximum(assigned, 1), numpy.nan)
    well_covered = int(((counts > 0) & (numpy.nan_to_num(quality) >= well)).sum())
    return {"modes": int((counts > 0).sum()), "n_modes": K,
            "high_quality": float(good.mean()), "reverse_kl": kl, "counts": counts,
            "mode_quality": quality, "well_covered": well_covered}
