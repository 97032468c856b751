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
# # 4. Algorithm 1 on a 1D normal: D*, −log 4, and the saturating gradient
#
# Goodfellow et al. (2014) train G and D by **Algorithm 1**: k steps of D, then one step of
# G, each on a minibatch. Here it is written out, every call visible, on the smallest data
# there is: real x ~ N(4, 1.25²). Then the paper's theory as numbers: the optimal
# D*(x) = p_data / (p_data + p_g), and C(G) = max_D V(G, D) = −log 4 + 2·JSD(p_data ‖ p_g),
# which reaches its minimum −log 4 when p_g = p_data.

# %%
import os

import matplotlib.pyplot as plt
import numpy as np

from scratchgan import backend, exercise, losses, nn, no_grad, optim, theory
from scratchgan.metrics import gaussian_kde, normal_pdf

DATA_DIR = None   # not needed here
USE_SOLUTIONS = os.environ.get("SCRATCHGAN_SOLUTIONS") == "1"   # CI fills in the solutions
ITERATIONS = 3000      # about 10 s; 20,000 for demos/normal_1d.py's full run
backend.manual_seed(0)
rng = np.random.RandomState(0)
MEAN, STD, Z = 4.0, 1.25, 8


def mlp(sizes, out=None):
    layers = []
    for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(nn.LeakyReLU(0.2))
    return nn.Sequential(*layers, *([out] if out else []))


G = mlp([Z, 32, 32, 1])
D = mlp([1, 32, 32, 1], nn.Sigmoid())
opt_G = optim.Adam(G.parameters(), lr=5e-4, betas=(0.5, 0.999))
opt_D = optim.Adam(D.parameters(), lr=5e-4, betas=(0.5, 0.999))
bce = losses.BCELoss()

# %% [markdown]
# ## The loop, written out
#
# D ascends log D(x) + log(1 − D(G(z))), i.e. descends BCE(D(x), 1) + BCE(D(G(z)), 0).
# G descends −log D(G(z)) (the non-saturating loss; below you will see why not the
# minimax log(1 − D(G(z)))). No autograd: each backward is called by hand, right to left,
# and told which forward it belongs to by that forward's output.

# %%
k, m = 1, 128
history = []
for it in range(1, ITERATIONS + 1):
    for _ in range(k):                                   # k steps of D
        opt_D.zero_grad()
        x = backend.asarray(rng.normal(MEAN, STD, (m, 1)).astype(np.float32))
        with no_grad():
            x_fake = G(backend.randn(m, Z))              # G is held fixed in D's step
        out_real, out_fake = D(x), D(x_fake)
        d_loss = bce(out_real, 1.0) + bce(out_fake, 0.0)
        D.backward(bce.backward(out_real), out_real)
        D.backward(bce.backward(out_fake), out_fake)
        opt_D.step()
    opt_G.zero_grad()                                    # one step of G
    x_fake = G(backend.randn(m, Z))
    out = D(x_fake)
    g_loss = bce(out, 1.0)
    with nn.frozen(D):                                   # G needs dL/dx', not D's gradients
        grad_fake = D.backward(bce.backward(out), out)
    G.backward(grad_fake, x_fake)
    opt_G.step()
    if it % 100 == 0:
        history.append((it, float(d_loss), float(g_loss)))

it, d_l, g_l = np.array(history).T
plt.plot(it, d_l, label="d_loss (→ 2 log 2 = 1.386)")
plt.plot(it, g_l, label="g_loss (→ log 2 = 0.693)")
plt.axhline(2 * np.log(2), ls=":", c="gray"), plt.axhline(np.log(2), ls=":", c="gray")
plt.xlabel("iteration"), plt.legend(), plt.show()

# %% [markdown]
# ## The theory, measured
#
# On a grid: p_data (known), p_g (a kernel density estimate of 20,000 samples of G),
# D* from the two, and the D we trained. C(G) should be close to −log 4 ≈ −1.386.

# %%
grid = np.linspace(-2, 10, 601)
with no_grad():
    samples = backend.to_host(G(backend.randn(20000, Z))).ravel()
    d_trained = backend.to_host(D(backend.asarray(grid[:, None].astype(np.float32)))).ravel()
p_data, p_g = normal_pdf(grid, MEAN, STD), gaussian_kde(samples)(grid)
d_star = theory.optimal_d(p_data, p_g)
print(f"G's samples: mean {samples.mean():.2f} (4), std {samples.std():.2f} (1.25)")
print(f"C(G) = {theory.c_of_g(p_data, p_g, grid):.4f}   (-log 4 = {-np.log(4):.4f}); "
      f"JSD = {theory.jsd(p_data, p_g, grid):.4f}")
print(f"V(G, D) with our D = {theory.value(p_data, p_g, d_trained, grid):.4f} <= C(G)")
plt.plot(grid, p_data, label="p_data"), plt.plot(grid, p_g, label="p_g (KDE)")
plt.plot(grid, d_star, "--", label="D* = p_data / (p_data + p_g)"), plt.plot(grid, d_trained, label="our D")
plt.axhline(0.5, ls=":", c="gray"), plt.xlim(-1, 9), plt.legend(), plt.show()
assert abs(theory.c_of_g(p_data, p_g, grid) + np.log(4)) < 0.05

# %% [markdown]
# ## Saturating and non-saturating gradients
#
# Write D(G(z)) = sigmoid(a), a the logit D's last layer computes. Derive, per sample, the
# gradient with respect to a of the two generator losses:
#
# * minimax: L = log(1 − D(G(z)))
# * non-saturating: L = −log D(G(z))

# %%
def minimax_grad(a):
    # TODO: dL/da for L = log(1 - sigmoid(a))
    raise NotImplementedError


def non_saturating_grad(a):
    # TODO: dL/da for L = -log sigmoid(a)
    raise NotImplementedError


if USE_SOLUTIONS:
    from solutions import minimax_grad, non_saturating_grad  # noqa: F811

# %%
exercise.check_generator_gradients(minimax_grad, non_saturating_grad)

# %% [markdown]
# Early in training D rejects G's samples: D(G(z)) ≈ 0, a very negative. Plot both
# gradients against D(G(z)):

# %%
a = np.linspace(-8, 8, 200)
p = 1 / (1 + np.exp(-a))
plt.plot(p, np.abs(minimax_grad(a)), label="|minimax| = D(G(z))")
plt.plot(p, np.abs(non_saturating_grad(a)), label="|non-saturating| = 1 - D(G(z))")
plt.xlabel("D(G(z))"), plt.ylabel("|dL/da|"), plt.legend(), plt.show()
confident = np.array([-6.0])                   # D(G(z)) = 0.0025: D is sure it is fake
print(f"where D(G(z)) = {1 / (1 + np.exp(6)):.4f}: minimax {minimax_grad(confident)[0]:.4f}, "
      f"non-saturating {non_saturating_grad(confident)[0]:.4f}")

# %% [markdown]
# Where G is worst (D(G(z)) near 0) the minimax gradient vanishes and G cannot learn:
# the loss *saturates*. The non-saturating loss has the same fixed point and a gradient
# near −1 there. `demos/saturation_1d.py` measures the difference on a whole training run,
# and the live page (`demos/live_2d.py`) shows it arrow by arrow.
