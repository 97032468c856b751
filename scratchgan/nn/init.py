"""Weight initialisations, as PyTorch does them.

PyTorch's default for Linear, Conv2d and ConvTranspose2d is
``kaiming_uniform_(W, a=sqrt(5))``, which works out to

    W ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)),   b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in))

where fan_in = in_features (Linear), in_channels*kh*kw (Conv2d), and, because
ConvTranspose2d stores its weight as (in, out, kh, kw), out_channels*kh*kw for
ConvTranspose2d (PyTorch computes fan_in from ``weight.size(1)``).

DCGAN (Radford et al. 2016) instead draws every conv/linear weight from
N(0, 0.02), biases 0, and BatchNorm's gamma from N(1, 0.02): that is
``scratchgan.models.dcgan_init``, beside the architectures that use it.

The in-place initialisers ``normal_``, ``uniform_``, ``constant_``, ``zeros_``,
``ones_``, ``xavier_uniform_``, ``xavier_normal_``, ``kaiming_uniform_`` and
``kaiming_normal_`` are PyTorch's, with its fan and gain rules: for a weight
of shape (out, in, *kernel), fan_in = in * prod(kernel), fan_out = out *
prod(kernel), and

    xavier (Glorot):  std = gain * sqrt(2 / (fan_in + fan_out))
    kaiming (He):     std = gain / sqrt(fan),  fan = fan_in or fan_out (mode)
    uniform variants: U(-sqrt(3) std, sqrt(3) std), the same variance

They take a Parameter or its ``.data`` and overwrite it in place, so the
lecture scripts' ``weights_init_normal`` ports as it stands, through
``model.apply(weights_init_normal)``::

    def weights_init_normal(m):
        classname = m.__class__.__name__
        if classname.find("Conv") != -1:
            nn.init.normal_(m.weight.data, 0.0, 0.02)
        elif classname.find("BatchNorm2d") != -1:
            nn.init.normal_(m.weight.data, 1.0, 0.02)
            nn.init.constant_(m.bias.data, 0.0)
"""
import math

from .. import backend
from .module import Parameter


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


# -- PyTorch's in-place initialisers --------------------------------------------------
def _target(tensor, name):
    """The array to overwrite: a Parameter's data, or the array itself."""
    array = tensor.data if isinstance(tensor, Parameter) else tensor
    if not hasattr(array, "shape") or getattr(array, "dtype", None) is None \
            or array.dtype.kind != "f":
        raise TypeError(f"nn.init.{name}: expected a Parameter or a floating-point array, "
                        f"got {type(tensor).__name__}")
    return array


def _fill(tensor, values):
    tensor[...] = values.astype(tensor.dtype, copy=False)
    return tensor


def calculate_gain(nonlinearity, param=None):
    """PyTorch's recommended gain: 1 (linear, conv, sigmoid), 5/3 (tanh),
    sqrt(2) (relu), sqrt(2 / (1 + slope^2)) (leaky_relu, slope 0.01 by default),
    3/4 (selu)."""
    if nonlinearity in ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                        "conv_transpose2d", "conv_transpose3d", "sigmoid"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else float(param)
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"nn.init.calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def fans(tensor):
    """(fan_in, fan_out) of a weight (out, in, *kernel), as PyTorch computes them
    (for ConvTranspose2d's (in, out, kh, kw) weight that swaps the two, as in PyTorch)."""
    shape = tuple(tensor.shape)
    if len(shape) < 2:
        raise ValueError(f"nn.init: fan in and fan out need a weight with at least 2 "
                         f"dimensions, got shape {shape}")
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def normal_(tensor, mean=0.0, std=1.0):
    """Overwrite with draws from N(mean, std^2)."""
    t = _target(tensor, "normal_")
    return _fill(t, normal(t.shape, mean, std, t.dtype))


def uniform_(tensor, a=0.0, b=1.0):
    """Overwrite with draws from U(a, b)."""
    t = _target(tensor, "uniform_")
    return _fill(t, backend.rand(*t.shape, dtype=t.dtype) * (b - a) + a)


def constant_(tensor, val):
    t = _target(tensor, "constant_")
    t[...] = val
    return t


def zeros_(tensor):
    return constant_(tensor, 0.0)


def ones_(tensor):
    return constant_(tensor, 1.0)


def xavier_uniform_(tensor, gain=1.0):
    """U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio 2010)."""
    t = _target(tensor, "xavier_uniform_")
    fan_in, fan_out = fans(t)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(t, -bound, bound)


def xavier_normal_(tensor, gain=1.0):
    """N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out))."""
    t = _target(tensor, "xavier_normal_")
    fan_in, fan_out = fans(t)
    return normal_(t, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def _kaiming_std(t, a, mode, nonlinearity, name):
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"nn.init.{name}: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = fans(t)
    return calculate_gain(nonlinearity, a) / math.sqrt(fan_in if mode == "fan_in" else fan_out)


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu"):
    """U(-b, b), b = sqrt(3) * gain / sqrt(fan) (He et al. 2015); ``a`` is the
    leaky ReLU's slope.  PyTorch's default layer init is this with a = sqrt(5)."""
    t = _target(tensor, "kaiming_uniform_")
    bound = math.sqrt(3.0) * _kaiming_std(t, a, mode, nonlinearity, "kaiming_uniform_")
    return uniform_(t, -bound, bound)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu"):
    """N(0, std^2), std = gain / sqrt(fan)."""
    t = _target(tensor, "kaiming_normal_")
    return normal_(t, 0.0, _kaiming_std(t, a, mode, nonlinearity, "kaiming_normal_"))
