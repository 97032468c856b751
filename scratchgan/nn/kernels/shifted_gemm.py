"""A stride-1 convolution without im2col: kh shifted GEMMs over the padded input.

im2col (``im2col.py``) copies every kh x kw window into a row: for a 3x3
convolution that is 9 copies of the input, 231 MB for a batch of 64 images
of 128 channels at 28x28 (ACGAN's generator).  With stride 1 the copies are
not needed.  Keep the zero-padded input X in the HWNC layout as a matrix of
(Hp*Wp*N) rows of C channels; output row oh reads input rows oh + i for the
kernel rows i = 0..kh-1, and the rows oh + i .. oh + i + OH - 1 of X, taken
*with all Wp columns*, are one contiguous block.  So for each kernel row i,
one GEMM gives every column tap j at once:

    B[i][c, (j, o)] = W[o, c, i, j]                          (kh, C, kw*OC)
    Z_i = X[i : i+OH] @ B[i]                                 (OH, Wp, N, kw, OC)
    y[oh, ow, n, o] = sum_{i, j} Z_i[oh, ow + j, n, j, o]

(the columns ow + j >= OW of Z are computed and dropped: Wp/OW more work
in the GEMM, e.g. 30/28, against kh*kw copies of the input saved).

Backward, with dZ[oh, w, n, j, o] = dy[n, o, oh, w - j] (zero outside):

    dB[i]      = X[i : i+OH]^T @ dZ                          (C, kw*OC)
    dX[i:i+OH] += dZ @ B[i]^T ,    dx = dX without the padding

The same numbers as im2col's path up to rounding (a sum in another order);
``Conv2d`` takes this path for stride-1 layers where it is measured faster
(``suits``).  The naive twin of both is ``conv.conv2d_simple``.
"""
from ... import backend
from .add_product import add_product
from .gemm import at_b


class Geometry:
    """Sizes of one stride-1 convolution: x (N, C, H, W), kernel (kh, kw), padding (ph, pw)."""

    def __init__(self, x_shape, out_channels, kernel, padding):
        self.N, self.C, self.H, self.W = (int(d) for d in x_shape)
        self.OC = int(out_channels)
        (self.kh, self.kw), (self.ph, self.pw) = kernel, padding
        self.Hp, self.Wp = self.H + 2 * self.ph, self.W + 2 * self.pw
        self.OH, self.OW = self.Hp - self.kh + 1, self.Wp - self.kw + 1

    def rows(self, i):
        """The rows of X read by kernel row i: padded rows i .. i+OH-1, all columns."""
        per_row = self.Wp * self.N
        return slice(i * per_row, (i + self.OH) * per_row)


def suits(in_channels, out_channels, kernel, stride, x_shape):
    """Where this path beats im2col on a 2-core CPU (measured, one thread, forward
    + backward): stride 1, a kernel larger than 1x1, enough input channels for
    the GEMMs' inner size (C >= 32), and either few output channels or an
    image at least 4 kernels wide.

    Few output channels favour it most, as im2col then copies kh*kw times the
    input for a thin product: Conv2d(128, 3, 4, padding=1) on 1 x 128 x 257 x
    257 (pix2pix's last layer) 129 ms against 626 (first call 131 against
    2,820), Conv2d(64, 1, 3) at 64 x 64 x 32 x 32 43 against 206, PatchGAN's
    Conv2d(64, 1, 4) at 7 x 7 0.7 against 6.6.  With many output channels on
    a narrow image the kw-fold wider product wastes more than the copies cost
    (Conv2d(32, 64, 4) at 8 x 8: 15.1 against 11.8 ms), on a wide one they
    are even (Conv2d(128, 128, 3) at 16 x 16: 241 against 236)."""
    if tuple(stride) != (1, 1) or kernel[0] * kernel[1] <= 1 or in_channels < 32:
        return False
    wide = x_shape is None or x_shape[-1] >= 4 * kernel[1]
    return out_channels < 16 or wide


def pad_rows(x, g):
    """x (N, C, H, W), any layout -> X (Hp*Wp*N, C): the zero-padded input, HWNC.

    From NCHW memory the copy goes in two steps, NHWC first: one big strided
    copy, where each written row of C numbers reads C numbers H*W apart, is
    1.7x slower than two (66 against 39 ms for 64 x 128 x 32 x 32, one thread)."""
    xp = backend.get_array_module(x)
    X = xp.zeros((g.Hp, g.Wp, g.N, g.C), dtype=x.dtype)
    inner = X[g.ph:g.ph + g.H, g.pw:g.pw + g.W]
    if x.flags.c_contiguous and g.C > 1:                  # NCHW: via NHWC
        nhwc = xp.empty((g.N, g.H, g.W, g.C), dtype=x.dtype)
        nhwc[...] = x.transpose(0, 2, 3, 1)
        inner[...] = nhwc.transpose(1, 2, 0, 3)
    else:                                                  # HWNC (ours) or any other: one copy
        inner[...] = x.transpose(2, 3, 0, 1)
    return X.reshape(g.Hp * g.Wp * g.N, g.C)


def unpad_rows(dX, g):
    """The adjoint of ``pad_rows``: dX (Hp*Wp*N, C) -> dx (N, C, H, W), a view (HWNC memory)."""
    dXp = dX.reshape(g.Hp, g.Wp, g.N, g.C)
    return dXp[g.ph:g.ph + g.H, g.pw:g.pw + g.W].transpose(2, 3, 0, 1)


def taps(W):
    """W (OC, C, kh, kw) -> B (kh, C, kw*OC) with B[i][c, (j, o)] = W[o, c, i, j]."""
    OC, C, kh, kw = W.shape
    return W.transpose(2, 1, 3, 0).reshape(kh, C, kw * OC)


def taps_to_kernel(dB, g):
    """The adjoint of ``taps``: dB (kh, C, kw*OC) -> dW (OC, C, kh, kw)."""
    return dB.reshape(g.kh, g.C, g.kw, g.OC).transpose(3, 1, 0, 2)


def forward(X, B, g):
    """y (N, OC, OH, OW), HWNC in memory, from X = pad_rows(x) and B = taps(W).

    The kernel rows' products share one grid (oh, w), so they are summed first
    (contiguous adds) and shifted by j once: kw strided adds instead of kh*kw
    (Conv2d(128, 64, 3) at 64 x 128 x 32 x 32: 166 ms against 183), and each
    product after the first is added by the BLAS itself (``add_product``: no
    temporary, 134 ms against 155)."""
    Z = X[g.rows(0)] @ B[0]
    for i in range(1, g.kh):
        add_product(Z, X[g.rows(i)], B[i])              # Z += X[rows i] @ B[i]
    Z = Z.reshape(g.OH, g.Wp, g.N, g.kw, g.OC)
    y = Z[:, 0:g.OW, :, 0, :].copy()
    for j in range(1, g.kw):
        y += Z[:, j:j + g.OW, :, j, :]
    return y.transpose(2, 3, 0, 1)


def spread(dy, g):
    """dy (N, OC, OH, OW) -> dZ (OH*Wp*N, kw*OC), dZ[oh, w, n, j, o] = dy[n, o, oh, w - j]."""
    xp = backend.get_array_module(dy)
    dZ = xp.zeros((g.OH, g.Wp, g.N, g.kw, g.OC), dtype=dy.dtype)
    dyt = dy.transpose(2, 3, 0, 1)
    for j in range(g.kw):
        dZ[:, j:j + g.OW, :, j, :] = dyt
    return dZ.reshape(g.OH * g.Wp * g.N, g.kw * g.OC)


def weight_grad(X, dZ, g):
    """dW (OC, C, kh, kw) from dB[i] = X[i : i+OH]^T dZ."""
    xp = backend.get_array_module(X)
    return taps_to_kernel(xp.stack([at_b(X[g.rows(i)], dZ) for i in range(g.kh)]), g)


def input_grad(dZ, B, g):
    """dx (N, C, H, W): dX[i : i+OH] += dZ B[i]^T for each kernel row, the padding dropped."""
    xp = backend.get_array_module(dZ)
    dX = xp.zeros((g.Hp * g.Wp * g.N, g.C), dtype=dZ.dtype)
    for i in range(g.kh):
        add_product(dX[g.rows(i)], dZ, B[i].T)          # dX[rows i] += dZ @ B[i]^T
    return unpad_rows(dX, g)
