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
# # 1. Backprop by hand: Linear, LeakyReLU, Sigmoid, BCE
#
# A GAN's discriminator on a flattened image is `Linear → LeakyReLU → Linear → Sigmoid`,
# trained with binary cross-entropy. Every gradient it needs is the chain rule through
# these four pieces. Here you write each backward yourself; a check cell compares your
# answer with **central finite differences** (float64) and with **scratchgan's own layer**,
# and tells you in words what is wrong if it is.
#
# Fill in each `TODO`, run the cell, then run the check below it.

# %%
import os

import numpy as np

from scratchgan import exercise, gradcheck, losses, nn

DATA_DIR = None   # not needed here (the demos' --data-dir; notebooks 5-7 read MNIST from it)
USE_SOLUTIONS = os.environ.get("SCRATCHGAN_SOLUTIONS") == "1"   # CI fills in the solutions
np.random.seed(0)

# %% [markdown]
# ## Linear: y = x Wᵀ + b
#
# Shapes as PyTorch's `nn.Linear`: x (N, D), W (M, D), b (M,), y (N, M).
# Given dy = ∂L/∂y, write dx = ∂L/∂x, dW = ∂L/∂W and db = ∂L/∂b.
# Hint: write one entry, y[n, m] = Σ_d x[n, d] W[m, d] + b[m], and ask which entries
# of y each x[n, d] touches.

# %%
def linear_backward(dy, x, W):
    """dy (N, M), x (N, D), W (M, D) -> (dx (N, D), dW (M, D), db (M,))."""
    # TODO: three lines of matrix products and a sum
    raise NotImplementedError


if USE_SOLUTIONS:
    from solutions import linear_backward  # noqa: F811

# %%
exercise.check_linear_backward(linear_backward)

# %% [markdown]
# ## LeakyReLU: y = x where x > 0, slope · x elsewhere
#
# The backward is a *gate*: it lets the gradient through where the unit was active.
# (Forgetting the gate, returning dy unchanged, is the classic bug: try it and read the
# check's message.)

# %%
def leaky_relu_backward(dy, x, slope=0.2):
    """dy, x (same shape) -> dx."""
    # TODO
    raise NotImplementedError


if USE_SOLUTIONS:
    from solutions import leaky_relu_backward  # noqa: F811

# %%
exercise.check_leaky_relu_backward(leaky_relu_backward)

# %% [markdown]
# ## Sigmoid: y = 1 / (1 + e⁻ˣ)
#
# Write the backward with the forward's *output* y (that is what a layer keeps).

# %%
def sigmoid_backward(dy, y):
    """dy, y = sigmoid(x) -> dx."""
    # TODO
    raise NotImplementedError


if USE_SOLUTIONS:
    from solutions import sigmoid_backward  # noqa: F811

# %%
exercise.check_sigmoid_backward(sigmoid_backward)

# %% [markdown]
# ## Binary cross-entropy: L = −mean(t log p + (1 − t) log(1 − p))
#
# The mean is over all N entries of p, so each gradient carries a 1/N.

# %%
def bce_backward(p, t):
    """p, t (N, 1) -> dL/dp (N, 1)."""
    # TODO
    raise NotImplementedError


if USE_SOLUTIONS:
    from solutions import bce_backward  # noqa: F811

# %%
exercise.check_bce_backward(bce_backward)

# %% [markdown]
# ## All four, chained: D's gradient on a real minibatch
#
# Now put your pieces together into a whole discriminator and compare with scratchgan's
# `nn.Sequential` doing the same: the chain rule is just your four backwards, right to left.

# %%
D = nn.Sequential(nn.Linear(6, 8), nn.LeakyReLU(0.2), nn.Linear(8, 1), nn.Sigmoid()).astype(np.float64)
x = np.random.randn(5, 6)
t = np.ones((5, 1))                        # real data: target 1
W1, b1, W2, b2 = (p.data for p in D.parameters())

h = x @ W1.T + b1                          # forward, by hand
a = np.where(h > 0, h, 0.2 * h)
s = a @ W2.T + b2
p = 1 / (1 + np.exp(-s))

dp = bce_backward(p, t)                    # backward, by hand, right to left
ds = sigmoid_backward(dp, p)
da, dW2, db2 = linear_backward(ds, a, W2)
dh = leaky_relu_backward(da, h)
dx, dW1, db1 = linear_backward(dh, x, W1)

bce = losses.BCELoss()                     # the library, the same way
out = D(x)
bce(out, t)
D.backward(bce.backward(out), out)
for name, mine, q in zip(("dW1", "db1", "dW2", "db2"), (dW1, db1, dW2, db2), D.parameters()):
    print(f"{name}: largest difference from scratchgan's {np.abs(mine - q.grad).max():.1e}")

# %% [markdown]
# And the library's own check, `scratchgan.gradcheck`, which does for any module what the
# check cells did for your functions: finite differences in float64, every parameter.

# %%
errors = gradcheck(D, x)
print({k: f"{v:.1e}" for k, v in errors.items()})
assert max(errors.values()) < 1e-6
