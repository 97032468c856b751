"""col2im(A @ W2) one kernel offset at a time: Conv2d's dx, ConvTranspose2d's y.

The plain computation (``im2col.py``) makes the whole product first,

    cols = A @ W2                      (P, kh*kw*C),  P = OH*OW*N rows (oh, ow, n)
    dxpad[oh*sh + i, ow*sw + j] += cols[(oh, ow, n), (i, j, c)]     for every (i, j)

and each of the kh*kw additions then reads runs of only C numbers out of a
row kh*kw*C long: for few channels the loop overhead of those short runs is
most of the time (C = 2, pix2pix's PatchGAN on the pair: 3.5 ms of col2im
after a 0.2 ms product).  Column block (i, j) of the product is A times the
matching column block of W2, so compute it alone into a contiguous (P, C)
buffer and add it as whole (N, C) blocks of N*C numbers:

    T = A @ W2[:, (i, j, :)]           (P, C)
    dxpad[i::sh, j::sw] += T           viewed (OH, OW, N, C)

kh*kw products instead of one, the same arithmetic, no (P, kh*kw*C) matrix.
Measured (one thread / two threads, ms, this file against the plain path):
D's Conv2d(64, 128, 4, 2, 1) dx at batch 128 33.2 / 13.5 against 33.9 / 17.9;
Conv2d(2, 16, 4, 2, 1) at 64 x 32 x 32 1.7 / 1.7 against 4.0 / 4.2;
Conv2d(32, 64, 4, 2, 1) at 64 x 16 x 16 4.1 / 4.3 against 6.5 / 6.8.
With one channel the plain path is faster (NumPy merges the length-1 axis
and moves long runs already; DCGAN-28's last ConvTranspose2d(64, 1) at
batch 128: 1.1 ms against 1.7 by offsets), so it stays plain there.
"""
from ... import backend
from . import enabled
from ..im2col import _pair, col2im, conv_output_size


def product_col2im(A, W2, x_shape, kh, kw, stride, padding):
    """col2im(A @ W2, x_shape, kh, kw, stride, padding) for A (P, K') and W2
    (K', kh*kw*C) with columns ordered (i, j, c): dx (N, C, H, W), NCHW in
    shape, HWNC in memory.  The plain version, taken with the kernels off:
    ``col2im(A @ W2, ...)``, and for one channel (see above)."""
    if not enabled() or int(x_shape[1]) == 1:
        return col2im(A @ W2, x_shape, kh, kw, stride, padding)
    sh, sw = _pair(stride, "stride")
    ph, pw = _pair(padding, "padding")
    N, C, H, W = (int(d) for d in x_shape)
    OH, OW = conv_output_size(H, kh, sh, ph), conv_output_size(W, kw, sw, pw)
    if A.shape[0] != OH * OW * N or W2.shape[1] != kh * kw * C or A.shape[1] != W2.shape[0]:
        raise ValueError(f"product_col2im: A {tuple(A.shape)} @ W2 {tuple(W2.shape)} does not "
                         f"give ({OH * OW * N}, {kh * kw * C}) for x_shape {(N, C, H, W)}, "
                         f"kernel {kh}x{kw}, stride ({sh}, {sw}), padding ({ph}, {pw})")
    xp = backend.get_array_module(A)
    dtype = xp.result_type(A, W2)
    dxpad = xp.zeros((H + 2 * ph, W + 2 * pw, N, C), dtype=dtype)
    T = xp.empty((OH * OW * N, C), dtype=dtype)
    for i in range(kh):
        for j in range(kw):
            o = (i * kw + j) * C
            xp.matmul(A, W2[:, o:o + C], out=T)                   # column block (i, j)
            dxpad[i:i + sh * OH:sh, j:j + sw * OW:sw] += T.reshape(OH, OW, N, C)
    return dxpad[ph:ph + H, pw:pw + W].transpose(2, 3, 0, 1)
