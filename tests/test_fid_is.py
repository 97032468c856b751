"""FID and IS (``metrics.frechet_distance``, ``metrics.inception_score``) and the
judge's features: closed forms for Gaussians, the naive twin, float64 references."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from scratchgan import judge, metrics


def random_cov(rs, d):
    a = rs.normal(size=(d, d))
    return a @ a.T + 0.1 * np.eye(d)


def test_diagonal_gaussians_have_the_closed_form():
    """Commuting (diagonal) covariances: d^2 = ||mu1 - mu2||^2 + sum (s1 - s2)^2."""
    mu1, mu2 = np.array([0.0, 1.0, -2.0]), np.array([1.0, 1.0, 0.5])
    s1, s2 = np.array([1.0, 2.0, 0.5]), np.array([3.0, 0.5, 0.5])
    expected = ((mu1 - mu2) ** 2).sum() + ((s1 - s2) ** 2).sum()
    got = metrics.frechet_distance_gaussians(mu1, np.diag(s1 ** 2), mu2, np.diag(s2 ** 2))
    assert got == pytest.approx(expected, rel=1e-12)


def test_one_dimension_is_the_wasserstein_distance_of_normals():
    assert metrics.frechet_distance_gaussians([0.0], [[4.0]], [3.0], [[1.0]]) == pytest.approx(9 + 1)


@settings(max_examples=30)
@given(d=st.integers(1, 12), seed=st.integers(0, 10 ** 6))
def test_equals_the_naive_twin_and_is_symmetric(d, seed):
    rs = np.random.RandomState(seed)
    mu1, mu2, c1, c2 = rs.normal(size=d), rs.normal(size=d), random_cov(rs, d), random_cov(rs, d)
    fast = metrics.frechet_distance_gaussians(mu1, c1, mu2, c2)
    assert fast == pytest.approx(metrics.frechet_distance_simple(mu1, c1, mu2, c2), rel=1e-7, abs=1e-9)
    assert fast == pytest.approx(metrics.frechet_distance_gaussians(mu2, c2, mu1, c1), rel=1e-7, abs=1e-9)
    assert fast >= -1e-9
    assert metrics.frechet_distance_gaussians(mu1, c1, mu1, c1) == pytest.approx(0, abs=1e-8)


def test_from_features_shift_and_scale():
    rs = np.random.RandomState(0)
    a = rs.normal(size=(4000, 5))
    assert metrics.frechet_distance(a, a) == pytest.approx(0, abs=1e-9)
    c = np.array([1.0, 0, 0, 0, 2.0])
    assert metrics.frechet_distance(a, a + c) == pytest.approx(5.0, rel=1e-9)   # ||c||^2
    # scaling by 2: each std doubles: sum (2 s - s)^2 = Tr(cov) for this sample
    cov = np.cov(a, rowvar=False)
    assert metrics.frechet_distance(a, 2 * a - a.mean(0)) == pytest.approx(np.trace(cov), rel=1e-6)


def test_float32_features_are_computed_in_float64():
    rs = np.random.RandomState(1)
    a, b = rs.normal(size=(500, 8)), rs.normal(0.1, 1.2, size=(500, 8))
    assert metrics.frechet_distance(a.astype(np.float32), b.astype(np.float32)) == pytest.approx(
        metrics.frechet_distance(a, b), rel=1e-5)


@pytest.mark.parametrize("a, b, message", [
    (np.zeros((10, 3)), np.zeros((10, 4)), "expected \\(N, d\\) and \\(M, d\\)"),
    (np.zeros(10), np.zeros((10, 1)), "expected"),
    (np.full((10, 2), np.nan), np.zeros((10, 2)), "NaN"),
    (np.zeros((1, 2)), np.zeros((10, 2)), "N >= 2"),
])
def test_bad_features(a, b, message):
    with pytest.raises(ValueError, match=message):
        metrics.frechet_distance(a, b)


def test_inception_score_limits():
    K = 10
    confident_even = np.eye(K)[np.arange(1000) % K]
    assert metrics.inception_score(confident_even, splits=10)[0] == pytest.approx(K)
    one_class = np.eye(K)[np.zeros(1000, int)]
    assert metrics.inception_score(one_class)[0] == pytest.approx(1.0)
    unsure = np.full((1000, K), 1 / K)
    assert metrics.inception_score(unsure)[0] == pytest.approx(1.0)


def test_inception_score_against_a_float64_loop():
    rs = np.random.RandomState(0)
    logits = rs.normal(0, 3, (300, 10))
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    scores = []
    for part in np.array_split(p, 3):
        py = part.mean(0)
        kl = [sum(pi[j] * np.log(pi[j] / py[j]) for j in range(10)) for pi in part]
        scores.append(np.exp(np.mean(kl)))
    mean, std = metrics.inception_score(p, splits=3)
    assert mean == pytest.approx(np.mean(scores), rel=1e-12) and std == pytest.approx(np.std(scores), rel=1e-9)


def test_inception_score_refuses_non_probabilities():
    with pytest.raises(ValueError, match="class probabilities"):
        metrics.inception_score(np.ones((20, 3)), splits=2)
    with pytest.raises(ValueError, match="splits"):
        metrics.inception_score(np.eye(3), splits=10)


def test_judge_features_are_the_layer_before_the_scores():
    model = judge.classifier()
    x = np.random.RandomState(0).uniform(-1, 1, (7, 1, 28, 28)).astype(np.float32)
    f = judge.features(model, x, batch=3)
    assert f.shape == (7, 128) and (f >= 0).all()
    scores = f @ np.asarray(model[-1].weight.data).T + np.asarray(model[-1].bias.data)
    p = np.exp(scores - scores.max(1, keepdims=True))
    np.testing.assert_allclose(p / p.sum(1, keepdims=True), judge.predict(model, x), rtol=1e-4, atol=1e-6)
    with pytest.raises(TypeError, match="expected the judge"):
        judge.features(model[0], x)
