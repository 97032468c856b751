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
# # 5. DCGAN on MNIST, and what mode collapse looks like
#
# Radford et al. (2016): strided convolutions in D, transposed convolutions in G,
# BatchNorm, no pooling. First you write G's step (the chain rule through D into G), then
# the library's engine trains the same architecture for a short run. The full run is one
# variable away: set `ITERATIONS = 3000` (about 10 minutes on a laptop CPU).

# %%
import os
import warnings

import matplotlib.pyplot as plt
import numpy as np

from scratchgan import backend, exercise, models, nn, optim, viz
from scratchgan.data import ArraySampler, load_mnist
from scratchgan.gan import GANTrainer, normal_noise
from scratchgan.gan.diagnostics import diversity_ratio

DATA_DIR = None      # a folder with MNIST's .gz files (the demos' --data-dir); None: download to the cache
USE_SOLUTIONS = os.environ.get("SCRATCHGAN_SOLUTIONS") == "1"   # CI fills in the solutions
ITERATIONS = 150     # 3000 for the full run (demos/mnist_dcgan.py's default)
LATENT = 100
backend.manual_seed(0)

with warnings.catch_warnings():      # a folder with only the test split: 10,000 digits are enough
    warnings.simplefilter("ignore")
    images, labels = load_mnist(data_dir=DATA_DIR)
print(images.shape, images.dtype, images.min(), images.max())

# %% [markdown]
# ## G's step, by hand
#
# G wants D to call its images real: the non-saturating loss BCE(D(G(z)), 1). Its gradient
# reaches G's weights through D: `bce.backward` gives dL/dD(G(z)), `D.backward` turns that
# into dL/dG(z) (the gradient at each generated pixel), and `G.backward` takes it into G's
# weights. D must not learn from G's loss: wrap D's backward in `with nn.frozen(D):`.
# Each backward is told which forward it belongs to by that forward's output.

# %%
def g_step(G, D, bce, z):
    """Back-propagate BCE(D(G(z)), 1) into G's .grad (not D's)."""
    # TODO: x_fake = G(z); out = D(x_fake); the loss; then the three backwards
    raise NotImplementedError


if USE_SOLUTIONS:
    from solutions import g_step  # noqa: F811

# %%
exercise.check_g_step_gradients(g_step, lambda: models.dcgan28(latent_dim=LATENT))

# %% [markdown]
# ## A short run with the engine
#
# `GANTrainer` is Algorithm 1 (k D steps, then the G step you just wrote) with logging.

# %%
G, D = models.dcgan28(latent_dim=LATENT)
opt_G = optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
opt_D = optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
trainer = GANTrainer(G, D, opt_G, opt_D, ArraySampler(images), normal_noise(LATENT),
                     batch_size=64, monitor=None)
trainer.train(ITERATIONS, log_every=25, print_every=0, progress=False)
h = trainer.history
print(f"after {trainer.iteration} iterations: d_loss {h['d_loss'][-1]:.2f}, "
      f"g_loss {h['g_loss'][-1]:.2f}, D(x) {h['D_x'][-1]:.2f}, D(G(z)) {h['D_G_z'][-1]:.2f}")

samples = trainer.generate(64)
plt.figure(figsize=(5, 5))
plt.imshow(viz.make_grid(samples, nrow=8, normalize=True).transpose(1, 2, 0)), plt.axis("off")
plt.title(f"G after {trainer.iteration} iterations"), plt.show()

# %% [markdown]
# After 150 iterations the samples are blobs with strokes; after 3,000 they are digits.
#
# ## What mode collapse looks like
#
# A collapsed G draws a few images (or one) whatever z is: every sample looks alike. Two
# ways to see it: **look** (a grid of near-copies) and **measure** the spread of a batch of
# fakes against a batch of real images (`diversity_ratio`: about 1 when G is as varied as
# the data, near 0 when collapsed; the engine warns below 0.1). Below: our G, and a G that
# has collapsed to a single image.

# %%
real = images[np.random.RandomState(0).choice(len(images), 256, replace=False)]
ours = trainer.generate(256)
collapsed = np.repeat(ours[:1], 256, axis=0) + np.random.RandomState(1).normal(0, 0.02, ours.shape)
print(f"diversity: our G {diversity_ratio(ours, real):.2f}, "
      f"a collapsed G {diversity_ratio(collapsed.astype(np.float32), real):.3f}")
fig, ax = plt.subplots(1, 2, figsize=(8, 4))
for a, imgs, title in ((ax[0], ours[:36], "our G"), (ax[1], collapsed[:36], "a collapsed G")):
    a.imshow(viz.make_grid(imgs, nrow=6, normalize=True).transpose(1, 2, 0)), a.axis("off")
    a.set_title(title)
plt.show()

# %% [markdown]
# A partial collapse (some digits never drawn) is harder to see by eye; notebook 7 counts
# the classes with a classifier, and `demos/score_digits.py` does it for any demo's samples.
