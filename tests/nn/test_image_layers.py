"""The image-to-image layers: InstanceNorm2d, ReflectionPad2d, Upsample,
Dropout2d, AvgPool2d and MaxPool2d.  Each is checked three ways: finite
differences in float64 over hypothesis-drawn shapes, strides and paddings;
its naive twin or closed form; and (tests/test_torch_parity.py) PyTorch."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from scratchgan import backend, nn
from scratchgan.gradient_check import gradcheck
from scratchgan.nn.norm import batchnorm_backward_simple, batchnorm_forward_simple
from scratchgan.nn.padding import pad2d_simple
from scratchgan.nn.pool import avg_pool2d_simple, max_pool2d_simple
from scratchgan.nn.upsample import upsample_simple
from scratchgan.nn.module import ShapeError

TOL = 1e-6
FAST = settings(max_examples=20, deadline=None)


def H(x):
    return backend.to_host(x)


def rand(shape, seed=0):
    return np.random.RandomState(seed).standard_normal(shape)


# ------------------------------------------------------------ InstanceNorm2d
@FAST
@given(n=st.integers(1, 3), c=st.integers(1, 4), h=st.integers(2, 6), w=st.integers(2, 6),
       affine=st.booleans(), seed=st.integers(0, 1000))
def test_instance_norm_gradcheck(n, c, h, w, affine, seed):
    # (with fewer than 4 pixels a plane normalises to +-1 and its gradient is ~0:
    # relative errors of nothing measure nothing)
    layer = nn.InstanceNorm2d(c, affine=affine)
    if affine:
        layer.weight.data[...] = np.random.RandomState(seed).uniform(0.5, 2, c)
        layer.bias.data[...] = np.random.RandomState(seed + 1).standard_normal(c)
    # (x must not come from RandomState(0): gradcheck draws its dy from it, and a dy
    # parallel to x_hat lies in the normalisation's null space: a zero gradient)
    errors = gradcheck(layer, rand((n, c, h, w), seed + 1) * 3 + 1)
    assert max(errors.values()) < TOL, errors


def test_instance_norm_is_batchnorm_of_each_plane(xp):
    """InstanceNorm(x) = BatchNorm(x.reshape(1, N*C, H, W)): the twin's forward and
    its step-by-step backward give the same numbers."""
    x = rand((3, 2, 5, 4), 1) * 2 + 0.5
    layer = nn.InstanceNorm2d(2, affine=True).to(dtype=np.float64)
    gamma, beta = np.array([1.5, 0.5]), np.array([0.1, -0.2])
    layer.weight.data[...] = xp.asarray(gamma)
    layer.bias.data[...] = xp.asarray(beta)
    y = layer(xp.asarray(x))
    ref, cache = batchnorm_forward_simple(x.reshape(1, 6, 5, 4), np.tile(gamma, 3),
                                             np.tile(beta, 3))
    np.testing.assert_allclose(H(y), ref.reshape(x.shape), rtol=1e-12, atol=1e-12)
    dy = rand(x.shape, 2)
    dx = layer.backward(xp.asarray(dy))
    ref_dx, ref_dgamma, ref_dbeta = batchnorm_backward_simple(dy.reshape(1, 6, 5, 4), cache)
    np.testing.assert_allclose(H(dx), ref_dx.reshape(x.shape), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(H(layer.weight.grad), ref_dgamma.reshape(3, 2).sum(0), rtol=1e-10)
    np.testing.assert_allclose(H(layer.bias.grad), ref_dbeta.reshape(3, 2).sum(0), rtol=1e-10)


def test_instance_norm_planes_have_mean_0_and_std_1_in_train_and_eval(xp):
    x = xp.asarray(rand((2, 3, 6, 6), 3) * 5 + 7, dtype=xp.float32)
    layer = nn.InstanceNorm2d(3)
    for mode in (layer.train, layer.eval):
        mode()
        y = layer(x)
        np.testing.assert_allclose(H(y).mean(axis=(2, 3)), 0, atol=1e-5)
        np.testing.assert_allclose(H(y).std(axis=(2, 3)), 1, atol=1e-3)
        layer.backward(xp.ones_like(y), y)


def test_instance_norm_errors():
    with pytest.raises(ShapeError, match="expected 3 channels"):
        nn.InstanceNorm2d(3)(np.zeros((1, 2, 4, 4), np.float32))
    with pytest.raises(ShapeError, match="4-D"):
        nn.InstanceNorm2d(3)(np.zeros((2, 3), np.float32))
    with pytest.raises(ShapeError, match="more than one pixel"):
        nn.InstanceNorm2d(3)(np.zeros((2, 3, 1, 1), np.float32))
    with pytest.raises(ValueError, match="track_running_stats"):
        nn.InstanceNorm2d(3, track_running_stats=True)


# ------------------------------------------------------------ ReflectionPad2d
@FAST
@given(n=st.integers(1, 2), c=st.integers(1, 3), h=st.integers(2, 7), w=st.integers(2, 7),
       pads=st.lists(st.integers(0, 6), min_size=4, max_size=4), seed=st.integers(0, 1000))
def test_reflection_pad_gradcheck_and_twin(n, c, h, w, pads, seed):
    left, right, top, bottom = min(pads[0], w - 1), min(pads[1], w - 1), \
        min(pads[2], h - 1), min(pads[3], h - 1)
    layer = nn.ReflectionPad2d((left, right, top, bottom))
    x = rand((n, c, h, w), seed)
    np.testing.assert_array_equal(layer(x), pad2d_simple(x, (left, right, top, bottom), "reflect"))
    layer.backward(np.ones((n, c, h + top + bottom, w + left + right)))
    errors = gradcheck(layer, x)
    assert errors["input"] < TOL, errors


def test_reflection_pad_closed_form(xp):
    x = xp.asarray([[[[1.0, 2.0, 3.0]]]], dtype=xp.float32)         # one row of 3
    layer = nn.ReflectionPad2d((2, 1, 0, 0))
    y = layer(x)
    assert H(y).tolist() == [[[[3.0, 2.0, 1.0, 2.0, 3.0, 2.0]]]]
    dx = layer.backward(xp.asarray([[[[1.0, 10.0, 100.0, 1000.0, 1e4, 1e5]]]], dtype=xp.float32))
    # x0 <- y2; x1 <- y1, y3, y5; x2 <- y0, y4
    assert H(dx).tolist() == [[[[100.0, 10.0 + 1000.0 + 1e5, 1.0 + 1e4]]]]


def test_reflection_pad_errors():
    with pytest.raises(ShapeError, match="smaller than the input"):
        nn.ReflectionPad2d(3)(np.zeros((1, 1, 3, 3), np.float32))
    with pytest.raises(ValueError, match="left, right, top"):
        nn.ReflectionPad2d((1, 2))


# ------------------------------------------------------------ Upsample
@FAST
@given(n=st.integers(1, 2), c=st.integers(1, 3), h=st.integers(1, 5), w=st.integers(1, 5),
       s=st.integers(1, 3), seed=st.integers(0, 1000))
def test_upsample_gradcheck_and_twin(n, c, h, w, s, seed):
    layer = nn.Upsample(scale_factor=s)
    x = rand((n, c, h, w), seed)
    np.testing.assert_array_equal(layer(x), upsample_simple(x, (h * s, w * s), "nearest"))
    layer.backward(np.ones((n, c, h * s, w * s)))
    assert gradcheck(layer, x)["input"] < TOL


def test_upsample_backward_sums_each_block(xp):
    layer = nn.Upsample(scale_factor=2)
    y = layer(xp.zeros((1, 1, 1, 2), dtype=xp.float32))
    dx = layer.backward(xp.asarray(np.arange(8.0).reshape(1, 1, 2, 4), dtype=xp.float32))
    assert H(dx).tolist() == [[[[0 + 1 + 4 + 5, 2 + 3 + 6 + 7]]]] and y.shape == (1, 1, 2, 4)


def test_upsample_errors():
    with pytest.raises(ValueError, match="mode must be one of"):
        nn.Upsample(scale_factor=2, mode="trilinear")
    with pytest.raises(ValueError, match="exactly one of size and scale_factor"):
        nn.Upsample()
    with pytest.raises(ValueError, match="positive"):
        nn.Upsample(scale_factor=0)
    with pytest.raises(ValueError, match="align_corners only applies"):
        nn.Upsample(scale_factor=2, align_corners=True)


# ------------------------------------------------------------ pooling
@FAST
@given(n=st.integers(1, 2), c=st.integers(1, 3), h=st.integers(3, 8), w=st.integers(3, 8),
       k=st.integers(1, 3), stride=st.integers(1, 3), pad=st.integers(0, 1),
       seed=st.integers(0, 1000))
def test_pools_gradcheck_and_twins(n, c, h, w, k, stride, pad, seed):
    pad = min(pad, k // 2)
    x = rand((n, c, h, w), seed)
    for layer, twin in ((nn.AvgPool2d(k, stride, pad), avg_pool2d_simple),
                        (nn.MaxPool2d(k, stride, pad), max_pool2d_simple)):
        y = layer(x)
        np.testing.assert_allclose(y, twin(x, k, stride, pad), rtol=1e-12, atol=1e-12)
        layer.backward(np.ones(y.shape), y)
    assert gradcheck(nn.AvgPool2d(k, stride, pad), x)["input"] < TOL
    # max pooling has kinks where two pixels tie: draw distinct values
    distinct = np.random.RandomState(seed).permutation(x.size).reshape(x.shape) * 0.01
    assert gradcheck(nn.MaxPool2d(k, stride, pad), distinct)["input"] < TOL


def test_max_pool_sends_all_of_dy_to_the_maximum(xp):
    x = xp.asarray([[[[1.0, 5.0], [3.0, -2.0]]]], dtype=xp.float32)
    layer = nn.MaxPool2d(2)
    assert H(layer(x)).tolist() == [[[[5.0]]]]
    assert H(layer.backward(xp.asarray([[[[7.0]]]], dtype=xp.float32))).tolist() == \
        [[[[0.0, 7.0], [0.0, 0.0]]]]
    avg = nn.AvgPool2d(2)
    assert H(avg(x)).tolist() == [[[[1.75]]]]
    assert H(avg.backward(xp.asarray([[[[8.0]]]], dtype=xp.float32))).tolist() == \
        [[[[2.0, 2.0], [2.0, 2.0]]]]


def test_max_pool_pads_with_minus_infinity():
    x = -np.ones((1, 1, 2, 2), np.float32)
    assert nn.MaxPool2d(3, stride=1, padding=1)(x).max() == -1.0      # not the zero padding


def test_pool_errors():
    with pytest.raises(ShapeError, match="smaller than the window"):
        nn.MaxPool2d(4)(np.zeros((1, 1, 3, 3), np.float32))
    with pytest.raises(ValueError, match="at most half the kernel"):
        nn.AvgPool2d(2, padding=2)


# ------------------------------------------------------------ Dropout2d
def test_dropout2d_drops_whole_channels_and_scales(xp):
    backend.manual_seed(0)
    layer = nn.Dropout2d(0.5)
    x = xp.ones((8, 16, 3, 3), dtype=xp.float32)
    y = H(layer(x))
    per_plane = y.reshape(8, 16, 9)
    assert ((per_plane == 0).all(axis=2) | (per_plane == 2).all(axis=2)).all()  # whole maps
    assert 0.3 < (per_plane[:, :, 0] == 0).mean() < 0.7
    dx = H(layer.backward(xp.ones((8, 16, 3, 3), dtype=xp.float32)))
    np.testing.assert_array_equal(dx, y)                      # the same mask and scale
    layer.eval()
    assert H(layer(x)).tolist() == H(x).tolist()


def test_dropout2d_gradcheck():
    errors = gradcheck(nn.Dropout2d(0.3), rand((3, 4, 2, 2), 1), seed=5)
    assert errors["input"] < TOL


# ------------------------------------------------------------ U-Net and residual blocks
def unet(depth=2, channels=2):
    """A tiny U-Net: depth levels of SkipConcat(down -> inner -> up)."""
    inner = nn.Identity()
    c = channels * 2 ** depth
    for level in range(depth):
        c_in = c // 2
        inner = nn.SkipConcat(nn.Sequential(
            nn.Conv2d(c_in, c, 4, 2, 1), nn.LeakyReLU(0.2), inner,
            nn.ConvTranspose2d(c * (2 if level else 1), c_in, 4, 2, 1), nn.ReLU()))
        c = c_in
    return inner


def test_unet_gradcheck():
    backend.manual_seed(0)
    net = unet()
    x = rand((2, 2, 8, 8), 4)
    y = net(x.astype(np.float32))
    assert y.shape == (2, 4, 8, 8)
    net.backward(np.ones(y.shape, np.float32), y)
    errors = gradcheck(net, x)
    assert max(errors.values()) < TOL, errors


def test_skip_concat_splits_the_gradient_and_adds_the_paths(xp):
    """body = 3x: y = [x, 3x], so dx = dy_x + 3 dy_h."""
    class Triple(nn.Module):
        def forward(self, x):
            return self.remember(3 * x, ())

        def backward(self, dy, output=None):
            self.recall(output)
            return 3 * dy
    block = nn.SkipConcat(Triple())
    x = xp.asarray([[[[1.0]], [[2.0]]]], dtype=xp.float32)       # (1, 2, 1, 1)
    y = block(x)
    assert H(y).ravel().tolist() == [1.0, 2.0, 3.0, 6.0]
    dx = block.backward(xp.asarray([[[[1.0]], [[10.0]], [[100.0]], [[1000.0]]]], dtype=xp.float32))
    assert H(dx).ravel().tolist() == [1.0 + 300.0, 10.0 + 3000.0]


def test_residual_block_with_reflection_padding_and_instance_norm():
    """CycleGAN's residual block: x + [pad, conv, IN, ReLU, pad, conv, IN](x).
    (A conv bias before InstanceNorm gets exactly zero gradient: the norm removes
    every per-channel constant.  So the convs have none here.)"""
    backend.manual_seed(1)
    block = nn.Residual(nn.Sequential(
        nn.ReflectionPad2d(1), nn.Conv2d(3, 3, 3, bias=False), nn.InstanceNorm2d(3), nn.ReLU(),
        nn.ReflectionPad2d(1), nn.Conv2d(3, 3, 3, bias=False), nn.InstanceNorm2d(3)))
    x = rand((2, 3, 5, 5), 6)
    errors = gradcheck(block, x)
    assert max(errors.values()) < TOL, errors


def test_skip_concat_refuses_a_body_that_changes_the_size():
    with pytest.raises(ShapeError, match="SkipConcat"):
        nn.SkipConcat(nn.Conv2d(1, 1, 2, 2))(np.zeros((1, 1, 4, 4), np.float32))
