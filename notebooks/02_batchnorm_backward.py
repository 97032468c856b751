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
# # 2. BatchNorm's backward: node by node, then the three-term form
#
# DCGAN's generator puts a BatchNorm after almost every layer. Its forward, for x (N, D),
# one feature at a time over the batch:
#
#     mu = mean(x)            xmu = x − mu          var = mean(xmu²)
#     sigma = sqrt(var + eps) x_hat = xmu / sigma   y = gamma · x_hat + beta
#
# x reaches y by three roads: directly through x_hat, through mu, and through var.
# First walk the graph backwards **one node at a time**; then derive the compact
# **three-term form** that the library uses. A check compares both with finite differences.

# %%
import os

import numpy as np

from scratchgan import exercise, nn

DATA_DIR = None   # not needed here
USE_SOLUTIONS = os.environ.get("SCRATCHGAN_SOLUTIONS") == "1"   # CI fills in the solutions


def batchnorm_forward(x, gamma, beta, eps=1e-5):
    """Training-mode BatchNorm of x (N, D); returns y and what the backward needs."""
    mu = x.mean(axis=0, keepdims=True)
    xmu = x - mu
    var = (xmu ** 2).mean(axis=0, keepdims=True)
    sigma = np.sqrt(var + eps)
    xhat = xmu / sigma
    y = gamma * xhat + beta
    return y, (x, xmu, var, sigma, xhat, gamma, eps)


# %% [markdown]
# ## Node by node
#
# Go right to left through the six lines above, one gradient per line:
# dbeta, dgamma, dx_hat, then dsigma, dvar, dxmu, dmu and finally dx.
# Two places need care: xmu is used twice (in x_hat and in var), so its gradient is a
# sum of two terms; and mu is a mean, so each x gets 1/N of dmu.

# %%
def batchnorm_backward_nodes(dy, cache):
    x, xmu, var, sigma, xhat, gamma, eps = cache
    # TODO: one line per node of the forward, right to left
    raise NotImplementedError


if USE_SOLUTIONS:
    from solutions import batchnorm_backward_nodes  # noqa: F811

# %%
exercise.check_batchnorm_backward(batchnorm_backward_nodes, "batchnorm_backward_nodes")

# %% [markdown]
# ## The three-term form
#
# Substituting the nodes into each other, everything collapses to
#
#     dx = gamma / sigma · ( dy − mean(dy) − x_hat · mean(dy · x_hat) )
#
# three terms: the direct road, the road through the mean, the road through the variance.
# Derive it (or trust it and write it), with dbeta = Σ dy and dgamma = Σ dy · x_hat.

# %%
def batchnorm_backward_three_terms(dy, cache):
    x, xmu, var, sigma, xhat, gamma, eps = cache
    # TODO: dbeta, dgamma, then dx in one line
    raise NotImplementedError


if USE_SOLUTIONS:
    from solutions import batchnorm_backward_three_terms  # noqa: F811

# %%
exercise.check_batchnorm_backward(batchnorm_backward_three_terms, "batchnorm_backward_three_terms")

# %% [markdown]
# ## The library's layer is the three-term form
#
# `nn.BatchNorm1d`'s backward (in `scratchgan/nn/norm.py`) is the same formula, in float32
# and with the per-channel sums done by BLAS. Same numbers:

# %%
rng = np.random.RandomState(0)
x, dy = rng.randn(16, 4) * 3 + 1, rng.randn(16, 4)
bn = nn.BatchNorm1d(4).astype(np.float64)
y = bn(x)
dx_library = bn.backward(dy, y)
dx_yours, _, _ = batchnorm_backward_three_terms(dy, batchnorm_forward(x, bn.weight.data, bn.bias.data)[1])
print(f"largest difference: {np.abs(dx_library - dx_yours).max():.1e}")

# %% [markdown]
# Why it matters for GANs: the mean and variance couple the samples of a batch, so a real
# batch and a fake batch through the same BatchNorm D would be normalised differently from
# one joint batch. That is why the engine sends real and fake through D separately when D
# has BatchNorm (Algorithm 1's two passes), and why the gradient of one sample depends on
# the others: the last two terms above.
