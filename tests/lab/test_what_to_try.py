"""The README's "what to try" on the live page, as numbers a learner gets (seed 0)."""
import numpy as np
import pytest

from scratchgan import backend, metrics
from scratchgan.data import toy
from scratchgan.lab import LabSession

RING = backend.to_host(toy.ring_centres(8, 1.0))


def well_covered(s):
    x = backend.to_host(s.G(s.noise(2000)))
    return metrics.mode_stats(x, RING, 0.05)["well_covered"]


def covered_over_time(iterations=2000, every=250, **settings):
    s = LabSession(seed=0, **settings)
    out = []
    for i in range(1, iterations + 1):
        s.step()
        if i % every == 0:
            out.append(well_covered(s))
    return out


def test_the_ring_spreads_from_a_blob_to_all_modes_and_k5_does_worse():
    k1, k5 = covered_over_time(), covered_over_time(k=5)
    assert max(k1[:2]) <= 1                     # by iteration 500: a blob, at most 1 mode
    assert k1[-1] >= 7 and max(k1) == 8         # by 2,000: all 8 (README: 8 of 8)
    assert 3 <= k5[-1] <= 7 and k5[-1] < k1[-1]   # k = 5: D too strong, G chases modes (6)


def test_one_noise_dimension_cannot_cover_eight_separate_modes():
    assert max(covered_over_time(noise_dim=1)) <= 2   # a line threading the modes


def test_a_confident_d_silences_the_minimax_arrows():
    s = LabSession(seed=0, lr_d=0.01)
    for _ in range(300):
        s.step_d()
    lengths = {}
    for g in ("non_saturating", "minimax", "least_squares"):
        s.change({"g_objective": g})
        lengths[g] = np.linalg.norm(s.frame()["grad"], axis=1).mean()
    assert lengths["non_saturating"] == pytest.approx(14.3, rel=0.1)          # README: 14
    assert lengths["minimax"] < 0.01 and lengths["least_squares"] < 0.01      # README: 0.003, 0.005
