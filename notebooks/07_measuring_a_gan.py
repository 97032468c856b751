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
# # 7. Measuring a GAN: FID and Inception Score
#
# A GAN's losses do not say whether its images are good. The lectures quote two numbers
# (BigGAN's table has both), computed with a classifier trained on real images:
#
# * **FID** (Heusel et al. 2017): fit a Gaussian to the classifier's *features* of real
#   images and another to those of generated ones; FID is the Fréchet distance between the
#   two Gaussians, ‖μ_r − μ_g‖² + Tr(Σ_r + Σ_g − 2 (Σ_r^½ Σ_g Σ_r^½)^½). Lower is better.
# * **Inception Score** (Salimans et al. 2016): exp E_x KL(p(y|x) ‖ p(y)), high when each
#   image is confidently one class and all classes appear. Higher is better.
#
# The papers use Inception-v3 trained on ImageNet; for digits we train the library's small
# judge (`scratchgan.judge`) on MNIST and use its 128 features (`judge.features`).

# %%
import os
import warnings

import matplotlib.pyplot as plt
import numpy as np

from scratchgan import exercise, judge, metrics
from scratchgan.data import load_mnist

DATA_DIR = None      # a folder with MNIST's .gz files (the demos' --data-dir); None: download to the cache
USE_SOLUTIONS = os.environ.get("SCRATCHGAN_SOLUTIONS") == "1"   # CI fills in the solutions
EPOCHS = 2           # the judge's training; 6 in demos/score_digits.py
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    images, labels = load_mnist(data_dir=DATA_DIR)
order = np.random.RandomState(0).permutation(len(images))
train, held = order[:5000], order[5000:10000]          # the judge's (and a "training set"), and held-out real
model, accuracy, _ = judge.fit_classifier(images[train], labels[train], epochs=EPOCHS, holdout=1000,
                                          verbose=False)
print(f"the judge reads {accuracy:.1%} of its held-out digits right")
f_train, f_held = judge.features(model, images[train]), judge.features(model, images[held])

# %% [markdown]
# ## Write FID yourself
#
# From two feature arrays (N, d) and (M, d): the means, the covariances
# (`np.cov(f, rowvar=False)`), and the matrix square roots. A symmetric PSD matrix S has
# S^½ = V diag(√w) Vᵀ from its eigen-decomposition `w, V = np.linalg.eigh(S)`; and
# Σ_r^½ Σ_g Σ_r^½ is symmetric PSD too, so the trace of its square root is the sum of the
# square roots of its eigenvalues (clip tiny negative ones from rounding at 0).

# %%
def frechet_distance(features_a, features_b):
    # TODO
    raise NotImplementedError


if USE_SOLUTIONS:
    from solutions import frechet_distance  # noqa: F811

# %%
exercise.check_frechet_distance(frechet_distance)

# %% [markdown]
# ## FID falls as samples improve
#
# We have no GAN here, so we make "generators" of known quality: held-out real digits with
# more and more noise added, and blurred. Real against real is the floor (two samples of
# the same distribution differ a little).

# %%
rs = np.random.RandomState(1)
real = images[held]
floor = metrics.frechet_distance(f_train, f_held)
print(f"real vs real (5,000 each): FID {floor:.2f}")
noise_levels = [0.0, 0.1, 0.2, 0.4, 0.8]
fids = []
for s in noise_levels:
    noisy = np.clip(real + rs.normal(0, s, real.shape), -1, 1).astype(np.float32)
    fids.append(metrics.frechet_distance(f_train, judge.features(model, noisy)))
    print(f"noise std {s:.1f}: FID {fids[-1]:8.2f}")
blurred = ((real + np.roll(real, 1, 2) + np.roll(real, -1, 2) + np.roll(real, 1, 3)
            + np.roll(real, -1, 3)) / 5).astype(np.float32)
print(f"blurred: FID {metrics.frechet_distance(f_train, judge.features(model, blurred)):.2f}")
plt.plot(noise_levels, fids, "o-"), plt.xlabel("noise std added to real digits"), plt.ylabel("FID")
plt.show()
assert all(a < b for a, b in zip(fids, fids[1:]))      # worse samples, higher FID

# %% [markdown]
# ## Inception Score, and mode collapse
#
# IS rewards confident, varied classes. A collapsed generator drawing only ones is perfectly
# confident but uses one class: IS near 1, while real digits score far higher (at most 10,
# the number of classes; about 7 with our briefly trained judge, whose confidence caps it). FID sees the collapse too: the features of ones are far from those of all digits.

# %%
ones = real[labels[held] == 1][:1000]
for name, x in (("real digits", real), ("only ones (collapsed)", ones),
                ("noise std 0.8", np.clip(real + rs.normal(0, 0.8, real.shape), -1, 1).astype(np.float32))):
    mean, std = metrics.inception_score(judge.predict(model, x), splits=10)
    fid = metrics.frechet_distance(f_train, judge.features(model, x))
    print(f"{name:>22}: IS {mean:5.2f} ± {std:.2f}   FID {fid:8.2f}")

# %% [markdown]
# ## What FID misses
#
# A "generator" that hands back its **training set** copies digits it has seen: it has
# learned nothing a GAN should, yet against the training set's statistics (as FID is often
# computed) it scores a perfect 0, better than new real digits do. FID compares
# distributions of features; it cannot tell a new digit from a memorised one. (That is why papers also
# look for nearest neighbours in the training set, as `demos/bagan.py` does.)
# And FID depends on the number of samples: fewer samples, a noisier covariance, a higher
# FID for the very same distribution: compare at equal sizes.

# %%
copied = judge.features(model, images[train])             # G returns its training digits
print(f"against the training set: a copier's FID {metrics.frechet_distance(f_train, copied):.2f}, "
      f"new real digits' FID {metrics.frechet_distance(f_train, f_held):.2f}")
for n in (250, 1000, 5000):
    print(f"held-out real, {n:>5} samples vs 5,000: FID {metrics.frechet_distance(f_train, f_held[:n]):.2f}")
