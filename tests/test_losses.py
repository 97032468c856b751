"""Losses: finite-difference gradients, closed forms, PyTorch's clamps, stability."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from scratchgan import backend, losses, nn
from scratchgan.gradient_check import gradcheck_loss

TOL = 1e-6
FAST = settings(max_examples=25, deadline=None)


@FAST
@given(name=st.sampled_from(["BCELoss", "BCEWithLogitsLoss", "MSELoss", "L1Loss"]),
       shape=st.lists(st.integers(1, 4), min_size=1, max_size=3),
       reduction=st.sampled_from(["mean", "sum"]), soft=st.booleans(), seed=st.integers(0, 1000))
def test_loss_gradcheck(name, shape, reduction, soft, seed):
    r = np.random.RandomState(seed)
    shape = tuple(shape)
    if name == "BCELoss":
        pred = r.uniform(0.05, 0.95, shape)               # probabilities
    elif name == "L1Loss":
        pred = r.standard_normal(shape)
    else:
        pred = r.standard_normal(shape) * 3
    # soft targets in [0, 1] (label smoothing) or hard 0/1 labels
    target = r.uniform(0, 1, shape) if soft else r.randint(0, 2, shape).astype(float)
    if name == "L1Loss":                                   # keep |p - t| off the kink at 0
        pred = target + np.where(r.rand(*shape) < 0.5, -1, 1) * r.uniform(0.05, 1, shape)
    crit = getattr(losses, name)(reduction=reduction)
    assert gradcheck_loss(crit, pred, target)["input"] < TOL


def test_bce_closed_form(xp):
    p = xp.asarray([0.9, 0.2], dtype=xp.float32)
    t = xp.asarray([1.0, 0.0], dtype=xp.float32)
    crit = losses.BCELoss()
    expected = -(np.log(0.9) + np.log(0.8)) / 2
    assert float(crit(p, t)) == pytest.approx(expected, rel=1e-6)
    # dL/dp = (p - t) / (p (1 - p)) / N
    np.testing.assert_allclose(backend.to_host(crit.backward()),
                               [(-0.1 / 0.09) / 2, (0.2 / 0.16) / 2], rtol=1e-5)


def test_bce_clamps_log_like_pytorch(xp):
    p = xp.asarray([0.0, 1.0], dtype=xp.float32)
    t = xp.asarray([1.0, 0.0], dtype=xp.float32)
    crit = losses.BCELoss()
    assert float(crit(p, t)) == pytest.approx(100.0)        # each log clamped at -100
    g = backend.to_host(crit.backward())
    assert np.all(np.isfinite(g))


def test_bce_with_logits_is_stable_at_extremes(xp):
    x = xp.asarray([1e4, -1e4, 1e4, -1e4, 0.0], dtype=xp.float32)
    t = xp.asarray([1.0, 0.0, 0.0, 1.0, 1.0], dtype=xp.float32)
    crit = losses.BCEWithLogitsLoss()
    with np.errstate(over="raise"):
        loss = float(crit(x, t))
    # exact terms: 0, 0, 1e4, 1e4, log 2
    assert loss == pytest.approx((2e4 + np.log(2)) / 5, rel=1e-6)
    np.testing.assert_allclose(backend.to_host(crit.backward()), np.array([0, 0, 1, -1, -0.5]) / 5, atol=1e-7)


def test_bce_with_logits_matches_bce_of_sigmoid():
    r = np.random.RandomState(0)
    x, t = r.standard_normal(20), r.uniform(0, 1, 20)
    a, b = losses.BCEWithLogitsLoss(), losses.BCELoss()
    assert float(a(x, t)) == pytest.approx(float(b(nn.sigmoid(x), t)), rel=1e-12)


def test_mse_l1_closed_forms(xp):
    p = xp.asarray([1.0, -2.0, 3.0], dtype=xp.float32)
    t = xp.asarray([0.0, 0.0, 3.0], dtype=xp.float32)
    mse, l1 = losses.MSELoss(), losses.L1Loss()
    assert float(mse(p, t)) == pytest.approx(5 / 3)
    np.testing.assert_allclose(backend.to_host(mse.backward()), [2 / 3, -4 / 3, 0], rtol=1e-6)
    assert float(l1(p, t)) == pytest.approx(1.0)
    np.testing.assert_allclose(backend.to_host(l1.backward()), [1 / 3, -1 / 3, 0], rtol=1e-6)


def test_scalar_target_means_everywhere(xp):
    p = xp.asarray([[0.3], [0.6]], dtype=xp.float32)
    crit = losses.BCELoss()
    a = float(crit(p, 0.9))
    b = float(crit(p, xp.full((2, 1), 0.9, dtype=xp.float32)))
    assert a == pytest.approx(b)


def test_loss_rejects_mismatched_shapes_and_early_backward():
    crit = losses.MSELoss()
    with pytest.raises(nn.ShapeError, match=r"target shape \(4,\) does not match pred shape \(4, 1\)"):
        crit(np.zeros((4, 1), np.float32), np.zeros(4, np.float32))
    with pytest.raises(RuntimeError, match="before forward"):
        losses.BCELoss().backward()
    with pytest.raises(ValueError, match="reduction must be 'mean', 'sum' or 'none'"):
        losses.L1Loss(reduction="average")
    with pytest.raises(TypeError, match="floating-point"):
        crit(np.zeros(3, dtype=int), np.zeros(3))
