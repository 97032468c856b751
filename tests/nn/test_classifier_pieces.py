"""ACGAN/BAGAN's pieces: CrossEntropyLoss, Softmax/LogSoftmax, Multiply, the
two-headed module, the multivariate normal, class-imbalanced subsets.
Finite differences, hypothesis shapes, closed forms, extremes, errors."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from scratchgan import backend, losses, nn
from scratchgan.data.imbalance import keep_fraction
from scratchgan.distributions import MultivariateNormal
from scratchgan.gradient_check import gradcheck, numeric_grad, rel_error

FAST = settings(max_examples=25, deadline=None)
TOL = 1e-6


# ------------------------------------------------------------ CrossEntropyLoss
def ce_numeric(crit, x, t, grad_out=None):
    def f():
        v = crit(x, t)
        crit.backward(x, grad_out if crit.reduction == "none" else None)   # drop the cache
        return float((v * grad_out).sum()) if crit.reduction == "none" else float(v)
    return numeric_grad(f, x)


@FAST
@given(n=st.integers(1, 6), c=st.integers(2, 6), weighted=st.booleans(),
       reduction=st.sampled_from(["mean", "sum", "none"]), seed=st.integers(0, 1000))
def test_cross_entropy_gradcheck(n, c, weighted, reduction, seed):
    r = np.random.RandomState(seed)
    x = r.standard_normal((n, c)) * 3
    t = r.randint(0, c, n)
    w = r.uniform(0.2, 2.0, c) if weighted else None
    crit = losses.CrossEntropyLoss(weight=w, reduction=reduction)
    g = r.standard_normal(n) if reduction == "none" else None
    crit(x, t)
    analytic = crit.backward(x, g)
    assert rel_error(analytic, ce_numeric(crit, x, t, g)) < TOL


def test_cross_entropy_closed_form_and_weights():
    x = np.array([[2.0, 0.0], [0.0, 1.0]])
    t = np.array([0, 0])
    lse = [np.log(np.exp(2) + 1), np.log(1 + np.e)]
    l0, l1 = lse[0] - 2.0, lse[1] - 0.0
    assert float(losses.CrossEntropyLoss()(x, t)) == pytest.approx((l0 + l1) / 2)
    # weights: mean divides by the sum of the targets' weights (PyTorch's rule)
    t2 = np.array([0, 1])
    w = np.array([3.0, 1.0])
    l1b = lse[1] - 1.0
    crit = losses.CrossEntropyLoss(weight=w)
    assert float(crit(x, t2)) == pytest.approx((3 * l0 + 1 * l1b) / 4)
    p = np.exp(x - np.array(lse)[:, None])
    expected = np.array([3 * (p[0] - [1, 0]), 1 * (p[1] - [0, 1])]) / 4
    np.testing.assert_allclose(crit.backward(), expected, rtol=1e-12)


def test_cross_entropy_extreme_logits_stay_finite(xp):
    x = xp.asarray([[1e4, -1e4, 0.0], [-1e4, 1e4, 0.0]], dtype=xp.float32)
    t = xp.asarray([1, 1])
    crit = losses.CrossEntropyLoss()
    v = float(crit(x, t))
    assert v == pytest.approx(1e4, rel=1e-6)              # one confident miss: 2e4 / 2
    g = backend.to_host(crit.backward())
    assert np.isfinite(g).all()
    np.testing.assert_allclose(g, [[0.5, -0.5, 0.0], [0.0, 0.0, 0.0]], atol=1e-6)


@pytest.mark.parametrize("x,t,match", [
    (np.zeros((2, 3)), np.array([0.0, 1.0]), "integer class targets"),
    (np.zeros((2, 3)), np.array([0, 1, 2]), r"of shape \(2,\)"),
    (np.zeros(3), np.array([0]), r"logits of shape \(N, C\)"),
    (np.zeros((2, 3)), np.array([0, 3]), r"targets must lie in \[0, 3\)"),
])
def test_cross_entropy_errors(x, t, match):
    with pytest.raises((ValueError, nn.ShapeError), match=match):
        losses.CrossEntropyLoss()(x, t)


def test_cross_entropy_weight_must_match_classes():
    with pytest.raises(nn.ShapeError, match="weight has 2 entries"):
        losses.CrossEntropyLoss(weight=np.ones(2))(np.zeros((1, 3)), np.array([0]))


# ------------------------------------------------------------ Softmax, LogSoftmax
@FAST
@given(shape=st.lists(st.integers(1, 4), min_size=2, max_size=4), dim=st.integers(0, 3),
       log=st.booleans(), seed=st.integers(0, 1000))
def test_softmax_gradcheck(shape, dim, log, seed):
    dim = dim % len(shape)
    x = np.random.RandomState(seed).standard_normal(shape) * 2
    layer = nn.LogSoftmax(dim) if log else nn.Softmax(dim)
    errors = gradcheck(layer, x)
    assert errors["input"] < TOL


def test_softmax_closed_forms(xp):
    x = xp.asarray([[0.0, np.log(3.0)], [1e4, -1e4]], dtype=xp.float32)
    y = backend.to_host(nn.Softmax(dim=1)(x))
    np.testing.assert_allclose(y, [[0.25, 0.75], [1.0, 0.0]], rtol=1e-6)
    ly = backend.to_host(nn.LogSoftmax(dim=1)(x))
    np.testing.assert_allclose(ly[0], np.log([0.25, 0.75]), rtol=1e-6)
    assert ly[1, 0] == 0 and ly[1, 1] == pytest.approx(-2e4)     # finite, exact


def test_log_softmax_then_nll_is_cross_entropy():
    r = np.random.RandomState(0)
    x, t = r.standard_normal((5, 4)), r.randint(0, 4, 5)
    lsm = nn.LogSoftmax(1)
    y = lsm(x)
    dy = np.zeros_like(y)
    dy[np.arange(5), t] = -1 / 5                       # d(-mean y[i, t_i]) / dy
    crit = losses.CrossEntropyLoss()
    assert float(crit(x, t)) == pytest.approx(-y[np.arange(5), t].mean())
    np.testing.assert_allclose(lsm.backward(dy, y), crit.backward(), rtol=1e-12)


# ------------------------------------------------------------ Multiply
@FAST
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=3), seed=st.integers(0, 1000))
def test_multiply_product_rule(shape, seed):
    r = np.random.RandomState(seed)
    a, b, dy = (r.standard_normal(shape) for _ in range(3))
    m = nn.Multiply()
    y = m(a, b)
    da, db = m.backward(dy, y)

    def f():
        with nn.no_grad():
            return float((m(a, b) * dy).sum())
    assert rel_error(da, numeric_grad(f, a)) < TOL
    assert rel_error(db, numeric_grad(f, b)) < TOL


def test_multiply_refuses_broadcasting():
    with pytest.raises(nn.ShapeError, match="nothing is broadcast"):
        nn.Multiply()(np.ones((2, 3)), np.ones(3))


# ------------------------------------------------------------ TwoHeads
def two_headed(seed=0):
    backend.manual_seed(seed)
    trunk = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 6), nn.LeakyReLU(0.2))
    net = nn.TwoHeads(trunk, nn.Sequential(nn.Linear(6, 1), nn.Sigmoid()), nn.Linear(6, 3))
    return net.to(dtype=np.float64)


@pytest.mark.parametrize("use", ["both", "a", "b"])
def test_two_heads_adds_the_heads_gradients_into_the_trunk(use):
    r = np.random.RandomState(1)
    net = two_headed()
    x = r.standard_normal((5, 4))
    wa, wb = r.standard_normal((5, 1)), r.standard_normal((5, 3))
    ka, kb = (use in ("both", "a")), (use in ("both", "b"))

    def loss():
        with nn.no_grad():
            a, b = net(x)
        return float((a * wa).sum() * ka + (b * wb).sum() * kb)

    net.zero_grad()
    out = net(x)
    dx = net.backward((wa if ka else None, wb if kb else None), out)
    assert rel_error(dx, numeric_grad(loss, x)) < TOL
    for name, p in net.named_parameters():
        assert rel_error(p.grad, numeric_grad(loss, p.data)) < TOL, name


def test_two_heads_several_forwards_then_backwards():
    """Two forwards, two backwards in either order: the same gradients as one at a time."""
    r = np.random.RandomState(2)
    x1, x2 = r.standard_normal((4, 4)), r.standard_normal((4, 4))
    g = (r.standard_normal((4, 1)), r.standard_normal((4, 3)))
    one = two_headed()
    for x in (x1, x2):
        out = one(x)
        one.backward(g, out)
    both = two_headed()
    o1, o2 = both(x1), both(x2)
    both.backward(g, o2)
    both.backward(g, o1)
    for (n, p), (_, q) in zip(one.named_parameters(), both.named_parameters()):
        np.testing.assert_allclose(p.grad, q.grad, rtol=1e-12, err_msg=n)


def test_two_heads_errors():
    net = two_headed()
    out = net(np.ones((3, 4)))
    with pytest.raises(ValueError, match="at least one head"):
        net.backward((None, None), out)
    other = net(np.zeros((3, 4)))
    with pytest.raises(nn.ShapeError, match="do not come from the same forward"):
        net.backward((np.ones((3, 1)), None), (out[0], other[1]))


# ------------------------------------------------------------ MultivariateNormal
def test_multivariate_normal_has_its_mean_and_covariance():
    mean = np.array([1.0, -2.0, 0.5])
    A = np.array([[1.0, 0, 0], [0.8, 0.5, 0], [-0.3, 0.2, 0.4]])
    cov = A @ A.T
    z = MultivariateNormal(mean, cov).sample(200000, np.random.RandomState(0))
    assert z.dtype == np.float32 and z.shape == (200000, 3)
    np.testing.assert_allclose(z.mean(axis=0), mean, atol=0.01)
    np.testing.assert_allclose(np.cov(z, rowvar=False), cov, atol=0.01)
    fitted = MultivariateNormal.fit(z, jitter=0)
    np.testing.assert_allclose(fitted.cov, cov, atol=0.01)


def test_multivariate_normal_fit_survives_few_codes_and_refuses_bad_input():
    codes = np.random.RandomState(0).standard_normal((3, 8))     # rank 2 < 8: singular
    MultivariateNormal.fit(codes).sample(5, np.random.RandomState(1))
    with pytest.raises(ValueError, match="not positive definite"):
        MultivariateNormal(np.zeros(2), np.array([[1.0, 2.0], [2.0, 1.0]]))
    with pytest.raises(ValueError, match="symmetric"):
        MultivariateNormal(np.zeros(2), np.array([[1.0, 0.5], [0.0, 1.0]]))
    with pytest.raises(ValueError, match="at least 2 vectors"):
        MultivariateNormal.fit(np.ones((1, 3)))


# ------------------------------------------------------------ imbalanced subsets
def test_keep_fraction_cuts_only_the_chosen_class():
    labels = np.repeat(np.arange(10), 100)
    idx = keep_fraction(labels, [0], 0.05, seed=3)
    counts = np.bincount(labels[idx], minlength=10)
    assert counts[0] == 5 and (counts[1:] == 100).all()
    np.testing.assert_array_equal(idx, keep_fraction(labels, [0], 0.05, seed=3))
    assert keep_fraction(labels, [0, 4], 0.001, seed=0).size == 802     # at least one each
    with pytest.raises(ValueError, match="do not occur"):
        keep_fraction(labels, [11], 0.5)
    with pytest.raises(ValueError, match=r"keep must be in \(0, 1\]"):
        keep_fraction(labels, [0], 0)
