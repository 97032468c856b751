"""Upsample in every mode (nearest, bilinear, bicubic; align_corners; float
scale factors and sizes): the matrix form against the loop twin over
hypothesis-drawn shapes, finite differences, closed forms, and PyTorch."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from scratchgan import backend, nn
from scratchgan.gradient_check import gradcheck
from scratchgan.nn.upsample import upsample_simple

FAST = settings(max_examples=25, deadline=None)


def make(mode, corners, how, value):
    kw = {} if mode == "nearest" else {"align_corners": corners}
    if how == "size":
        return nn.Upsample(size=value, mode=mode, **kw)
    return nn.Upsample(scale_factor=value, mode=mode, **kw)


settings_shape = dict(n=st.integers(1, 2), c=st.integers(1, 2), h=st.integers(1, 5),
                      w=st.integers(1, 5), mode=st.sampled_from(["nearest", "bilinear", "bicubic"]),
                      corners=st.booleans(), seed=st.integers(0, 1000))


@FAST
@given(scale=st.sampled_from([1.0, 1.5, 2.0, 2.5, 3.0, 0.5, (2.0, 1.5)]), **settings_shape)
def test_matrix_form_equals_loop_twin_and_finite_differences(n, c, h, w, mode, corners, scale,
                                                             seed):
    layer = make(mode, corners, "scale", scale)
    Ho, Wo = layer.output_size(h, w)
    if Ho < 1 or Wo < 1:
        return
    x = np.random.RandomState(seed).standard_normal((n, c, h, w))
    y = layer(x)
    sh, sw = (1 / s for s in layer.scale_factor)
    np.testing.assert_allclose(y, upsample_simple(x, (Ho, Wo), mode, layer.align_corners,
                                                  (sh, sw)), rtol=1e-12, atol=1e-12)
    errors = gradcheck(layer, x)
    assert errors["input"] < 1e-8, errors


def test_closed_forms(xp):
    x = xp.asarray([[[[0.0, 1.0]]]], dtype=xp.float32)                # one row [0, 1]
    row = lambda layer: backend.to_host(layer(x)).ravel().tolist()
    assert row(nn.Upsample(scale_factor=(1, 2), mode="nearest")) == [0, 0, 1, 1]
    # half-pixel centres: output centres at 1/4, 3/4, 5/4, 7/4 of input pixels
    assert row(nn.Upsample(scale_factor=(1, 2), mode="bilinear")) == [0, 0.25, 0.75, 1]
    # corners aligned: 4 points from 0 to 1 in equal steps
    assert np.allclose(row(nn.Upsample(size=(1, 4), mode="bilinear", align_corners=True)),
                       [0, 1 / 3, 2 / 3, 1])
    layer = nn.Upsample(scale_factor=(1, 2), mode="bilinear")
    y = layer(x)
    dx = layer.backward(xp.asarray([[[[1.0, 10.0, 100.0, 1000.0]]]], dtype=xp.float32), y)
    # x0 fed y0 (1), y1 (0.75), y2 (0.25); x1 fed y1 (0.25), y2 (0.75), y3 (1)
    assert np.allclose(backend.to_host(dx).ravel(), [1 + 7.5 + 25, 2.5 + 75 + 1000])


def test_integer_nearest_keeps_its_fast_path():
    layer = nn.Upsample(scale_factor=2)
    y = layer(np.zeros((1, 1, 2, 2), np.float32))
    assert y.shape == (1, 1, 4, 4) and layer._matrices == {}
    assert repr(layer) == "Upsample(scale_factor=2.0, mode='nearest')"


# ------------------------------------------------------------------ PyTorch parity
try:
    import torch
except ImportError:                       # the parity extra is not installed
    torch = None


@pytest.mark.skipif(torch is None, reason="PyTorch (the parity extra) not installed")
@settings(max_examples=40, deadline=None)
@given(how=st.sampled_from(["scale", "size"]),
       scale=st.sampled_from([2.0, 1.5, 3.0, 2.5, 0.5, 4.0]), size=st.integers(1, 9),
       **settings_shape)
def test_matches_pytorch(n, c, h, w, mode, corners, how, scale, size, seed):
    value = scale if how == "scale" else (size, size + 1)
    if how == "scale" and (int(h * scale) < 1 or int(w * scale) < 1):
        return
    ours = make(mode, corners, how, value)
    kw = {} if mode == "nearest" else {"align_corners": corners}
    theirs = torch.nn.Upsample(**({"scale_factor": value} if how == "scale" else {"size": value}),
                               mode=mode, **kw)
    rs = np.random.RandomState(seed)
    x = rs.standard_normal((n, c, h, w)).astype(np.float32)
    tx = torch.from_numpy(x).requires_grad_(True)
    ty = theirs(tx)
    y = ours(x)
    np.testing.assert_allclose(y, ty.detach().numpy(), rtol=1e-5, atol=1e-5)
    dy = rs.standard_normal(y.shape).astype(np.float32)
    ty.backward(torch.from_numpy(dy))
    np.testing.assert_allclose(ours.backward(dy, y), tx.grad.numpy(), rtol=1e-5, atol=1e-5)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 3), c=st.integers(1, 4), h=st.integers(1, 5), w=st.integers(1, 5),
       s=st.integers(2, 3), seed=st.integers(0, 1000))
def test_nearest_keeps_a_convolutions_hwnc_layout(n, c, h, w, s, seed):
    """After a convolution x lies in memory as (H, W, N, C): the repeated pixels
    keep that layout (the next convolution reads it without a transposing
    copy) and the gradient's blocks are summed in it; values as the loop twin."""
    rng = np.random.default_rng(seed)
    x_hwnc = np.ascontiguousarray(rng.standard_normal((h, w, n, c))).transpose(2, 3, 0, 1)
    layer = nn.Upsample(scale_factor=s)
    y = layer(x_hwnc)
    np.testing.assert_array_equal(y, upsample_simple(x_hwnc, (s * h, s * w), "nearest"))
    assert y.transpose(2, 3, 0, 1).flags.c_contiguous          # HWNC in, HWNC out
    np.testing.assert_array_equal(y, nn.Upsample(scale_factor=s)(np.ascontiguousarray(x_hwnc)))
    dy_hwnc = np.ascontiguousarray(rng.standard_normal((s * h + 2, s * w + 2, n, c)))
    dy = dy_hwnc[1:-1, 1:-1].transpose(2, 3, 0, 1)              # a padded convolution's dx
    dx = layer.backward(dy, y)
    expected = np.ascontiguousarray(dy).reshape(n, c, h, s, w, s).sum(axis=(3, 5))
    np.testing.assert_allclose(dx, expected, rtol=1e-12, atol=1e-12)
    errors = gradcheck(nn.Upsample(scale_factor=s), x_hwnc)
    assert errors["input"] < 1e-8, errors
