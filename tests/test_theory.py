"""scratchgan.theory: JSD, C(G) = -log 4 + 2 JSD, V(G, D) and D* on a grid,
against closed forms and high-precision quadrature."""
import math

import numpy as np
import pytest

from scratchgan import theory
from scratchgan.metrics import normal_pdf

X = np.linspace(-12, 14, 4001)


def jsd_unit_normals(mu):
    """JSD(N(0,1) || N(mu,1)) to ~1e-13 by Gauss-Hermite quadrature of its closed-form integrand:
    by symmetry JSD = log 2 - E_{x~N(0,1)} softplus(mu x - mu^2 / 2)."""
    t, w = np.polynomial.hermite_e.hermegauss(300)
    return math.log(2) - float((w * np.logaddexp(0, mu * t - mu * mu / 2)).sum() / w.sum())


@pytest.mark.parametrize("mu", [0.0, 0.3, 1.0, 2.5, 6.0])
def test_jsd_of_two_normals_matches_quadrature(mu):
    p, q = normal_pdf(X, 0, 1), normal_pdf(X, mu, 1)
    assert theory.jsd(p, q, X) == pytest.approx(jsd_unit_normals(mu), abs=1e-9)
    assert theory.c_of_g(p, q, X) == pytest.approx(-math.log(4) + 2 * jsd_unit_normals(mu),
                                                   abs=2e-9)


def test_jsd_closed_forms():
    p = normal_pdf(X, 1.0, 2.0)
    assert theory.jsd(p, p, X) == 0.0
    assert theory.c_of_g(p, p, X) == pytest.approx(-math.log(4), abs=1e-15)    # the optimum
    a = ((X >= 0) & (X <= 1)).astype(float)                # disjoint supports: log 2
    b = ((X >= 3) & (X <= 4)).astype(float)
    assert theory.jsd(a, b, X) == pytest.approx(math.log(2), abs=1e-12)
    assert theory.c_of_g(a, b, X) == pytest.approx(0.0, abs=1e-12)


def test_value_is_maximised_by_the_optimal_discriminator():
    p, q = normal_pdf(X, 0, 1), normal_pdf(X, 1.5, 0.7)
    d_star = theory.optimal_d(p, q)
    c = theory.c_of_g(p, q, X)
    assert theory.value(p, q, d_star, X) == pytest.approx(c, abs=1e-9)        # Theorem 1
    assert theory.value(p, q, np.full_like(X, 0.5), X) == pytest.approx(-math.log(4), abs=1e-12)
    r = np.random.RandomState(0)
    for _ in range(5):                                     # any other D scores lower
        d = np.clip(d_star + r.uniform(-0.2, 0.2, X.shape), 0.01, 0.99)
        assert theory.value(p, q, d, X) < c


def test_theory_refuses_bad_grids():
    with pytest.raises(ValueError, match="increasing"):
        theory.jsd(np.ones(3), np.ones(3), np.array([0.0, 2.0, 1.0]))
    with pytest.raises(ValueError, match="non-negative"):
        theory.jsd(np.array([1.0, -1.0]), np.ones(2), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="on a grid"):
        theory.c_of_g(np.ones(3), np.ones(2), np.array([0.0, 1.0]))
