"""Noise priors p(z): the generator's source of randomness.

Algorithm 1 samples "a minibatch of m noise samples {z_1, ..., z_m} from the
noise prior p_g(z)".  Any simple distribution works, because G learns the map
from it; the two in common use are a standard normal (DCGAN, PyTorch-GAN) and
a uniform on [-1, 1] (the original paper's MNIST code).  Each function here
returns a ``sample_noise(m)`` callable for ``GANTrainer``, drawing from the
seeded generator on the current device.
"""
from .. import backend


def normal_noise(dim, std=1.0):
    """z ~ N(0, std^2 I) of shape (m, dim) (``dim`` may be a tuple, e.g. (100, 1, 1))."""
    shape = tuple(dim) if isinstance(dim, (tuple, list)) else (int(dim),)

    def sample_noise(m):
        z = backend.randn(int(m), *shape)
        return z * z.dtype.type(std) if std != 1.0 else z
    sample_noise.__doc__ = f"z ~ N(0, {std}^2 I), shape (m, {', '.join(map(str, shape))})"
    return sample_noise


def uniform_noise(dim, low=-1.0, high=1.0):
    """z ~ U(low, high)^dim of shape (m, dim)."""
    shape = tuple(dim) if isinstance(dim, (tuple, list)) else (int(dim),)

    def sample_noise(m):
        u = backend.rand(int(m), *shape)
        return u * u.dtype.type(high - low) + u.dtype.type(low)
    sample_noise.__doc__ = f"z ~ U({low}, {high}), shape (m, {', '.join(map(str, shape))})"
    return sample_noise


def noise_prior(kind, dim, **kwargs):
    """``"normal"`` or ``"uniform"`` by name."""
    if kind == "normal":
        return normal_noise(dim, **kwargs)
    if kind == "uniform":
        return uniform_noise(dim, **kwargs)
    raise ValueError(f"unknown noise prior {kind!r}; expected 'normal' or 'uniform'")
