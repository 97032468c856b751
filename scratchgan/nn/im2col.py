"""im2col and col2im: a convolution as one matrix product.

A 2-D convolution of an (N, C, H, W) input with an (OC, C, kh, kw) kernel
reads, for every output pixel (n, oh, ow), the patch

    xpad[n, :, oh*sh + i, ow*sw + j]      i < kh, j < kw          (C*kh*kw numbers)

``im2col`` copies every patch into one row of a matrix, so that the whole
convolution becomes a single GEMM:

    cols (OH*OW*N, kh*kw*C)  @  W2^T (kh*kw*C, OC)  =  y2 (OH*OW*N, OC)

``col2im`` is its adjoint (its transpose as a linear map): it takes one row
per output pixel and *adds* each entry back to the input pixel it was copied
from.  Overlapping patches therefore sum, which is exactly what the input
gradient of a convolution needs, and exactly what a transposed convolution
computes.

Layout (chosen for speed, not for looks)
----------------------------------------
Arrays outside this file are NCHW in *shape*, as in PyTorch.  Inside, pixels
are stored "HWNC": spatial position outermost, then batch, then channel.  The
patches are taken from a zero-padded copy ``xpad`` of shape (Hp, Wp, N, C), a
row of ``cols`` is one (oh, ow, n) and a column one (i, j, c), c fastest:

    cols[(oh*OW + ow)*N + n, (i*kw + j)*C + c] = xpad[oh*sh + i, ow*sw + j, n, c]

Why this layout:

* The GEMM result y2 (OH*OW*N, OC) *is* an (OH, OW, N, OC) array, so the NCHW
  output is the free view ``y2.reshape(OH, OW, N, OC).transpose(2, 3, 0, 1)``:
  NCHW in shape, HWNC in memory, no transpose copy.  Going backwards, a
  gradient with that memory layout becomes (OH*OW*N, OC) by a free reshape,
  and the next im2col's padded copy is a contiguous block copy.
* col2im adds, for each kernel offset (i, j), an (OH, OW, N, C) block into the
  strided sub-grid ``xpad[i::sh, j::sw]``, moving runs of C contiguous numbers.
* The im2col copy moves runs of C contiguous numbers (not of kw = 3 or 4).

Every product is *one* large GEMM.  (Splitting it by kernel offset into a
batched product, to make col2im's blocks contiguous, was measured 3-4x slower
in NumPy: its batched matmul does not reach BLAS speed.)

The price is that the kernel must be reordered to match the column order: a
small copy of the weights, never of the activations.  Everything runs
unchanged on CuPy (``backend.get_array_module``).
"""
import numpy

from .. import backend


# -- the naive twin: a loop over windows -------------------------------------------------
# (read it first: the fast path below is tested against it)
def im2col_simple(x, kh, kw, stride=(1, 1), padding=(0, 0)):
    """The windows of x as rows: row (oh, ow, n) holds the kh x kw x C patch that
    output pixel (oh, ow) of image n sees, flattened in the order (i, j, c).

    x (N, C, H, W) -> (OH*OW*N, kh*kw*C), rows ordered (oh, ow, n): the layout of
    ``im2col`` below ("HWNC"), so the two can be compared directly.
    """
    x = numpy.asarray(x, numpy.float64)
    (sh, sw), (ph, pw) = stride, padding
    N, C, H, W = x.shape
    xpad = numpy.zeros((N, C, H + 2 * ph, W + 2 * pw))
    xpad[:, :, ph:ph + H, pw:pw + W] = x
    OH, OW = (H + 2 * ph - kh) // sh + 1, (W + 2 * pw - kw) // sw + 1
    rows = []
    for oh in range(OH):
        for ow in range(OW):
            for n in range(N):
                patch = xpad[n, :, oh * sh:oh * sh + kh, ow * sw:ow * sw + kw]   # (C, kh, kw)
                rows.append(patch.transpose(1, 2, 0).ravel())                     # (i, j, c)
    return numpy.array(rows).reshape(OH * OW * N, kh * kw * C)



def _pair(v, name="value"):
    """An int or a pair of ints -> a tuple of two ints."""
    if isinstance(v, (tuple, list)):
        if len(v) != 2:
            raise ValueError(f"{name}: expected an int or a pair, got {v!r}")
        return int(v[0]), int(v[1])
    return int(v), int(v)


def conv_output_size(size, k, stride, padding):
    """floor((size + 2*padding - k) / stride) + 1, PyTorch's Conv2d output size."""
    return (size + 2 * padding - k) // stride + 1


def to_rows(x):
    """(N, C, H, W) -> (H*W*N, C): one row per pixel, in the HWNC order.

    Free (a view) when ``x`` is HWNC in memory, as the layers' outputs are.
    """
    N, C, H, W = x.shape
    return x.transpose(2, 3, 0, 1).reshape(H * W * N, C)


def from_rows(rows, N, H, W):
    """(H*W*N, C) -> (N, C, H, W), a free view (NCHW shape, HWNC memory)."""
    return rows.reshape(H, W, N, -1).transpose(2, 3, 0, 1)


def pad_hwnc(x, padding):
    """(N, C, H, W) -> zero-padded HWNC copy (H + 2ph, W + 2pw, N, C).

    Without padding, and when ``x`` is already HWNC in memory, a free view.
    """
    ph, pw = _pair(padding, "padding")
    N, C, H, W = x.shape
    xt = x.transpose(2, 3, 0, 1)
    if ph == 0 and pw == 0 and xt.flags.c_contiguous:
        return xt
    xp = backend.get_array_module(x)
    xpad = xp.zeros((H + 2 * ph, W + 2 * pw, N, C), dtype=x.dtype)
    xpad[ph:ph + H, pw:pw + W] = xt
    return xpad


def im2col(x, kh, kw, stride, padding):
    """Patches of an NCHW array as rows of a matrix.

    x:       (N, C, H, W), any memory layout
    returns  cols (OH*OW*N, kh*kw*C), rows ordered (oh, ow, n), columns (i, j, c):

        cols[(oh*OW + ow)*N + n, (i*kw + j)*C + c] = xpad[n, c, oh*sh + i, ow*sw + j]

    with OH = (H + 2ph - kh)//sh + 1, OW = (W + 2pw - kw)//sw + 1 and xpad the
    zero-padded input.  ``stride`` and ``padding`` are ints or (h, w) pairs.
    The patches are a zero-copy strided view of the padded input; the final
    ``reshape`` makes the one copy.  The naive twin, a loop over windows, is
    ``im2col_simple`` above.
    """
    sh, sw = _pair(stride, "stride")
    ph, pw = _pair(padding, "padding")
    N, C, H, W = x.shape
    OH = conv_output_size(H, kh, sh, ph)
    OW = conv_output_size(W, kw, sw, pw)
    if OH <= 0 or OW <= 0:
        raise ValueError(f"im2col: input {H}x{W} with padding ({ph}, {pw}) is "
                         f"smaller than the kernel {kh}x{kw}")
    xpad = pad_hwnc(x, (ph, pw))
    xp = backend.get_array_module(x)
    sH, sW, sN, sC = xpad.strides
    patches = xp.lib.stride_tricks.as_strided(
        xpad, shape=(OH, OW, N, kh, kw, C),
        strides=(sh * sH, sw * sW, sN, sH, sW, sC))    # a view: nothing copied yet
    return patches.reshape(OH * OW * N, kh * kw * C)   # the one copy


def col2im(cols, x_shape, kh, kw, stride, padding):
    """The adjoint of ``im2col``: scatter-add rows back to an NCHW array.

    cols:    (OH*OW*N, kh*kw*C) in ``im2col``'s layout
    x_shape: (N, C, H, W), the shape of the array ``im2col`` was applied to
    returns  dx (N, C, H, W) with

        dxpad[n, c, oh*sh + i, ow*sw + j] += cols[(oh*OW + ow)*N + n, (i*kw + j)*C + c]

    summed over every (oh, ow, i, j) that lands on the same pixel, then the
    padding cropped off.  For every x and cols,
    ``sum(im2col(x) * cols) == sum(x * col2im(cols))``.

    Vectorised as kh*kw strided additions, one per kernel offset (i, j), each
    of a whole (OH, OW, N, C) block.  The result is NCHW in shape and HWNC in
    memory (a view of the padded accumulator).
    """
    sh, sw = _pair(stride, "stride")
    ph, pw = _pair(padding, "padding")
    N, C, H, W = (int(d) for d in x_shape)
    OH = conv_output_size(H, kh, sh, ph)
    OW = conv_output_size(W, kw, sw, pw)
    P = OH * OW * N
    if tuple(cols.shape) != (P, kh * kw * C):
        raise ValueError(f"col2im: expected cols of shape {(P, kh * kw * C)} for "
                         f"x_shape {(N, C, H, W)}, kernel {kh}x{kw}, stride ({sh}, {sw}), "
                         f"padding ({ph}, {pw}); got {tuple(cols.shape)}")
    blocks = cols.reshape(OH, OW, N, kh, kw, C)
    xp = backend.get_array_module(cols)
    dxpad = xp.zeros((H + 2 * ph, W + 2 * pw, N, C), dtype=cols.dtype)
    for i in range(kh):
        for j in range(kw):
            dxpad[i:i + sh * OH:sh, j:j + sw * OW:sw] += blocks[:, :, :, i, j, :]
    return dxpad[ph:ph + H, pw:pw + W].transpose(2, 3, 0, 1)
