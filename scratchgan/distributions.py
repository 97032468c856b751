"""A multivariate normal from a mean and a covariance (BAGAN's class-conditional latent).

To draw z ~ N(mu, Sigma), factor Sigma = L L^T (Cholesky: L lower
triangular) and map standard normal noise e ~ N(0, I) through

    z = mu + L e,      so  Cov(z) = L E[e e^T] L^T = L L^T = Sigma.

``fit(codes)`` takes the sample mean and covariance of a set of vectors (a
class's auto-encoder codes in BAGAN).  A covariance estimated from few
vectors can be singular (fewer vectors than dimensions); a small ``jitter``
times the mean variance is added to its diagonal so that the factorisation
exists, and the sampler stays close to the data.
"""
import numpy

from . import backend


class MultivariateNormal:
    """N(mean, cov) in d dimensions; ``sample(n, rng)`` -> (n, d) float32."""

    def __init__(self, mean, cov):
        mean = numpy.asarray(mean, dtype=numpy.float64)
        cov = numpy.asarray(cov, dtype=numpy.float64)
        d = mean.shape[0] if mean.ndim == 1 else -1
        if mean.ndim != 1 or cov.shape != (d, d):
            raise ValueError(f"MultivariateNormal: expected mean (d,) and cov (d, d), got "
                             f"{mean.shape} and {cov.shape}")
        if not (numpy.isfinite(mean).all() and numpy.isfinite(cov).all()):
            raise ValueError("MultivariateNormal: mean and cov must be finite")
        if not numpy.allclose(cov, cov.T, atol=1e-8 * max(1.0, numpy.abs(cov).max())):
            raise ValueError("MultivariateNormal: cov must be symmetric")
        try:
            self.L = numpy.linalg.cholesky(cov)
        except numpy.linalg.LinAlgError:
            raise ValueError("MultivariateNormal: cov is not positive definite (use fit() "
                             "with a jitter, or add a small multiple of I)") from None
        self.mean, self.cov = mean, cov

    @classmethod
    def fit(cls, codes, jitter=1e-3):
        """The normal with the sample mean and covariance of ``codes`` (n, d), n >= 2."""
        codes = numpy.asarray(backend.to_host(codes), dtype=numpy.float64)
        if codes.ndim != 2 or codes.shape[0] < 2:
            raise ValueError(f"MultivariateNormal.fit: expected at least 2 vectors (n, d), got "
                             f"shape {codes.shape}")
        cov = numpy.cov(codes, rowvar=False).reshape(codes.shape[1], codes.shape[1])
        cov += jitter * max(float(numpy.trace(cov)) / len(cov), 1e-12) * numpy.eye(len(cov))
        return cls(codes.mean(axis=0), cov)

    def sample(self, n, rng):
        """n draws mu + L e from a numpy RandomState ``rng``, as float32 (n, d)."""
        e = rng.standard_normal((int(n), len(self.mean)))
        return (self.mean + e @ self.L.T).astype(numpy.float32)
