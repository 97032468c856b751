"""Pooling: a window slides over each channel and keeps its mean or its maximum.

For a k x k window moved by stride s over an (N, C, H, W) input (zero padding
p for the average, -inf padding for the maximum, as PyTorch):

    AvgPool2d:  y[n, c, oh, ow] = (1 / k^2) * sum_{i,j < k} xpad[n, c, oh*s + i, ow*s + j]
                dx: each dy spread evenly, 1 / k^2 to every pixel of its window
    MaxPool2d:  y[n, c, oh, ow] = max_{i,j < k} xpad[n, c, oh*s + i, ow*s + j]
                dx: each dy goes whole to the one pixel that was the maximum
                (the first one, on a tie, as PyTorch)

Both are written with ``im2col``: every channel is treated as an image of its
own, (N*C, 1, H, W), so each window becomes one row of k*k numbers; the
reduction is over a row, and ``col2im`` adds the rows' gradients back where
overlapping windows share pixels.  Their naive twins, loops over windows, are
``avg_pool2d_simple`` and ``max_pool2d_simple`` below.  (The lectures' GAN
hacks prefer average pooling, or strided convolutions, to max pooling in D:
max pooling passes gradient to one pixel in k^2.)
"""
import numpy

from .. import backend
from .im2col import _pair, col2im, conv_output_size, im2col
from .module import Module, ShapeError


# -- the naive twins: loops over windows --------------------------------------------------
# (read them first: the fast path below is tested against them)
def _pool2d_simple(x, k, stride, padding, reduce, fill):
    x = numpy.asarray(x, numpy.float64)
    N, C, H, W = x.shape
    xpad = numpy.full((N, C, H + 2 * padding, W + 2 * padding), fill)
    xpad[:, :, padding:padding + H, padding:padding + W] = x
    OH, OW = (H + 2 * padding - k) // stride + 1, (W + 2 * padding - k) // stride + 1
    y = numpy.zeros((N, C, OH, OW))
    for n in range(N):
        for c in range(C):
            for oh in range(OH):
                for ow in range(OW):
                    window = xpad[n, c, oh * stride:oh * stride + k, ow * stride:ow * stride + k]
                    y[n, c, oh, ow] = reduce(window)
    return y


def avg_pool2d_simple(x, k, stride, padding=0):
    """y[n, c, oh, ow] = mean of the k x k window at (oh*stride, ow*stride) of the
    zero-padded x (the padding counts in the mean, as PyTorch's default)."""
    return _pool2d_simple(x, k, stride, padding, numpy.mean, 0.0)


def max_pool2d_simple(x, k, stride, padding=0):
    """y[n, c, oh, ow] = max of the k x k window of x padded with -inf."""
    return _pool2d_simple(x, k, stride, padding, numpy.max, -numpy.inf)



class _Pool2d(Module):
    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size = _pair(kernel_size, "kernel_size")
        self.stride = _pair(stride if stride is not None else kernel_size, "stride")
        self.padding = _pair(padding, "padding")
        (kh, kw), (sh, sw), (ph, pw) = self.kernel_size, self.stride, self.padding
        if min(kh, kw, sh, sw) < 1 or min(ph, pw) < 0 or ph > kh // 2 or pw > kw // 2:
            raise ValueError(f"{type(self).__name__}: kernel_size and stride must be >= 1 "
                             f"and padding at most half the kernel, got kernel "
                             f"{self.kernel_size}, stride {self.stride}, padding {self.padding}")

    def _windows(self, x, fill):
        """x (N, C, H, W) -> rows (OH*OW*N*C, kh*kw), one window per row; padded with
        ``fill``.  Returns (rows, the (N*C, 1, H', W') shape im2col saw, OH, OW)."""
        self._check_rank(x, 4, "(N, C, H, W)")
        xp = backend.get_array_module(x)
        (kh, kw), (ph, pw) = self.kernel_size, self.padding
        N, C, H, W = x.shape
        planes = x.reshape(N * C, 1, H, W)
        if fill != 0 and (ph or pw):                  # pad by hand with fill, not zeros
            padded = xp.full((N * C, 1, H + 2 * ph, W + 2 * pw), fill, dtype=x.dtype)
            padded[:, :, ph:ph + H, pw:pw + W] = planes
            planes, pad = padded, (0, 0)
        else:
            pad = (ph, pw)
        OH = conv_output_size(planes.shape[2], kh, self.stride[0], pad[0])
        OW = conv_output_size(planes.shape[3], kw, self.stride[1], pad[1])
        if OH <= 0 or OW <= 0:
            raise ShapeError(f"{self!r}: input {H}x{W} is smaller than the window "
                             f"{kh}x{kw}")
        rows = im2col(planes, kh, kw, self.stride, pad)
        return rows, tuple(planes.shape), pad, OH, OW

    def _to_nchw(self, v, N, C, OH, OW):
        """(OH*OW*N*C,) in im2col's row order -> (N, C, OH, OW)."""
        return v.reshape(OH, OW, N, C).transpose(2, 3, 0, 1)

    def _to_rows(self, dy):
        """(N, C, OH, OW) -> (OH*OW*N*C, 1) in im2col's row order."""
        return dy.transpose(2, 3, 0, 1).reshape(-1, 1)

    def _back(self, drows, planes_shape, pad, x_shape):
        (kh, kw) = self.kernel_size
        dplanes = col2im(drows, planes_shape, kh, kw, self.stride, pad)
        N, C, H, W = x_shape
        if tuple(planes_shape[2:]) != (H, W):         # hand-padded: crop the fill off
            ph, pw = self.padding
            dplanes = dplanes[:, :, ph:ph + H, pw:pw + W]
        return dplanes.reshape(N, C, H, W)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(_Pool2d):
    """As ``torch.nn.AvgPool2d(kernel_size, stride=None, padding=0)`` (zero padding
    counted in the mean, PyTorch's count_include_pad=True)."""

    def forward(self, x):
        rows, planes_shape, pad, OH, OW = self._windows(x, 0)
        N, C = x.shape[:2]
        y = self._to_nchw(rows.mean(axis=1), N, C, OH, OW)
        return self.remember(y, (tuple(x.shape), planes_shape, pad))

    def backward(self, dy, output=None):
        y, (x_shape, planes_shape, pad) = self.recall(output)
        if tuple(dy.shape) != tuple(y.shape):
            raise ShapeError(f"{self!r}: backward expected grad of shape {tuple(y.shape)}, "
                             f"got {tuple(dy.shape)}")
        kh, kw = self.kernel_size
        xp = backend.get_array_module(dy)
        drows = xp.broadcast_to(self._to_rows(dy) / dy.dtype.type(kh * kw),
                                (dy.size, kh * kw))   # 1 / k^2 to each pixel of the window
        return self._back(xp.ascontiguousarray(drows), planes_shape, pad, x_shape)


class MaxPool2d(_Pool2d):
    """As ``torch.nn.MaxPool2d(kernel_size, stride=None, padding=0)``."""

    def forward(self, x):
        rows, planes_shape, pad, OH, OW = self._windows(x, -float("inf"))
        N, C = x.shape[:2]
        xp = backend.get_array_module(x)
        argmax = rows.argmax(axis=1)                  # the first maximum, on a tie
        y = self._to_nchw(xp.take_along_axis(rows, argmax[:, None], axis=1)[:, 0],
                          N, C, OH, OW)
        return self.remember(y, (tuple(x.shape), planes_shape, pad, argmax))

    def backward(self, dy, output=None):
        y, (x_shape, planes_shape, pad, argmax) = self.recall(output)
        if tuple(dy.shape) != tuple(y.shape):
            raise ShapeError(f"{self!r}: backward expected grad of shape {tuple(y.shape)}, "
                             f"got {tuple(dy.shape)}")
        kh, kw = self.kernel_size
        xp = backend.get_array_module(dy)
        drows = xp.zeros((dy.size, kh * kw), dtype=dy.dtype)
        drows[xp.arange(dy.size), argmax] = self._to_rows(dy)[:, 0]   # all of dy to the max
        return self._back(drows, planes_shape, pad, x_shape)
