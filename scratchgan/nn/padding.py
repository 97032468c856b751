"""Padding an image: zeros, a constant, the mirror, the edge, or the other side.

For one row x[0..n-1] padded by (lo, hi), output position o reads the input
at i = o - lo when 0 <= i < n; outside, each mode picks its source:

    constant   (zeros)    the value c, no source         0 0 | a b c d | 0 0
    reflect               -i, or 2(n-1) - i              c b | a b c d | c b
    replicate  (edge)     clamp(i, 0, n-1)               a a | a b c d | d d
    circular   (wrap)     i mod n                        c d | a b c d | a b

Every padded pixel is a *copy* of an input pixel (or a constant), so padding
is linear and its backward sends each output gradient back to the pixel it
was copied from, adding where several copies share a source:

    dx[i] = sum of dy[o] over every o whose source is i

Height and width are independent, so the backward folds one axis, then the
other.  ``pad2d_simple`` / ``pad2d_backward_simple`` below say this with one
loop over output rows and columns (the test oracle, and the first thing to
read); ``pad2d`` / ``pad2d_backward`` do the same with whole strips.

Padding is PyTorch's ``(left, right, top, bottom)``, or one int for all four.
"""
import operator

from .. import backend
from .module import Module, ShapeError

MODES = ("constant", "reflect", "replicate", "circular")


def source_index(o, n, lo, mode):
    """The input index that output position ``o`` copies, or None (a constant)."""
    i = o - lo
    if 0 <= i < n:
        return i
    if mode == "constant":
        return None
    if mode == "reflect":
        return -i if i < 0 else 2 * (n - 1) - i
    if mode == "replicate":
        return min(max(i, 0), n - 1)
    return i % n                                               # circular


# -- the naive twin: one output pixel position at a time -------------------------
def pad2d_simple(x, padding, mode="constant", value=0.0):
    """y[..., a, b] = x[..., source(a), source(b)], or ``value``."""
    left, right, top, bottom = padding
    N, C, H, W = x.shape
    xp = backend.get_array_module(x)
    y = xp.full((N, C, H + top + bottom, W + left + right), value, dtype=x.dtype)
    for a in range(y.shape[2]):
        for b in range(y.shape[3]):
            i, j = source_index(a, H, top, mode), source_index(b, W, left, mode)
            if i is not None and j is not None:
                y[:, :, a, b] = x[:, :, i, j]
    return y


def pad2d_backward_simple(dy, x_shape, padding, mode="constant"):
    """dx[..., i, j] += dy[..., a, b] for every output (a, b) copied from (i, j)."""
    left, _, top, _ = padding
    H, W = x_shape[2], x_shape[3]
    xp = backend.get_array_module(dy)
    dx = xp.zeros(x_shape, dtype=dy.dtype)
    for a in range(dy.shape[2]):
        for b in range(dy.shape[3]):
            i, j = source_index(a, H, top, mode), source_index(b, W, left, mode)
            if i is not None and j is not None:
                dx[:, :, i, j] += dy[:, :, a, b]
    return dx


# -- the fast pair: whole strips -----------------------------------------------------
_NUMPY_MODE = {"constant": "constant", "reflect": "reflect", "replicate": "edge",
               "circular": "wrap"}


def pad2d(x, padding, mode="constant", value=0.0):
    """(N, C, H, W) -> (N, C, H + top + bottom, W + left + right)."""
    left, right, top, bottom = padding
    xp = backend.get_array_module(x)
    widths = ((0, 0), (0, 0), (top, bottom), (left, right))
    if mode == "constant":
        return xp.pad(x, widths, mode="constant", constant_values=value)
    return xp.pad(x, widths, mode=_NUMPY_MODE[mode])


def _fold(dy, axis, n, lo, hi, mode):
    """Fold one padded axis of dy (size lo + n + hi) back onto the n input positions."""
    xp = backend.get_array_module(dy)

    def cut(a, b):                       # dy[..., a:b, ...] along ``axis``
        index = [slice(None)] * dy.ndim
        index[axis] = slice(a, b)
        return tuple(index)

    d = dy[cut(lo, lo + n)]
    if mode == "constant" or (lo == 0 and hi == 0):
        return d
    d = d.copy()
    before, after = dy[cut(0, lo)], dy[cut(lo + n, lo + n + hi)]
    if mode == "reflect":                # mirrored strips land on x[1..lo] and x[n-1-hi..n-2]
        if lo:
            d[cut(1, lo + 1)] += xp.flip(before, axis=axis)
        if hi:
            d[cut(n - 1 - hi, n - 1)] += xp.flip(after, axis=axis)
    elif mode == "replicate":            # every copy of the edge adds onto the edge
        if lo:
            d[cut(0, 1)] += before.sum(axis=axis, keepdims=True)
        if hi:
            d[cut(n - 1, n)] += after.sum(axis=axis, keepdims=True)
    else:                                # circular: each strip came from the other end
        if lo:
            d[cut(n - lo, n)] += before
        if hi:
            d[cut(0, hi)] += after
    return d


def pad2d_backward(dy, x_shape, padding, mode="constant"):
    """dL/dx of ``pad2d``: width folded, then height."""
    left, right, top, bottom = padding
    d = _fold(dy, 3, x_shape[3], left, right, mode)
    return _fold(d, 2, x_shape[2], top, bottom, mode)


def four(padding, name):
    """int or (left, right, top, bottom), as PyTorch; non-negative."""
    try:
        padding = (operator.index(padding),) * 4 if not hasattr(padding, "__len__") \
            else tuple(operator.index(p) for p in padding)
    except TypeError:
        padding = None
    if padding is None or len(padding) != 4:
        raise ValueError(f"{name}: padding must be an int or (left, right, top, bottom) "
                         f"ints, got {padding}")
    if min(padding) < 0:
        raise ValueError(f"{name}: padding must be >= 0, got {padding}")
    return padding


def check_fits(layer, x_shape, padding, mode):
    """PyTorch's limits: reflect needs pad < size (the edge is not repeated),
    circular pad <= size (it wraps around once)."""
    left, right, top, bottom = padding
    H, W = x_shape[2], x_shape[3]
    if mode == "reflect" and (max(left, right) >= W or max(top, bottom) >= H):
        raise ShapeError(f"{layer}: reflect padding {padding} must be smaller than the input's "
                         f"width and height (reflection never repeats the edge), got shape "
                         f"{tuple(x_shape)}")
    if mode == "circular" and (max(left, right) > W or max(top, bottom) > H):
        raise ShapeError(f"{layer}: circular padding {padding} must be at most the input's "
                         f"width and height, got shape {tuple(x_shape)}")


class _Pad2d(Module):
    mode = "constant"

    def __init__(self, padding, value=0.0):
        super().__init__()
        self.padding = four(padding, type(self).__name__)
        self.value = float(value)

    def forward(self, x):
        self._check_rank(x, 4, "(N, C, H, W)")
        check_fits(repr(self), x.shape, self.padding, self.mode)
        y = pad2d(x, self.padding, self.mode, self.value)
        return self.remember(y, tuple(x.shape))

    def backward(self, dy, output=None):
        y, x_shape = self.recall(output)
        if tuple(dy.shape) != tuple(y.shape):
            raise ShapeError(f"{self!r}: backward expected grad of shape {tuple(y.shape)}, "
                             f"got {tuple(dy.shape)}")
        return pad2d_backward(dy, x_shape, self.padding, self.mode)

    def extra_repr(self):
        return f"{self.padding}"


class ConstantPad2d(_Pad2d):
    """As ``torch.nn.ConstantPad2d(padding, value)``: a frame of ``value``;
    dx is the centre of dy."""

    def __init__(self, padding, value):
        super().__init__(padding, value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class ZeroPad2d(_Pad2d):
    """As ``torch.nn.ZeroPad2d(padding)``: a frame of zeros; dx is the centre of dy."""


class ReflectionPad2d(_Pad2d):
    """As ``torch.nn.ReflectionPad2d(padding)``: the border mirrored outward without
    repeating the edge, so the padded pixels carry image content instead of a
    dark frame (CycleGAN's generators pad this way)."""
    mode = "reflect"


class ReplicationPad2d(_Pad2d):
    """As ``torch.nn.ReplicationPad2d(padding)``: the edge pixels repeated outward;
    dx of an edge pixel collects the gradients of all its copies."""
    mode = "replicate"


class CircularPad2d(_Pad2d):
    """As ``torch.nn.CircularPad2d(padding)``: the image wrapped around, as on a torus."""
    mode = "circular"
