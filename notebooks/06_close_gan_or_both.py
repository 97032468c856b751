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
# # 6. "Close", "GAN", or both: pix2pix's lesson, measured
#
# pix2pix (Isola et al. 2017) translates an input image into an output image with a
# U-Net G, judged by a PatchGAN D that scores patches of the pair (input, output):
#
#     L_G = BCE(D(x, G(x)), 1) + λ · mean|G(x) − y|        λ = 100
#
# The lecture's slide: with the "close" (L1) loss alone the output is **blurry**, the
# average of every image the input could have come from; with the GAN alone it is
# **sharp** but may drift from the target; with both it is sharp and close. Here the task
# is ambiguous on purpose: from the **top half** of a digit, draw the whole digit
# (a 7 or a 9?). A small run of each, from the same start, then measured: and the
# measurement says something more precise than "blurry".

# %%
import os
import warnings

import matplotlib.pyplot as plt
import numpy as np

from scratchgan import backend, exercise, losses, nn, optim, viz
from scratchgan.data import load_mnist, translation

DATA_DIR = None      # a folder with MNIST's .gz files (the demos' --data-dir); None: download to the cache
USE_SOLUTIONS = os.environ.get("SCRATCHGAN_SOLUTIONS") == "1"   # CI fills in the solutions
ITERATIONS = 200     # per loss; demos/pix2pix.py --compare runs the full lesson
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    images, labels = load_mnist(data_dir=DATA_DIR)
x_all, y_all = translation.paired(translation.pad32(images[:4000]), "tophalf")
x_test, y_test = translation.paired(translation.pad32(images[-200:]), "tophalf")

# %% [markdown]
# ## One output, two losses
#
# G(x) feeds two losses, so its gradient is the **sum** of what each sends back: the
# adversarial one (what `D.backward` returns at G(x)) plus λ times the L1 one. The L1
# loss mean|G(x) − y| has gradient sign(G(x) − y) / (number of pixels).

# %%
def g_output_grad(grad_adv, fake, target, lam):
    """dL_G/dG(x), given grad_adv = d BCE(D(x, G(x)), 1) / dG(x)."""
    # TODO
    raise NotImplementedError


if USE_SOLUTIONS:
    from solutions import g_output_grad  # noqa: F811

# %%
exercise.check_pix2pix_grad(g_output_grad)

# %% [markdown]
# ## Small networks, a short run of each loss
#
# A 3-level U-Net (skip connections by `nn.SkipConcat`: each level's input is concatenated
# to its output) and a PatchGAN ending in logits (so `BCEWithLogitsLoss`).

# %%
def unet(c=8):
    inner = nn.SkipConcat(nn.Sequential(                       # 8x8 -> 4x4 -> 8x8
        nn.LeakyReLU(0.2), nn.Conv2d(2 * c, 4 * c, 4, 2, 1),
        nn.ReLU(), nn.ConvTranspose2d(4 * c, 2 * c, 4, 2, 1), nn.BatchNorm2d(2 * c)))
    middle = nn.SkipConcat(nn.Sequential(                      # 16x16 -> 8x8 -> 16x16
        nn.LeakyReLU(0.2), nn.Conv2d(c, 2 * c, 4, 2, 1), nn.BatchNorm2d(2 * c), inner,
        nn.ReLU(), nn.ConvTranspose2d(4 * c, c, 4, 2, 1), nn.BatchNorm2d(c)))
    return nn.Sequential(nn.Conv2d(1, c, 4, 2, 1), middle,    # 32x32 -> 16x16 -> 32x32
                         nn.ReLU(), nn.ConvTranspose2d(2 * c, 1, 4, 2, 1), nn.Tanh())


def patch_d(c=8):
    return nn.Sequential(nn.Conv2d(2, c, 4, 2, 1), nn.LeakyReLU(0.2),
                         nn.Conv2d(c, 2 * c, 4, 2, 1), nn.BatchNorm2d(2 * c), nn.LeakyReLU(0.2),
                         nn.Conv2d(2 * c, 1, 4, 1, 1))         # 7x7 patch logits


def train(loss, iterations=ITERATIONS, m=32, lam=100.0):
    use_gan, use_l1 = loss in ("gan", "gan+l1"), loss in ("l1", "gan+l1")
    backend.manual_seed(0)                                    # every loss from the same start
    rs = np.random.RandomState(0)
    G, D = unet(), patch_d()
    opt_G = optim.Adam(G.parameters(), lr=2e-3, betas=(0.5, 0.999))
    opt_D = optim.Adam(D.parameters(), lr=2e-3, betas=(0.5, 0.999))
    bce = losses.BCEWithLogitsLoss()
    for _ in range(iterations):
        idx = rs.randint(0, len(x_all), m)
        x, y = backend.asarray(x_all[idx]), backend.asarray(y_all[idx])
        fake = G(x)
        if use_gan:                                           # D's step on (x, y) and (x, G(x))
            opt_D.zero_grad()
            out_real, out_fake = D(nn.concat(x, y)[0]), D(nn.concat(x, fake)[0])
            bce(out_real, 1.0), bce(out_fake, 0.0)
            D.backward(bce.backward(out_real) / 2, out_real)
            D.backward(bce.backward(out_fake) / 2, out_fake)
            opt_D.step()
        opt_G.zero_grad()                                     # G's step: both losses at G(x)
        grad_adv = 0.0
        if use_gan:
            pair, split = nn.concat(x, fake)
            out = D(pair)
            bce(out, 1.0)
            with nn.frozen(D):
                _, grad_adv = split(D.backward(bce.backward(out), out))
        if use_l1:
            grad = g_output_grad(grad_adv, fake, y, lam)
        else:
            grad = grad_adv
        G.backward(grad.astype(fake.dtype), fake)
        opt_G.step()
    with nn.no_grad():
        return backend.to_host(G(backend.asarray(x_test)))


outputs = {loss: train(loss) for loss in ("l1", "gan", "gan+l1")}

# %% [markdown]
# ## The lesson, measured
#
# * **L1 to the target**: how close each output is to the true digit.
# * **mid-grey share**: pixels in the band |v| < 0.5, neither background (−1) nor ink
#   (+1): grey blur.
# * **ink share**: pixels brighter than mid-grey (v > 0): how much of the digit is drawn.

# %%
for loss, out in outputs.items():
    print(f"{loss:>7}: L1 to the target {np.abs(out - y_test).mean():.3f}, "
          f"mid-grey share {(np.abs(out) < 0.5).mean():.3f}, ink share {(out > 0).mean():.3f}")
print(f" target: mid-grey share {(np.abs(y_test) < 0.5).mean():.3f}, ink share {(y_test > 0).mean():.3f}")
fig, ax = plt.subplots(5, 1, figsize=(10, 6))
for a, (title, imgs) in zip(ax, [("input", x_test), ("target", y_test)]
                            + [(k, v) for k, v in outputs.items()]):
    a.imshow(viz.make_grid(imgs[:12], nrow=12, normalize=True, value_range=(-1, 1)).transpose(1, 2, 0))
    a.set_ylabel(title, rotation=0, ha="right"), a.set_xticks([]), a.set_yticks([])
plt.show()
ink = {k: (v > 0).mean() for k, v in outputs.items()}
assert ink["l1"] < ink["gan+l1"], ink        # L1 alone leaves strokes out; the GAN term draws them

# %% [markdown]
# What the numbers say: L1 alone is not grey here, it is **thin**: it draws less ink than
# the real digits. L1's optimum is the *median* of the possible completions, and for a
# stroke that may or may not be there the median pixel is background, so uncertain strokes
# are left out (the mean, which MSE would give, is the grey blur of the slide). The GAN
# term punishes an output that looks unlike a digit, so "GAN + close" commits to strokes
# and restores the ink, while L1 keeps it near the right digit. `demos/pix2pix.py
# --compare` runs the full lesson on two tasks, with a classifier judging which digit each
# output shows (README: ink 0.072 for L1 alone, 0.097 for both, 0.103 for real digits).
