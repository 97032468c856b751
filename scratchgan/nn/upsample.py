"""Up-sampling an image: nearest, bilinear and bicubic, as ``torch.nn.Upsample``.

Every mode computes each output pixel as a weighted sum of input pixels, with
weights that depend only on positions, so along one axis it is a fixed
matrix A (n_out, n_in), and the 2-D map is one matrix on each side:

    y  = A_h  x  A_w^T          (N, C, H, W) -> (N, C, H_out, W_out)
    dx = A_h^T dy A_w           the transposed maps: each input pixel collects
                                dy from every output it fed, with the same weight

Row o of A holds the *taps* of output position o: input indices and weights.
Output o sits at source coordinate src (PyTorch's rule, ``source``); then

    nearest    1 at floor(src)
    bilinear   1 - t at i0 = floor(src), t at i0 + 1      (t = src - i0)
    bicubic    Keys' cubic (a = -0.75) at i0 - 1 .. i0 + 2

with indices past the border clamped to it.  ``upsample_simple`` below is the
loop twin (one output pixel at a time); integer nearest up-sampling, the
lectures' "up-sample then convolve", also has a faster path that repeats
pixels and sums s x s blocks of dy.
"""
import math

import numpy

from .. import backend
from .module import Module, ShapeError

MODES = ("nearest", "bilinear", "bicubic")
CUBIC_A = -0.75                     # PyTorch's (and OpenCV's) bicubic constant


def source(o, n_in, n_out, mode, align_corners, scale):
    """The source coordinate of output position ``o`` (PyTorch's
    ``area_pixel_compute_source_index``); ``scale`` is 1/scale_factor when
    one was given, else n_in / n_out."""
    if mode == "nearest":
        return min(math.floor(o * scale), n_in - 1)
    if align_corners:
        return o * (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
    src = (o + 0.5) * scale - 0.5
    return max(src, 0.0) if mode == "bilinear" else src


def _cubic(t):
    """Keys' weights of the four taps at distances 1 + t, t, 1 - t, 2 - t."""
    a = CUBIC_A
    near = lambda d: ((a + 2) * d - (a + 3)) * d * d + 1              # |d| <= 1
    far = lambda d: ((a * d - 5 * a) * d + 8 * a) * d - 4 * a          # 1 < |d| < 2
    return far(1 + t), near(t), near(1 - t), far(2 - t)


def taps(o, n_in, n_out, mode, align_corners, scale):
    """[(input index, weight), ...] of output position ``o``."""
    src = source(o, n_in, n_out, mode, align_corners, scale)
    if mode == "nearest":
        return [(src, 1.0)]
    i0 = math.floor(src)
    t = src - i0
    clamp = lambda i: min(max(i, 0), n_in - 1)
    if mode == "bilinear":
        return [(clamp(i0), 1.0 - t), (clamp(i0 + 1), t)]
    return [(clamp(i0 + k - 1), w) for k, w in enumerate(_cubic(t))]


# -- the naive twin: one output pixel at a time ------------------------------------
def upsample_simple(x, out_size, mode, align_corners=False, scales=None):
    """y[..., a, b] = sum_{i, j} w_h(a, i) w_w(b, j) x[..., i, j], in float64 on the host."""
    x = numpy.asarray(x, numpy.float64)
    N, C, H, W = x.shape
    Ho, Wo = out_size
    sh, sw = scales or (H / Ho, W / Wo)
    y = numpy.zeros((N, C, Ho, Wo))
    for a in range(Ho):
        for b in range(Wo):
            for i, wi in taps(a, H, Ho, mode, align_corners, sh):
                for j, wj in taps(b, W, Wo, mode, align_corners, sw):
                    y[:, :, a, b] += wi * wj * x[:, :, i, j]
    return y


# -- integer nearest up-sampling: repeat pixels, sum blocks ------------------------------
def repeat_pixels(x, s):
    """y (N, C, s*H, s*W) with y[n, c, a, b] = x[n, c, a // s, b // s].

    y keeps x's memory layout: after a convolution that is HWNC, where each
    pixel is one contiguous block of N*C numbers, copied s*s times, and the
    next convolution reads HWNC without a transposing copy (PyTorch-GAN's
    DCGAN, 64 x 128 x 16 x 16 up to 32 x 32, up-sampling plus the next
    convolution's padded copy: 14 ms against 55 through NCHW)."""
    N, C, H, W = x.shape
    xt = x.transpose(2, 3, 0, 1)                        # (H, W, N, C), a view
    if xt.flags.c_contiguous:                           # HWNC memory
        yt = backend.get_array_module(x).empty((H, s, W, s, N, C), dtype=x.dtype)
        yt[...] = xt[:, None, :, None]                  # yt[a, i, b, j] = xt[a, b]
        return yt.reshape(H * s, W * s, N, C).transpose(2, 3, 0, 1)
    y = x[:, :, :, None, :, None].repeat(s, axis=3).repeat(s, axis=5)
    return y.reshape(N, C, H * s, W * s)


def sum_blocks(dy, s):
    """dx (N, C, H, W): each input pixel's gradient, the sum of its s x s block of dy
    (the adjoint of ``repeat_pixels``), summed in dy's layout: over HWNC
    memory (a convolution's input gradient) as contiguous N*C blocks."""
    N, C, Hs, Ws = dy.shape
    if dy.strides[1] == dy.itemsize and C > 1:          # channels innermost: HWNC
        blocks = dy.transpose(2, 3, 0, 1).reshape(Hs // s, s, Ws // s, s, N, C)
        return blocks.sum(axis=(1, 3)).transpose(2, 3, 0, 1)
    return dy.reshape(N, C, Hs // s, s, Ws // s, s).sum(axis=(3, 5))


# -- the fast path: one matrix per axis ----------------------------------------------
def interpolation_matrix(n_in, n_out, mode, align_corners, scale):
    """A (n_out, n_in): row o holds the taps of output position o (float64, host)."""
    A = numpy.zeros((n_out, n_in))
    for o in range(n_out):                      # n_out rows, once per input size
        for i, w in taps(o, n_in, n_out, mode, align_corners, scale):
            A[o, i] += w
    return A


def _pair(v, what):
    v = tuple(v) if isinstance(v, (tuple, list)) else (v, v)
    if len(v) != 2:
        raise ValueError(f"Upsample: {what} must be a number or a pair, got {v}")
    return v


class Upsample(Module):
    """As ``torch.nn.Upsample(size=None, scale_factor=None, mode="nearest",
    align_corners=None)``; modes "nearest", "bilinear", "bicubic".

    ``scale_factor`` may be a float (out = floor(in * s)); ``size`` gives the
    output size instead.  ``align_corners`` (bilinear, bicubic) maps the corner
    pixels' centres onto each other; False, PyTorch's default, maps the
    corners of the image.
    """

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None):
        super().__init__()
        if mode not in MODES:
            raise ValueError(f"Upsample: mode must be one of {MODES}, got {mode!r}")
        if (size is None) == (scale_factor is None):
            raise ValueError("Upsample: give exactly one of size and scale_factor")
        if mode == "nearest" and align_corners is not None:
            raise ValueError("Upsample: align_corners only applies to bilinear and bicubic")
        self.size = None if size is None else tuple(int(s) for s in _pair(size, "size"))
        self.scale_factor = None if scale_factor is None else tuple(
            float(s) for s in _pair(scale_factor, "scale_factor"))
        for v in (self.size or ()) + (self.scale_factor or ()):
            if not v > 0:
                raise ValueError(f"Upsample: size and scale_factor must be positive, got "
                                 f"{size if size is not None else scale_factor}")
        self.mode, self.align_corners = mode, bool(align_corners)
        self._matrices = {}              # (H, W, dtype, array module) -> (A_h, A_w), built once

    def output_size(self, H, W):
        if self.size is not None:
            return self.size
        return (math.floor(H * self.scale_factor[0]), math.floor(W * self.scale_factor[1]))

    def _repeats(self):
        """The integer factor s when this is nearest up-sampling by s on both axes."""
        s = self.scale_factor
        if self.mode == "nearest" and s is not None and s[0] == s[1] and s[0] == int(s[0]):
            return int(s[0])
        return None

    def _maps(self, x):
        H, W = x.shape[2], x.shape[3]
        xp = backend.get_array_module(x)
        key = (H, W, str(x.dtype), xp.__name__)
        if key not in self._matrices:
            Ho, Wo = self.output_size(H, W)
            sh, sw = ((1 / self.scale_factor[0], 1 / self.scale_factor[1])
                      if self.scale_factor is not None else (H / Ho, W / Wo))
            A_h = interpolation_matrix(H, Ho, self.mode, self.align_corners, sh)
            A_w = interpolation_matrix(W, Wo, self.mode, self.align_corners, sw)
            self._matrices[key] = (xp.asarray(A_h, dtype=x.dtype), xp.asarray(A_w, dtype=x.dtype))
        return self._matrices[key]

    def forward(self, x):
        self._check_rank(x, 4, "(N, C, H, W)")
        Ho, Wo = self.output_size(x.shape[2], x.shape[3])
        if Ho < 1 or Wo < 1:
            raise ShapeError(f"{self!r}: output size {(Ho, Wo)} from input {tuple(x.shape)}")
        s = self._repeats()
        if s is not None:                # every pixel repeated s x s times
            return self.remember(repeat_pixels(x, s), None)
        A_h, A_w = self._maps(x)
        return self.remember(A_h @ x @ A_w.T, (A_h, A_w))

    def backward(self, dy, output=None):
        y, maps = self.recall(output)
        if tuple(dy.shape) != tuple(y.shape):
            raise ShapeError(f"{self!r}: backward expected grad of shape {tuple(y.shape)}, "
                             f"got {tuple(dy.shape)}")
        if maps is None:                 # each pixel's gradient: the sum of its s x s block
            return sum_blocks(dy, self._repeats())
        A_h, A_w = maps
        return A_h.T @ dy @ A_w

    def extra_repr(self):
        what = (f"size={self.size}" if self.size is not None
                else f"scale_factor={self.scale_factor[0] if self.scale_factor[0] == self.scale_factor[1] else self.scale_factor}")
        corners = f", align_corners={self.align_corners}" if self.mode != "nearest" else ""
        return f"{what}, mode='{self.mode}'{corners}"
