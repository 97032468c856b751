# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 3. Convolution as a matrix: im2col, Conv2d's backward, and ConvTranspose2d
#
# A convolution slides a kernel over the image. Written out it is six nested loops
# (`scratchgan.nn.conv.conv2d_simple`, the library's naive twin). **im2col** turns it into
# one matrix product: copy every window the kernel sees into a row, and the convolution is
# `rows @ kernels`. Then the backward is two more matrix products, and
# **col2im** adds each window's gradient back where the window came from.

# %%
import os

import numpy as np

from scratchgan import exercise, nn
from scratchgan.nn.conv import conv2d_simple

DATA_DIR = None   # not needed here
USE_SOLUTIONS = os.environ.get("SCRATCHGAN_SOLUTIONS") == "1"   # CI fills in the solutions

# %% [markdown]
# ## im2col
#
# For x (N, C, H, W), a kh × kw kernel, stride s and zero padding p, the output is
# OH × OW with OH = (H + 2p − kh) / s + 1. Row (n, oh, ow) of the result holds the window
# `xpad[n, :, oh·s : oh·s + kh, ow·s : ow·s + kw]`, flattened in the order (c, i, j).
# A loop over the kernel's kh·kw taps (not over pixels) is enough: for tap (i, j), the
# pixels it sees in every window are one strided slice of xpad.

# %%
def im2col(x, kh, kw, stride, pad):
    """x (N, C, H, W) -> (N*OH*OW, C*kh*kw)."""
    # TODO
    raise NotImplementedError


if USE_SOLUTIONS:
    from solutions import im2col  # noqa: F811

# %%
exercise.check_im2col(im2col)

# %% [markdown]
# The convolution is now one product. With the kernels as rows of W (O, C·kh·kw):

# %%
rng = np.random.RandomState(0)
x, W, b = rng.randn(2, 3, 6, 6), rng.randn(4, 3, 3, 3), rng.randn(4)
cols = im2col(x, 3, 3, 1, 1)                                   # (2*6*6, 27)
y = (cols @ W.reshape(4, -1).T + b).reshape(2, 6, 6, 4).transpose(0, 3, 1, 2)
print("im2col + GEMM vs the loops:", np.abs(y - conv2d_simple(x, W, b, (1, 1), (1, 1))).max())

# %% [markdown]
# ## Conv2d's backward
#
# With `dy_rows` = dy as rows (N·OH·OW, O), the forward `y_rows = cols @ W_rowsᵀ + b` is a
# Linear layer on the windows, so (notebook 1):
#
#     dW_rows = dy_rowsᵀ @ cols        db = Σ dy_rows        dcols = dy_rows @ W_rows
#
# and dx is **col2im(dcols)**: every window's gradient added back into the pixels it came
# from (windows overlap, so pixels collect several), padding dropped. Write col2im as the
# mirror of your im2col (`+=` where im2col copied), then the backward.

# %%
def conv2d_backward(dy, x, W, stride, pad):
    """dy (N, O, OH, OW), x (N, C, H, W), W (O, C, kh, kw) -> (dx, dW, db)."""
    # TODO: cols, dy_rows, dW, db, dcols, then col2im
    raise NotImplementedError


if USE_SOLUTIONS:
    from solutions import conv2d_backward  # noqa: F811

# %%
exercise.check_conv2d_backward(conv2d_backward)

# %% [markdown]
# ## Why ConvTranspose2d is Conv2d's gradient
#
# DCGAN's generator upsamples with `ConvTranspose2d`. Its forward is *exactly* the input
# gradient of a Conv2d with the same weights: take a 4×4, stride-2 convolution from
# 8×8 down to 4×4; its dx maps a 4×4 gradient back up to 8×8. A transposed convolution
# maps 4×4 up to 8×8 the same way. Check it, number for number:

# %%
C_in, C_out = 3, 5
W = rng.randn(C_in, C_out, 4, 4)             # ConvTranspose2d's weight: (in, out, kh, kw)
h = rng.randn(2, C_in, 4, 4)                 # a small feature map
up = nn.ConvTranspose2d(C_in, C_out, 4, stride=2, padding=1, bias=False).astype(np.float64)
up.weight.data[...] = W
y_transposed = up(h)                          # (2, 5, 8, 8)

# The Conv2d going the other way, 5 -> 3 channels, 8x8 -> 4x4, uses the same array as its
# weight (O=3, C=5): its input gradient for "dy" = h is the transposed convolution of h.
dx, _, _ = conv2d_backward(h, np.zeros((2, C_out, 8, 8)), W, 2, 1)
print("ConvTranspose2d(h) vs Conv2d's dx for dy = h:", np.abs(y_transposed - dx).max())

# %% [markdown]
# So "transposed convolution" is not an inverse of convolution: it is its transpose, the
# matrix Aᵀ when the convolution is y = A x. Its own backward is then a plain convolution,
# which is how `scratchgan/nn/conv_transpose.py` computes it.
