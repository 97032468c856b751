"""The naive twins (``*_simple``, at the top of each layer's file) against the
fast paths they check, and against the definitions (finite differences,
closed forms)."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from scratchgan import nn, optim
from scratchgan.gradient_check import numeric_grad, rel_error
from scratchgan.nn.conv import conv2d_backward_simple, conv2d_simple
from scratchgan.nn.conv_transpose import conv_transpose2d_simple
from scratchgan.nn.im2col import im2col, im2col_simple
from scratchgan.nn.norm import batchnorm_backward_simple, batchnorm_forward_simple
from scratchgan.optim.adam import adam_step_simple
from scratchgan.optim.sgd import sgd_step_simple


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 3), c=st.integers(1, 3), k=st.integers(1, 3), s=st.integers(1, 2),
       p=st.integers(0, 1), seed=st.integers(0, 1000))
def test_im2col_twin_equals_the_fast_one(n, c, k, s, p, seed):
    x = np.random.RandomState(seed).standard_normal((n, c, 5, 4))
    np.testing.assert_array_equal(im2col_simple(x, k, k, (s, s), (p, p)),
                                  im2col(x, k, k, (s, s), (p, p)))


def test_conv2d_twin_closed_form():
    """A 1x1 kernel of ones over 2 channels adds the channels."""
    x = np.arange(2 * 2 * 3 * 3, dtype=float).reshape(2, 2, 3, 3)
    y = conv2d_simple(x, np.ones((1, 2, 1, 1)), np.array([0.5]))
    np.testing.assert_array_equal(y[:, 0], x[:, 0] + x[:, 1] + 0.5)


def test_conv_transpose2d_twin_is_the_adjoint_of_conv2d():
    """<conv(x), y> == <x, conv_transpose(y)> with the same weight: the definition."""
    rs = np.random.RandomState(0)
    W = rs.standard_normal((3, 2, 3, 3))                      # conv: 2 -> 3 channels
    x, y = rs.standard_normal((2, 2, 7, 7)), rs.standard_normal((2, 3, 4, 4))
    lhs = (conv2d_simple(x, W, None, (2, 2), (1, 1)) * y).sum()
    rhs = (x * conv_transpose2d_simple(y, W, None, (2, 2), (1, 1), (0, 0))).sum()
    assert lhs == pytest.approx(rhs, rel=1e-12)


@pytest.mark.parametrize("shape", [(6, 4), (3, 2, 5), (2, 3, 2, 2)])
def test_batchnorm_step_by_step_equals_finite_differences_and_the_fast_layer(shape):
    rs = np.random.RandomState(1)
    x = rs.standard_normal(shape)
    gamma, beta = rs.uniform(0.5, 1.5, shape[1]), rs.standard_normal(shape[1])
    dy = rs.standard_normal(shape)
    y, cache = batchnorm_forward_simple(x, gamma, beta)
    dx, dgamma, dbeta = batchnorm_backward_simple(dy, cache)
    numeric = numeric_grad(lambda: float((batchnorm_forward_simple(x, gamma, beta)[0] * dy).sum()), x)
    assert rel_error(dx, numeric) < 1e-7
    layer = (nn.BatchNorm2d if len(shape) == 4 else nn.BatchNorm1d)(shape[1]).to(dtype=np.float64)
    layer.weight.data[...] = gamma
    layer.bias.data[...] = beta
    out = layer(x)
    np.testing.assert_allclose(out, y, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.backward(dy, out), dx, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(layer.weight.grad, dgamma, rtol=1e-12)
    np.testing.assert_allclose(layer.bias.grad, dbeta, rtol=1e-12)


def test_adam_and_sgd_twins_equal_the_flat_vector_optimizers():
    rs = np.random.RandomState(2)
    shapes = [(3, 2), (2,), (4,)]
    for make, step in ((lambda ps: optim.Adam(ps, lr=0.01, betas=(0.5, 0.9), weight_decay=0.1),
                        lambda ps, gs, st: adam_step_simple(ps, gs, st, 0.01, (0.5, 0.9),
                                                               weight_decay=0.1)),
                       (lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9),
                        lambda ps, gs, st: sgd_step_simple(ps, gs, st, 0.1, 0.9))):
        start = [rs.standard_normal(s) for s in shapes]
        fast = [nn.Parameter(v.copy()) for v in start]
        opt = make(fast)
        slow, state = [v.copy() for v in start], {}
        for _ in range(4):
            grads = [rs.standard_normal(s) for s in shapes]
            for p, g in zip(fast, grads):
                p.grad[...] = g
            opt.step()
            step(slow, grads, state)
        for p, v in zip(fast, slow):
            np.testing.assert_allclose(p.data, v, rtol=1e-12, atol=1e-14)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 2), c=st.integers(1, 3), oc=st.integers(1, 3), h=st.integers(2, 6),
       w=st.integers(2, 6), k=st.integers(1, 3), s=st.integers(1, 3), p=st.integers(0, 2),
       seed=st.integers(0, 1000))
def test_conv2d_backward_loop_twin_equals_finite_differences_and_the_fast_layer(
        n, c, oc, h, w, k, s, p, seed):
    """The loop version of Conv2d's backward (dx, dW, db) is the chain rule through
    the loop forward (finite differences), and the GEMM layer computes the same."""
    if h + 2 * p < k or w + 2 * p < k:
        return
    rs = np.random.RandomState(seed)
    x, W, b = rs.standard_normal((n, c, h, w)), rs.standard_normal((oc, c, k, k)), rs.standard_normal(oc)
    y = conv2d_simple(x, W, b, (s, s), (p, p))
    dy = rs.standard_normal(y.shape)
    dx, dW, db = conv2d_backward_simple(dy, x, W, (s, s), (p, p))
    loss = lambda: float((conv2d_simple(x, W, b, (s, s), (p, p)) * dy).sum())
    assert rel_error(dx, numeric_grad(loss, x)) < 1e-7
    assert rel_error(dW, numeric_grad(loss, W)) < 1e-7
    assert rel_error(db, numeric_grad(loss, b)) < 1e-7
    layer = nn.Conv2d(c, oc, k, stride=s, padding=p).to(dtype=np.float64)
    layer.weight.data[...], layer.bias.data[...] = W, b
    out = layer(x)
    np.testing.assert_allclose(out, y, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layer.backward(dy, out), dx, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layer.weight.grad, dW, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layer.bias.grad, db, rtol=1e-10, atol=1e-12)


def test_conv2d_backward_twin_closed_form():
    """A 1x1 kernel: dx = W * dy per channel, dW = sum of x * dy, db = sum of dy."""
    x = np.arange(8.0).reshape(1, 2, 2, 2)
    dy = np.ones((1, 1, 2, 2))
    dx, dW, db = conv2d_backward_simple(dy, x, np.array([[[[2.0]], [[3.0]]]]))
    np.testing.assert_array_equal(dx[0, 0], np.full((2, 2), 2.0))
    np.testing.assert_array_equal(dx[0, 1], np.full((2, 2), 3.0))
    np.testing.assert_array_equal(dW.ravel(), [0 + 1 + 2 + 3, 4 + 5 + 6 + 7])
    assert db.tolist() == [4.0]
