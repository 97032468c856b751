"""The naive twins of scratchgan/nn/reference.py against the fast paths they
check, and against the definitions (finite differences, closed forms)."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from scratchgan import nn, optim
from scratchgan.gradcheck import numeric_grad, rel_error
from scratchgan.nn import reference
from scratchgan.nn.im2col import im2col


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 3), c=st.integers(1, 3), k=st.integers(1, 3), s=st.integers(1, 2),
       p=st.integers(0, 1), seed=st.integers(0, 1000))
def test_im2col_twin_equals_the_fast_one(n, c, k, s, p, seed):
    x = np.random.RandomState(seed).standard_normal((n, c, 5, 4))
    np.testing.assert_array_equal(reference.im2col(x, k, k, (s, s), (p, p)),
                                  im2col(x, k, k, (s, s), (p, p)))


def test_conv2d_twin_closed_form():
    """A 1x1 kernel of ones over 2 channels adds the channels."""
    x = np.arange(2 * 2 * 3 * 3, dtype=float).reshape(2, 2, 3, 3)
    y = reference.conv2d(x, np.ones((1, 2, 1, 1)), np.array([0.5]))
    np.testing.assert_array_equal(y[:, 0], x[:, 0] + x[:, 1] + 0.5)


def test_conv_transpose2d_twin_is_the_adjoint_of_conv2d():
    """<conv(x), y> == <x, conv_transpose(y)> with the same weight: the definition."""
    rs = np.random.RandomState(0)
    W = rs.standard_normal((3, 2, 3, 3))                      # conv: 2 -> 3 channels
    x, y = rs.standard_normal((2, 2, 7, 7)), rs.standard_normal((2, 3, 4, 4))
    lhs = (reference.conv2d(x, W, None, (2, 2), (1, 1)) * y).sum()
    rhs = (x * reference.conv_transpose2d(y, W, None, (2, 2), (1, 1), (0, 0))).sum()
    assert lhs == pytest.approx(rhs, rel=1e-12)


@pytest.mark.parametrize("shape", [(6, 4), (3, 2, 5), (2, 3, 2, 2)])
def test_batchnorm_step_by_step_equals_finite_differences_and_the_fast_layer(shape):
    rs = np.random.RandomState(1)
    x = rs.standard_normal(shape)
    gamma, beta = rs.uniform(0.5, 1.5, shape[1]), rs.standard_normal(shape[1])
    dy = rs.standard_normal(shape)
    y, cache = reference.batchnorm_forward(x, gamma, beta)
    dx, dgamma, dbeta = reference.batchnorm_backward(dy, cache)
    numeric = numeric_grad(lambda: float((reference.batchnorm_forward(x, gamma, beta)[0] * dy).sum()), x)
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
                        lambda ps, gs, st: reference.adam_step(ps, gs, st, 0.01, (0.5, 0.9),
                                                               weight_decay=0.1)),
                       (lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9),
                        lambda ps, gs, st: reference.sgd_step(ps, gs, st, 0.1, 0.9))):
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
