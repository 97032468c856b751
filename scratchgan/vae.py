"""The variational auto-encoder's two extra pieces: the reparameterisation
trick and the KL term, each with its gradient written out.

The encoder gives, for each image, a mean mu and a log-variance
s = log sigma^2 (d numbers each); the code is drawn as

    z = mu + sigma * eps,   sigma = exp(s / 2),   eps ~ N(0, I)      (reparameterisation)

so z depends on mu and s through a differentiable formula, with the
randomness in eps alone.  Its backward, for an upstream gradient dz:

    dmu = dz,        ds = dz * eps * sigma / 2        (d sigma / d s = sigma / 2)

The KL divergence of N(mu, sigma^2) from the prior N(0, I), per image,
summed over the d coordinates, is in closed form:

    KL = -1/2 sum_j (1 + s_j - mu_j^2 - e^{s_j})

and its gradient is

    dKL/dmu_j = mu_j,    dKL/ds_j = (e^{s_j} - 1) / 2

It pulls every image's code towards the prior (mu -> 0, sigma -> 1), so
that codes drawn from N(0, I) land where the decoder has learnt to draw
digits: the difference between an auto-encoder and a generator.
"""
from . import backend


def reparameterise(mu, s, eps=None):
    """z = mu + exp(s / 2) * eps (eps ~ N(0, I) drawn here if not given); returns (z, eps)."""
    xp = backend.get_array_module(mu)
    if mu.shape != s.shape:
        raise ValueError(f"reparameterise: mu {tuple(mu.shape)} and log-variance "
                         f"{tuple(s.shape)} must have one shape")
    if eps is None:
        eps = backend.randn(*mu.shape, dtype=mu.dtype)
    return mu + xp.exp(s / 2) * eps, eps


def reparameterise_backward(dz, s, eps):
    """(dmu, ds) for z = mu + exp(s / 2) * eps."""
    xp = backend.get_array_module(dz)
    return dz, dz * eps * xp.exp(s / 2) / 2


def kl_to_standard_normal(mu, s):
    """Mean over the batch of KL(N(mu, e^s) || N(0, I)), each summed over the d coordinates."""
    xp = backend.get_array_module(mu)
    return (-0.5 * (1 + s - mu * mu - xp.exp(s)).sum(axis=1)).mean()


def kl_backward(mu, s, scale=1.0):
    """(dmu, ds) of ``kl_to_standard_normal`` (its 1/N included), times ``scale``."""
    xp = backend.get_array_module(mu)
    n = mu.shape[0]
    return mu * (scale / n), (xp.exp(s) - 1) * (scale / (2 * n))
