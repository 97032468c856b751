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

and, for images, where p_data has no formula, the two numbers the lectures
quote (BigGAN's table), computed on the features and the class probabilities
of a classifier (``judge.features``, ``judge.predict``):

* ``frechet_distance``: FID, the Frechet distance between two Gaussians fitted
  to the features of real and generated images.
* ``inception_score``: IS, exp E_x KL(p(y|x) || p(y)).

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


# ----------------------------------------------------------- FID and IS
def gaussian_fit(features):
    """Mean and covariance (unbiased, float64) of the rows of an (N, d) array."""
    f = _host(features).astype(numpy.float64)
    if f.ndim != 2 or len(f) < 2:
        raise ValueError(f"gaussian_fit: expected (N, d) features with N >= 2, got shape {f.shape}")
    if not numpy.isfinite(f).all():
        raise ValueError("gaussian_fit: the features contain NaN or Inf")
    return f.mean(axis=0), numpy.cov(f, rowvar=False).reshape(f.shape[1], f.shape[1])


def frechet_distance_gaussians(mu1, cov1, mu2, cov2):
    """The Frechet (2-Wasserstein) distance between N(mu1, cov1) and N(mu2, cov2):

        d^2 = ||mu1 - mu2||^2 + Tr(cov1 + cov2 - 2 (cov1^1/2 cov2 cov1^1/2)^1/2)

    The square roots are taken by symmetric eigen-decompositions (eigenvalues
    clipped at 0, as rounding can leave tiny negative ones), so the result is
    real.  Tr (cov1^1/2 cov2 cov1^1/2)^1/2 = Tr (cov1 cov2)^1/2: the naive twin
    ``frechet_distance_simple`` computes it that way."""
    mu1, mu2 = numpy.asarray(mu1, numpy.float64), numpy.asarray(mu2, numpy.float64)
    cov1, cov2 = numpy.asarray(cov1, numpy.float64), numpy.asarray(cov2, numpy.float64)
    w, V = numpy.linalg.eigh(cov1)
    root1 = (V * numpy.sqrt(numpy.clip(w, 0, None))) @ V.T          # cov1^1/2
    m = root1 @ cov2 @ root1
    cross = numpy.sqrt(numpy.clip(numpy.linalg.eigvalsh((m + m.T) / 2), 0, None)).sum()
    diff = mu1 - mu2
    d2 = float(diff @ diff + numpy.trace(cov1) + numpy.trace(cov2) - 2 * cross)
    return max(d2, 0.0)           # a distance; rounding can leave -1e-15 for equal sets


def frechet_distance_simple(mu1, cov1, mu2, cov2):
    """The same distance with Tr (cov1 cov2)^1/2 as the sum of the square roots of
    the eigenvalues of the (non-symmetric) product: the formula as written."""
    ev = numpy.linalg.eigvals(numpy.asarray(cov1, numpy.float64) @ numpy.asarray(cov2, numpy.float64))
    cross = numpy.sqrt(numpy.clip(ev.real, 0, None)).sum()
    diff = numpy.asarray(mu1, numpy.float64) - numpy.asarray(mu2, numpy.float64)
    return float(diff @ diff + numpy.trace(cov1) + numpy.trace(cov2) - 2 * cross)


def frechet_distance(features_a, features_b):
    """FID-style distance between two sets of features (N, d) and (M, d): the
    Frechet distance of the Gaussians fitted to each.  0 for identical sets;
    it grows as the means or the spreads differ.  (Heusel et al. 2017 use
    Inception-v3's 2048 pooled features; we use the judge's 128.)"""
    a, b = _host(features_a), _host(features_b)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(f"frechet_distance: expected (N, d) and (M, d) features, got shapes "
                         f"{a.shape} and {b.shape}")
    return frechet_distance_gaussians(*gaussian_fit(a), *gaussian_fit(b))


def inception_score(probs, splits=10):
    """IS = exp E_x KL(p(y|x) || p(y)), p(y) the mean of p(y|x) over the split
    (Salimans et al. 2016): high when each sample is confidently one class
    (low entropy of p(y|x)) and the classes are used evenly (high entropy of
    p(y)); between 1 and the number of classes.  Returns (mean, std) over
    ``splits`` equal parts of the samples, as the paper reports it."""
    p = _host(probs).astype(numpy.float64)
    if p.ndim != 2 or len(p) < splits or splits < 1:
        raise ValueError(f"inception_score: expected (N, classes) probabilities with N >= "
                         f"splits = {splits}, got shape {p.shape}")
    if not numpy.isfinite(p).all() or (p < 0).any() or not numpy.allclose(p.sum(axis=1), 1, atol=1e-4):
        raise ValueError("inception_score: each row must be class probabilities (>= 0, sum 1)")
    scores = []
    for part in numpy.array_split(p, splits):
        py = part.mean(axis=0, keepdims=True)
        with numpy.errstate(divide="ignore", invalid="ignore"):
            kl = numpy.where(part > 0, part * (numpy.log(part) - numpy.log(py)), 0.0).sum(axis=1)
        scores.append(math.exp(kl.mean()))
    return float(numpy.mean(scores)), float(numpy.std(scores))
