"""Conv2d as one GEMM plus im2col; ConvTranspose2d (``conv_transpose.py``) is its mirror.

The key fact of this file: a convolution is a linear map x -> y = A x, and

* its input gradient is dx = A^T dy, which is a *transposed convolution*;
* a transposed convolution is, by definition, y = A^T x, so its forward pass
  is Conv2d's backward-data pass and its input gradient is (A^T)^T dy = A dy,
  an ordinary convolution.

In code, A = "im2col then multiply by W" and A^T = "multiply by W^T then
col2im", so the two layers use the same two helpers with the roles swapped:

    Conv2d.forward            im2col(x)  @ W2^T            (im2col, GEMM)
    Conv2d.backward (dx)      col2im(dy2 @ W2)             (GEMM, col2im)
    ConvTranspose2d.forward   col2im(x2  @ W2)             (GEMM, col2im)
    ConvTranspose2d.backward  im2col(dy) @ W2^T            (im2col, GEMM)

See ``im2col.py`` for the column layout: one row per pixel, ordered
(h, w, n) ("HWNC").  Outputs and input gradients are NCHW in shape and HWNC in
memory (free views of the GEMM results); every layer accepts any memory
layout, and the HWNC one for free.

This file is a little over 300 lines because Conv2d's two algorithms and
their loop twins belong on one page: a reader compares them side by side.
"""
import numpy

from .module import Module, Parameter, ShapeError
from . import init
from .kernels.gemm import at_b        # A^T B (the plain version: a.T @ b)
from .kernels.product_col2im import product_col2im    # the plain version: col2im(a @ W2)
from .im2col import _pair, conv_output_size, im2col, to_rows, from_rows
from .kernels import shifted_gemm
from . import kernels
from .padding import check_fits, pad2d, pad2d_backward

PADDING_MODES = {"zeros": "constant", "reflect": "reflect", "replicate": "replicate",
                 "circular": "circular"}

#: How Conv2d computes while ``kernels.enabled()``: "auto" (shifted GEMMs where
#: ``kernels.shifted_gemm.suits``, else
#: im2col), or "im2col" / "shifted" to force one (tests compare the two).  With the
#: kernels off it is always im2col.
CONV_METHOD = "auto"


# -- the naive twins: the definitions as loops, in float64 on the host --------------------
# (read them first: the fast path below is tested against them)
def conv2d_simple(x, W, b=None, stride=(1, 1), padding=(0, 0)):
    """Cross-correlation, straight from the definition.

        y[n, o, oh, ow] = b[o] + sum_{c,i,j} W[o, c, i, j] * xpad[n, c, oh*sh + i, ow*sw + j]

    x (N, C, H, W), W (OC, C, kh, kw), b (OC,) or None -> y (N, OC, OH, OW).
    """
    x, W = numpy.asarray(x, numpy.float64), numpy.asarray(W, numpy.float64)
    (sh, sw), (ph, pw) = stride, padding
    N, C, H, Wd = x.shape
    OC, _, kh, kw = W.shape
    xpad = numpy.zeros((N, C, H + 2 * ph, Wd + 2 * pw))
    xpad[:, :, ph:ph + H, pw:pw + Wd] = x
    OH, OW = (H + 2 * ph - kh) // sh + 1, (Wd + 2 * pw - kw) // sw + 1
    y = numpy.zeros((N, OC, OH, OW))
    for n in range(N):
        for o in range(OC):
            for oh in range(OH):
                for ow in range(OW):
                    patch = xpad[n, :, oh * sh:oh * sh + kh, ow * sw:ow * sw + kw]
                    y[n, o, oh, ow] = (W[o] * patch).sum() + (b[o] if b is not None else 0.0)
    return y


def conv2d_backward_simple(dy, x, W, stride=(1, 1), padding=(0, 0)):
    """The chain rule through ``conv2d_simple``, one output pixel at a time.

    Output pixel y[n, o, oh, ow] was b[o] + sum(W[o] * patch), with patch the
    window xpad[n, :, oh*sh : oh*sh + kh, ow*sw : ow*sw + kw].  So its gradient
    g = dy[n, o, oh, ow] flows to

        dW[o]                    += g * patch        (y is linear in W[o], with slope patch)
        dxpad[n, :, window]      += g * W[o]         (and in the patch, with slope W[o])
        db[o]                    += g

    Windows overlap, so an input pixel collects from every window it sits in;
    dx is dxpad without its padding (the zeros there came from no input).
    Returns (dx, dW, db).  The fast Conv2d computes the same three by GEMMs:
    dW2 = dy2^T cols, dx = col2im(dy2 W2), db = sum of dy2's rows.
    """
    x, W = numpy.asarray(x, numpy.float64), numpy.asarray(W, numpy.float64)
    dy = numpy.asarray(dy, numpy.float64)
    (sh, sw), (ph, pw) = stride, padding
    N, C, H, Wd = x.shape
    OC, _, kh, kw = W.shape
    xpad = numpy.zeros((N, C, H + 2 * ph, Wd + 2 * pw))
    xpad[:, :, ph:ph + H, pw:pw + Wd] = x
    dxpad, dW, db = numpy.zeros_like(xpad), numpy.zeros_like(W), numpy.zeros(OC)
    for n in range(N):
        for o in range(OC):
            for oh in range(dy.shape[2]):
                for ow in range(dy.shape[3]):
                    g = dy[n, o, oh, ow]
                    window = (n, slice(None), slice(oh * sh, oh * sh + kh),
                              slice(ow * sw, ow * sw + kw))
                    dW[o] += g * xpad[window]
                    dxpad[window] += g * W[o]
                    db[o] += g
    return dxpad[:, :, ph:ph + H, pw:pw + Wd], dW, db


def _check_nonneg(name, layer, pair, positive=False):
    lo = 1 if positive else 0
    if min(pair) < lo:
        raise ValueError(f"{layer}: {name} must be {'positive' if positive else 'non-negative'}, "
                         f"got {pair}")


def _only_plain(layer, dilation, groups):
    """PyTorch's argument order includes dilation and groups; we implement 1 only."""
    if _pair(dilation, f"{layer} dilation") != (1, 1) or int(groups) != 1:
        raise NotImplementedError(f"{layer}: only dilation=1 and groups=1 are implemented, "
                                  f"got dilation={dilation}, groups={groups}")


class _ConvBase(Module):
    def _set_sizes(self, in_channels, out_channels, kernel_size, stride, padding):
        """Store and check the hyper-parameters both convolutions share."""
        name = type(self).__name__
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size = _pair(kernel_size, f"{name} kernel_size")
        self.stride = _pair(stride, f"{name} stride")
        self.padding = _pair(padding, f"{name} padding")
        if self.in_channels <= 0 or self.out_channels <= 0:
            raise ValueError(f"{name}: channels must be positive, got in_channels="
                             f"{in_channels}, out_channels={out_channels}")
        _check_nonneg("kernel_size", name, self.kernel_size, positive=True)
        _check_nonneg("stride", name, self.stride, positive=True)
        _check_nonneg("padding", name, self.padding)

    def _check_input(self, x, channels, what):
        self._check_rank(x, 4, what)
        if x.shape[1] != channels:
            raise ShapeError(f"{self!r}: expected input with {channels} channels "
                             f"{what}, got shape {tuple(x.shape)} "
                             f"({x.shape[1]} channels)")
        self._check_dtype(x, self.weight.data)

    def extra_repr(self):
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0, 0):
            s += f", padding={self.padding}"
        if getattr(self, "output_padding", (0, 0)) != (0, 0):
            s += f", output_padding={self.output_padding}"
        if self.bias is None:
            s += ", bias=False"
        if getattr(self, "padding_mode", "zeros") != "zeros":
            s += f", padding_mode={self.padding_mode!r}"
        return s


class Conv2d(_ConvBase):
    """2-D cross-correlation, as ``torch.nn.Conv2d(in, out, kernel_size, stride,
    padding, dilation=1, groups=1, bias, padding_mode)`` (dilation 1, groups 1).

    ``padding_mode`` "zeros" (the default) pads inside im2col; "reflect",
    "replicate" and "circular" pad x first (``padding.pad2d``), convolve
    with no padding, and fold the padded copies' gradients back onto x
    (``padding.pad2d_backward``), as PyTorch does.

    Shapes:  x (N, C, H, W)  ->  y (N, OC, OH, OW)
             W (OC, C, kh, kw),  b (OC,)
             OH = floor((H + 2*ph - kh) / sh) + 1,  OW likewise

    Forward (xpad = x zero-padded by (ph, pw)):

        y[n, o, oh, ow] = b[o] + sum_{c,i,j} W[o, c, i, j] * xpad[n, c, oh*sh + i, ow*sw + j]

    As one GEMM, with cols = im2col(x) of shape (OH*OW*N, kh*kw*C) and
    W2 = W reordered to (OC, kh, kw, C) and flattened to (OC, kh*kw*C):

        y2 = cols @ W2^T + b                       (OH*OW*N, OC)  -> y (N, OC, OH, OW)

    Backward, with dy2 = dy as (OH*OW*N, OC) (one row per output pixel):

        dW2   = dy2^T @ cols                       (OC, kh*kw*C)  -> reordered to W's shape
        db    = sum over rows of dy2               (OC,)
        dcols = dy2 @ W2                           (OH*OW*N, kh*kw*C)
        dx    = col2im(dcols)                      (N, C, H, W)

    The input gradient dx = col2im(dy2 @ W2) is *exactly* ConvTranspose2d's
    forward pass applied to dy with the same weight: the gradient of a
    convolution is a transposed convolution.  Input pixels that no window
    reaches (when (H + 2ph - kh) is not a multiple of sh) get zero gradient.

    Init (PyTorch's): W, b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = C*kh*kw.

    Fast path: im2col + one GEMM, dx's col2im(dy2 @ W2) one kernel offset at
    a time (``kernels/product_col2im.py``); for stride-1 layers with enough
    channels, kh shifted GEMMs without im2col (``kernels/shifted_gemm.py``).
    The naive twin of both, a loop over output pixels, is ``conv2d_simple``
    (and ``conv2d_backward_simple`` for the three gradients) at the top of
    this file.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 dilation=1, groups=1, bias=True, padding_mode="zeros"):
        super().__init__()
        if isinstance(padding, str):
            raise NotImplementedError(f"Conv2d: padding={padding!r} is not implemented; give "
                                      f"the padding as an int or (ph, pw)")
        self._set_sizes(in_channels, out_channels, kernel_size, stride, padding)
        _only_plain("Conv2d", dilation=dilation, groups=groups)
        if padding_mode not in PADDING_MODES:
            raise ValueError(f"Conv2d: padding_mode must be one of {list(PADDING_MODES)}, "
                             f"got {padding_mode!r}")
        self.padding_mode = padding_mode
        kh, kw = self.kernel_size
        W, b = init.pytorch_default((self.out_channels, self.in_channels, kh, kw),
                                    fan_in=self.in_channels * kh * kw, bias=bias)
        self.weight = Parameter(W)
        self.bias = Parameter(b) if bias else None

    def output_shape(self, x_shape):
        """(N, OC, OH, OW) for an input of shape (N, C, H, W)."""
        N, _, H, W = x_shape
        (kh, kw), (sh, sw), (ph, pw) = self.kernel_size, self.stride, self.padding
        return (N, self.out_channels, conv_output_size(H, kh, sh, ph),
                conv_output_size(W, kw, sw, pw))

    def forward(self, x):
        self._check_input(x, self.in_channels, "(N, C, H, W)")
        N, C, H, W = x.shape
        kh, kw = self.kernel_size
        ph, pw = self.padding
        if H + 2 * ph < kh or W + 2 * pw < kw:
            raise ShapeError(f"{self!r}: input spatial size {H}x{W} plus padding "
                             f"{self.padding} is smaller than the kernel {kh}x{kw} "
                             f"(need H + 2*ph >= {kh} and W + 2*pw >= {kw}); "
                             f"got input shape {tuple(x.shape)}")
        _, OC, OH, OW = self.output_shape(x.shape)
        x_shape, padding = tuple(x.shape), self.padding
        if self.padding_mode != "zeros":      # pad by the mode first, then convolve unpadded
            pads = (pw, pw, ph, ph)
            check_fits(repr(self), x_shape, pads, PADDING_MODES[self.padding_mode])
            x, padding = pad2d(x, pads, PADDING_MODES[self.padding_mode]), (0, 0)
        if self._shifted(x.shape):                                   # stride 1: no im2col
            g = shifted_gemm.Geometry(x.shape, OC, self.kernel_size, padding)
            X, B = shifted_gemm.pad_rows(x, g), shifted_gemm.taps(self.weight.data)
            y = shifted_gemm.forward(X, B, g)
            if self.bias is not None:
                y += self.bias.data.reshape(1, OC, 1, 1)
            return self.remember(y, (x_shape, "shifted", g, X, B))
        cols = im2col(x, kh, kw, self.stride, padding)               # (OH*OW*N, K)
        W2 = self.weight.data.transpose(0, 2, 3, 1).reshape(OC, -1)  # (OC, K), K = (i, j, c)
        y2 = cols @ W2.T                                             # (OH*OW*N, OC)
        if self.bias is not None:
            y2 += self.bias.data
        y = from_rows(y2, N, OH, OW)                                 # a view, no copy
        return self.remember(y, (x_shape, "im2col", tuple(x.shape), padding, cols, W2))

    def _shifted(self, x_shape):
        if not kernels.enabled():
            return False                      # the plain path: im2col
        if CONV_METHOD == "shifted":
            return self.stride == (1, 1)
        return CONV_METHOD == "auto" and shifted_gemm.suits(
            self.in_channels, self.out_channels, self.kernel_size, self.stride, x_shape)

    skips_input_grad = True     # backward(dy, input_grad=False) is supported

    def backward(self, dy, output=None, input_grad=True):
        """Add dW, db into the gradients; return dx (None if not ``input_grad``)."""
        _, (x_shape, algorithm, *cache) = self.recall(output)
        out_shape = self.output_shape(x_shape)
        if tuple(dy.shape) != out_shape:
            raise ShapeError(f"{self!r}: backward expected grad of shape {out_shape}, "
                             f"got {tuple(dy.shape)}")
        if algorithm == "shifted":
            dx = self._backward_shifted(dy, input_grad, *cache)
        else:
            dx = self._backward_im2col(dy, input_grad, *cache)
        if dx is None or self.padding_mode == "zeros":
            return dx
        ph, pw = self.padding                 # the padded copies' gradients, folded back
        return pad2d_backward(dx, x_shape, (pw, pw, ph, ph), PADDING_MODES[self.padding_mode])

    def _backward_im2col(self, dy, input_grad, x_shape, padding, cols, W2):
        """dW, db and dx by one GEMM each and col2im (x_shape: the padded input's)."""
        OC, C = self.out_channels, self.in_channels
        kh, kw = self.kernel_size
        dy2 = to_rows(dy)                               # (OH*OW*N, OC), free if HWNC
        if self.weight.requires_grad:
            dW2 = at_b(dy2, cols)                       # dy2^T cols, (OC, K)
            self.weight.grad += dW2.reshape(OC, kh, kw, C).transpose(0, 3, 1, 2)
        if self.bias is not None and self.bias.requires_grad:
            self.bias.grad += dy2.sum(axis=0)
        if not input_grad:
            return None
        # dcols = dy2 @ W2 (OH*OW*N, K), then dx = col2im(dcols), by kernel offsets
        return product_col2im(dy2, W2, x_shape, kh, kw, self.stride, padding)

    def _backward_shifted(self, dy, input_grad, g, X, B):
        """The same three gradients by shifted GEMMs (``kernels/shifted_gemm.py``)."""
        dZ = shifted_gemm.spread(dy, g)
        if self.weight.requires_grad:
            self.weight.grad += shifted_gemm.weight_grad(X, dZ, g)
        if self.bias is not None and self.bias.requires_grad:
            self.bias.grad += dy.sum(axis=(0, 2, 3))
        if not input_grad:
            return None
        return shifted_gemm.input_grad(dZ, B, g)
