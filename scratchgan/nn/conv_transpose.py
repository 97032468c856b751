"""ConvTranspose2d: Conv2d's backward-data pass, run forward.

Read ``conv.py`` first: a convolution is a linear map y = A x, its input
gradient is A^T dy, and a transposed convolution *is* y = A^T x.  So this
layer is Conv2d with the two helpers swapped:

    ConvTranspose2d.forward   col2im(x2 @ W2)      (Conv2d's dx)
    ConvTranspose2d.backward  im2col(dy) @ W2^T    (Conv2d's forward)

The file opens with the loop twin, ``conv_transpose2d_simple``: every input
pixel paints a weighted copy of the kernel onto the output.
"""
import numpy

from . import init
from .conv import _ConvBase, _check_nonneg, _only_plain
from .kernels.gemm import at_b        # A^T B (the plain version: a.T @ b)
from .kernels.product_col2im import product_col2im    # the plain version: col2im(a @ W2)
from .im2col import _pair, from_rows, im2col, to_rows
from .module import Parameter, ShapeError


# -- the naive twin: each input pixel paints the kernel -----------------------------------
# (read it first: the fast path below is tested against it)
def conv_transpose2d_simple(x, W, b=None, stride=(1, 1), padding=(0, 0), output_padding=(0, 0)):
    """Transposed convolution: every input pixel paints x[n, c, h, w] * W[c] onto
    the output at (h*sh, w*sw), the copies summing; then ``padding`` is cropped
    from each border (``output_padding`` extra rows/columns kept at the bottom/right).

    x (N, C, H, W), W (C, OC, kh, kw), b (OC,) or None -> y (N, OC, Ho, Wo).
    """
    x, W = numpy.asarray(x, numpy.float64), numpy.asarray(W, numpy.float64)
    (sh, sw), (ph, pw), (oph, opw) = stride, padding, output_padding
    N, C, H, Wd = x.shape
    _, OC, kh, kw = W.shape
    full = numpy.zeros((N, OC, (H - 1) * sh + kh + oph, (Wd - 1) * sw + kw + opw))
    for n in range(N):
        for c in range(C):
            for i in range(H):
                for j in range(Wd):
                    full[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw] += x[n, c, i, j] * W[c]
    Ho, Wo = full.shape[2] - 2 * ph, full.shape[3] - 2 * pw
    y = full[:, :, ph:ph + Ho, pw:pw + Wo]
    return y + (numpy.asarray(b).reshape(1, -1, 1, 1) if b is not None else 0.0)


class ConvTranspose2d(_ConvBase):
    """Transposed 2-D convolution, as ``torch.nn.ConvTranspose2d(in, out,
    kernel_size, stride, padding, output_padding, bias)`` (dilation 1, groups 1).

    Shapes:  x (N, C, H, W)  ->  y (N, OC, Ho, Wo)
             W (C, OC, kh, kw)   (note: in_channels first, as in PyTorch),  b (OC,)
             Ho = (H - 1)*sh - 2*ph + kh + oph,  Wo likewise

    Forward: every input pixel paints a weighted copy of the kernel onto the
    output, the copies overlapping and summing, then ``padding`` rows/columns
    are cropped from each border.  ``output_padding`` makes the output that
    many rows/columns taller/wider at the bottom/right: of the rows cropped
    there it keeps that many (they hold painted values, so they are not
    zero), and any row beyond the painted area is zero plus the bias.  It
    exists because a stride-s Conv2d maps several input sizes to one output
    size; output_padding picks which of them this layer inverts:

        y[n, o, h*sh + i - ph, w*sw + j - pw] += sum_c x[n, c, h, w] * W[c, o, i, j]
        y[n, o, :, :] += b[o]

    This is *Conv2d's backward-data pass*: with x2 = x as (H*W*N, C) (one row
    per input pixel) and W2 = W reordered to (C, kh, kw, OC) and flattened to
    (C, kh*kw*OC),

        cols = x2 @ W2                              (H*W*N, kh*kw*OC)
        y    = col2im(cols) + b                     (N, OC, Ho, Wo)

    i.e. the adjoint of a Conv2d(OC -> C) with the same weight, stride and
    padding, seen from its (N, OC, Ho, Wo) input.

    Backward is therefore that Conv2d's forward pass (im2col):

        dcols = im2col(dy)                          (H*W*N, kh*kw*OC)
        dx2   = dcols @ W2^T                        (H*W*N, C)      -> dx (N, C, H, W)
        dW2   = x2^T @ dcols                        (C, kh*kw*OC)   -> reordered to W's shape
        db    = sum_{n,h,w} dy[n, :, h, w]          (OC,)

    Init (PyTorch's): W, b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with
    fan_in = OC*kh*kw (PyTorch computes it from weight.size(1)).
    ``output_padding`` must be smaller than ``stride`` (PyTorch's rule).

    Fast path: one GEMM + col2im, computed one kernel offset at a time
    (``kernels/product_col2im.py``); its naive twin, every input pixel painting
    the kernel in a loop, is ``conv_transpose2d_simple`` at the top of this file.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1):
        super().__init__()
        self._set_sizes(in_channels, out_channels, kernel_size, stride, padding)
        _only_plain("ConvTranspose2d", dilation=dilation, groups=groups)
        self.output_padding = _pair(output_padding, "ConvTranspose2d output_padding")
        _check_nonneg("output_padding", "ConvTranspose2d", self.output_padding)
        if any(op >= s for op, s in zip(self.output_padding, self.stride)):
            raise ValueError(f"ConvTranspose2d: output_padding {self.output_padding} must "
                             f"be smaller than stride {self.stride} in each dimension "
                             f"(PyTorch's rule)")
        kh, kw = self.kernel_size
        W, b = init.pytorch_default((self.in_channels, self.out_channels, kh, kw),
                                    fan_in=self.out_channels * kh * kw,
                                    bias=self.out_channels if bias else False)
        self.weight = Parameter(W)
        self.bias = Parameter(b) if bias else None

    def output_shape(self, x_shape):
        """(N, OC, Ho, Wo) for an input of shape (N, C, H, W)."""
        N, _, H, W = x_shape
        (kh, kw), (sh, sw) = self.kernel_size, self.stride
        (ph, pw), (oph, opw) = self.padding, self.output_padding
        return (N, self.out_channels, (H - 1) * sh - 2 * ph + kh + oph,
                (W - 1) * sw - 2 * pw + kw + opw)

    def forward(self, x):
        self._check_input(x, self.in_channels, "(N, C, H, W)")
        N, C, H, W = x.shape
        out_shape = self.output_shape(x.shape)
        if out_shape[2] <= 0 or out_shape[3] <= 0:
            raise ShapeError(f"{self!r}: input shape {tuple(x.shape)} gives a non-positive "
                             f"output size {out_shape[2:]} (padding {self.padding} is "
                             f"too large for this input)")
        kh, kw = self.kernel_size
        OC = self.out_channels
        x2 = to_rows(x)                                  # (H*W*N, C), free if HWNC
        W2 = self.weight.data.transpose(0, 2, 3, 1).reshape(C, -1)  # (C, kh*kw*OC)
        # cols = x2 @ W2 (H*W*N, kh*kw*OC), then y = col2im(cols), by kernel offsets
        y = product_col2im(x2, W2, out_shape, kh, kw, self.stride, self.padding)
        if self.bias is not None:
            y += self.bias.data.reshape(1, OC, 1, 1)
        return self.remember(y, (tuple(x.shape), x2))

    skips_input_grad = True     # backward(dy, input_grad=False) is supported

    def backward(self, dy, output=None, input_grad=True):
        """Add dW, db into the gradients; return dx (None if not ``input_grad``)."""
        _, (x_shape, x2) = self.recall(output)
        out_shape = self.output_shape(x_shape)
        if tuple(dy.shape) != out_shape:
            raise ShapeError(f"{self!r}: backward expected grad of shape {out_shape}, "
                             f"got {tuple(dy.shape)}")
        N, C, H, W = x_shape
        kh, kw = self.kernel_size
        OC = self.out_channels
        dcols = im2col(dy, kh, kw, self.stride, self.padding)      # (H*W*N, kh*kw*OC)
        W2 = self.weight.data.transpose(0, 2, 3, 1).reshape(C, -1)  # (C, kh*kw*OC)
        if self.weight.requires_grad:
            dW2 = at_b(x2, dcols)                       # x2^T dcols, (C, kh*kw*OC)
            self.weight.grad += dW2.reshape(C, kh, kw, OC).transpose(0, 3, 1, 2)
        if self.bias is not None and self.bias.requires_grad:
            self.bias.grad += dy.sum(axis=(0, 2, 3))
        if not input_grad:
            return None
        return from_rows(dcols @ W2.T, N, H, W)                    # (N, C, H, W)
