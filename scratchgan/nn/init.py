"""Weight initialisations, as PyTorch does them.

PyTorch's default for Linear, Conv2d and ConvTranspose2d is
``kaiming_uniform_(W, a=sqrt(5))``, which works out to

    W ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)),   b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in))

where fan_in = in_features (Linear), in_channels*kh*kw (Conv2d), and, because
ConvTranspose2d stores its weight as (in, out, kh, kw), out_channels*kh*kw for
ConvTranspose2d (PyTorch computes fan_in from ``weight.size(1)``).

DCGAN (Radford et al. 2016) instead draws every conv/linear weight from
N(0, 0.02), biases 0, and BatchNorm's gamma from N(1, 0.02).
"""
import math

from .. import backend


def uniform(shape, bound, dtype=None):
    """U(-bound, bound) on the current backend, drawn from the seeded generator."""
    return ((backend.rand(*shape, dtype=dtype) * 2 - 1) * bound).astype(
        dtype or backend.get_default_dtype(), copy=False)


def normal(shape, mean=0.0, std=1.0, dtype=None):
    """N(mean, std^2) on the current backend."""
    return (backend.randn(*shape, dtype=dtype) * std + mean).astype(
        dtype or backend.get_default_dtype(), copy=False)


def zeros(shape, dtype=None):
    return backend.get_xp().zeros(shape, dtype=dtype or backend.get_default_dtype())


def ones(shape, dtype=None):
    return backend.get_xp().ones(shape, dtype=dtype or backend.get_default_dtype())


def pytorch_default(weight_shape, fan_in, bias=True):
    """PyTorch's default (W, b) for a layer with the given fan-in."""
    bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
    W = uniform(weight_shape, bound)
    b = uniform((weight_shape[0] if bias is True else bias,), bound) if bias else None
    return W, b


def dcgan_init(model):
    """DCGAN's initialisation, in place: conv/linear W ~ N(0, 0.02), b = 0,
    BatchNorm gamma ~ N(1, 0.02), beta = 0 (Radford et al. 2016, section 4).
    A BatchNorm without gamma and beta (``affine=False``) has nothing to set."""
    from .linear import Linear
    from .conv import Conv2d, ConvTranspose2d
    from .norm import BatchNorm1d            # BatchNorm2d is a BatchNorm1d too
    for m in model.modules():
        if isinstance(m, (Linear, Conv2d, ConvTranspose2d)):
            m.weight.data[...] = normal(m.weight.shape, 0.0, 0.02, m.weight.data.dtype)
            if m.bias is not None:
                m.bias.data[...] = 0
        elif isinstance(m, BatchNorm1d) and m.affine:
            m.weight.data[...] = normal(m.weight.shape, 1.0, 0.02, m.weight.data.dtype)
            m.bias.data[...] = 0
    return model
