"""Metrics: KS distance, normal CDF/PDF, kernel density estimate, mode statistics."""
import math

import numpy
import pytest

from scratchgan.metrics import (gaussian_kde, ks_distance, mode_stats, normal_cdf,
                                normal_pdf)


def test_normal_cdf_and_pdf():
    assert normal_cdf(numpy.array([0.0]))[0] == pytest.approx(0.5)
    assert normal_cdf(numpy.array([5.25]), 4.0, 1.25)[0] == pytest.approx(0.8413447, abs=1e-7)
    expected = 1 / (2 * math.sqrt(2 * math.pi))
    assert normal_pdf(numpy.array([4.0]), 4.0, 2.0)[0] == pytest.approx(expected)


def test_ks_one_sample_exact_small_case():
    # samples 0.25, 0.75 against U(0, 1): ECDF jumps 0 -> 1/2 -> 1, D = 1/4
    assert ks_distance(numpy.array([0.75, 0.25]), lambda x: x) == pytest.approx(0.25)
    assert ks_distance(numpy.array([0.5]), lambda x: x) == pytest.approx(0.5)


def test_ks_of_true_and_shifted_samples():
    rng = numpy.random.RandomState(0)
    x = rng.normal(4.0, 1.25, 10000)
    assert ks_distance(x, lambda t: normal_cdf(t, 4.0, 1.25)) < 0.02
    # N(0.5, 1) vs N(0, 1): sup |Phi(t - 0.5) - Phi(t)| = 2 Phi(0.25) - 1 = 0.1974
    y = rng.normal(0.5, 1.0, 20000)
    assert ks_distance(y, normal_cdf) == pytest.approx(0.1974, abs=0.015)


def test_ks_two_sample():
    rng = numpy.random.RandomState(1)
    a, b = rng.normal(0, 1, 5000), rng.normal(0, 1, 5000)
    assert ks_distance(a, b) < 0.04
    assert ks_distance(a, a + 10) == 1.0
    assert ks_distance(numpy.array([1.0, 2.0]), numpy.array([1.0, 2.0])) == 0.0


def test_gaussian_kde_is_a_density_close_to_the_truth():
    rng = numpy.random.RandomState(2)
    s = rng.normal(0, 1, 4000)
    p = gaussian_kde(s)
    grid = numpy.linspace(-6, 6, 2001)
    assert p(grid).sum() * (grid[1] - grid[0]) == pytest.approx(1.0, abs=1e-3)
    assert numpy.abs(p(grid) - normal_pdf(grid)).max() < 0.03
    # 2D, with an explicit bandwidth: a single point gives the kernel itself
    p2 = gaussian_kde(numpy.zeros((1, 2)), bandwidth=1.0)
    assert p2(numpy.zeros((1, 2)))[0] == pytest.approx(1 / (2 * math.pi))


def test_gaussian_kde_of_a_collapsed_sample_is_finite():
    p = gaussian_kde(numpy.full(100, 3.0))
    assert numpy.isfinite(p(numpy.array([3.0, 4.0]))).all()


def test_mode_stats():
    centres = numpy.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    std = 0.01
    perfect = numpy.repeat(centres, 25, axis=0)
    m = mode_stats(perfect, centres, std)
    assert (m["modes"], m["n_modes"], m["high_quality"], m["reverse_kl"]) == (4, 4, 1.0, 0.0)
    collapsed = numpy.repeat(centres[:1], 100, axis=0)
    m = mode_stats(collapsed, centres, std)
    assert m["modes"] == 1 and m["reverse_kl"] == pytest.approx(math.log(4))
    # half the samples far from every mode: low quality, not counted for coverage
    mixed = numpy.concatenate([perfect[:50], numpy.full((50, 2), 0.5)])
    m = mode_stats(mixed, centres, std)
    assert m["high_quality"] == 0.5 and m["modes"] == 2
    assert list(m["counts"]) == [25, 25, 0, 0]
    # 3 std is the boundary of high quality
    m = mode_stats(numpy.array([[0.029, 0.0], [0.031, 0.0]]), centres, std)
    assert m["high_quality"] == 0.5
    assert mode_stats(numpy.full((3, 2), 0.5), centres, std)["reverse_kl"] == math.inf


def test_mode_stats_tells_captured_from_well_covered():
    import numpy as np
    from scratchgan.metrics import mode_stats
    centres = np.array([[0.0, 0.0], [10.0, 0.0]])
    good_a = np.zeros((50, 2))                                  # all on mode A
    near_b = np.array([[10.0, 0.0]] * 2 + [[7.0, 0.0]] * 8)     # B: 2 of 10 samples good
    m = mode_stats(np.concatenate([good_a, near_b]), centres, std=0.1)
    assert m["modes"] == 2 and m["well_covered"] == 1
    np.testing.assert_allclose(m["mode_quality"], [1.0, 0.2])
