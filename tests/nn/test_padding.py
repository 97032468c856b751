"""Padding: ZeroPad2d, ConstantPad2d, ReflectionPad2d, ReplicationPad2d,
CircularPad2d and Conv2d's padding_mode.  Each checked three ways: the strip
code against its loop twin over hypothesis-drawn shapes, paddings and modes;
finite differences; closed forms; and PyTorch, number for number."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from scratchgan import backend, nn
from scratchgan.gradient_check import gradcheck
from scratchgan.nn import conv, padding as P
from scratchgan.nn.module import ShapeError

FAST = settings(max_examples=25, deadline=None)
LAYERS = {"constant": lambda p: nn.ConstantPad2d(p, 1.5), "zeros": nn.ZeroPad2d,
          "reflect": nn.ReflectionPad2d, "replicate": nn.ReplicationPad2d,
          "circular": nn.CircularPad2d}
MODE = {"constant": "constant", "zeros": "constant", "reflect": "reflect",
        "replicate": "replicate", "circular": "circular"}


def legal(pads, h, w, mode):
    """Clip drawn paddings to what the mode allows (reflect < size, circular <= size)."""
    left, right, top, bottom = pads
    if mode == "reflect":
        return min(left, w - 1), min(right, w - 1), min(top, h - 1), min(bottom, h - 1)
    if mode == "circular":
        return min(left, w), min(right, w), min(top, h), min(bottom, h)
    return left, right, top, bottom


@FAST
@given(n=st.integers(1, 2), c=st.integers(1, 3), h=st.integers(2, 6), w=st.integers(2, 6),
       pads=st.lists(st.integers(0, 7), min_size=4, max_size=4),
       kind=st.sampled_from(sorted(LAYERS)), seed=st.integers(0, 1000))
def test_strips_equal_the_loop_twin_and_finite_differences(n, c, h, w, pads, kind, seed):
    pads = legal(pads, h, w, MODE[kind])
    rs = np.random.RandomState(seed)
    x = rs.standard_normal((n, c, h, w))
    layer = LAYERS[kind](pads)
    y = layer(x)
    np.testing.assert_array_equal(y, P.pad2d_simple(x, pads, MODE[kind], layer.value))
    dy = rs.standard_normal(y.shape)
    np.testing.assert_allclose(layer.backward(dy, y),
                               P.pad2d_backward_simple(dy, x.shape, pads, MODE[kind]),
                               rtol=1e-12, atol=1e-12)
    assert gradcheck(layer, x)["input"] < 1e-8


@pytest.mark.parametrize("kind, expected_y, expected_dx", [
    # one row [a b c] = [1 2 3], padding (2, 1); dy = [1, 10, 100, 1000, 1e4, 1e5]
    ("zeros", [0, 0, 1, 2, 3, 0], [100, 1000, 1e4]),
    ("constant", [1.5, 1.5, 1, 2, 3, 1.5], [100, 1000, 1e4]),
    ("reflect", [3, 2, 1, 2, 3, 2], [100, 10 + 1000 + 1e5, 1 + 1e4]),
    ("replicate", [1, 1, 1, 2, 3, 3], [1 + 10 + 100, 1000, 1e4 + 1e5]),
    ("circular", [2, 3, 1, 2, 3, 1], [100 + 1e5, 1 + 1000, 10 + 1e4]),
])
def test_closed_forms(kind, expected_y, expected_dx, xp):
    layer = LAYERS[kind]((2, 1, 0, 0))
    x = xp.asarray([[[[1.0, 2.0, 3.0]]]], dtype=xp.float32)
    y = layer(x)
    assert backend.to_host(y).ravel().tolist() == expected_y
    dy = xp.asarray([[[[1.0, 10.0, 100.0, 1000.0, 1e4, 1e5]]]], dtype=xp.float32)
    assert backend.to_host(layer.backward(dy, y)).ravel().tolist() == expected_dx


def test_errors_name_the_layer_and_the_limit():
    with pytest.raises(ShapeError, match=r"ReflectionPad2d.*smaller than the input"):
        nn.ReflectionPad2d(3)(np.zeros((1, 1, 3, 3), np.float32))
    with pytest.raises(ShapeError, match=r"CircularPad2d.*at most the input"):
        nn.CircularPad2d(4)(np.zeros((1, 1, 3, 3), np.float32))
    with pytest.raises(ValueError, match="left, right, top, bottom"):
        nn.ZeroPad2d((1, 2))
    with pytest.raises(ValueError, match=">= 0"):
        nn.ReplicationPad2d(-1)
    with pytest.raises(ShapeError, match=r"4-D input"):
        nn.ZeroPad2d(1)(np.zeros((3, 3), np.float32))
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        nn.Conv2d(1, 1, 3, padding_mode="mirror")
    with pytest.raises(ShapeError, match=r"Conv2d.*reflect padding"):
        nn.Conv2d(1, 1, 3, padding=2, padding_mode="reflect")(np.zeros((1, 1, 2, 2), np.float32))


@pytest.mark.parametrize("algorithm", ["im2col", "shifted"])
@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_conv_padding_mode_gradcheck_and_equals_pad_then_conv(mode, algorithm, monkeypatch):
    monkeypatch.setattr(conv, "CONV_METHOD", algorithm)
    backend.manual_seed(0)
    layer = nn.Conv2d(2, 3, 3, stride=1, padding=(1, 2), padding_mode=mode)
    plain = nn.Conv2d(2, 3, 3, stride=1, padding=0)
    plain.load_state_dict(layer.state_dict())
    pad = P._Pad2d((2, 2, 1, 1))
    pad.mode = mode
    x = np.random.RandomState(1).standard_normal((2, 2, 4, 5)).astype(np.float32)
    y = layer(x)
    np.testing.assert_allclose(y, plain(pad(x)), rtol=1e-6, atol=1e-6)
    errors = gradcheck(layer, x.astype(np.float64))
    assert max(errors.values()) < 1e-7, errors
    assert "padding_mode='%s'" % mode in repr(layer)


def test_conv_padding_mode_on_the_device(xp):
    layer = nn.Conv2d(2, 2, 3, padding=1, padding_mode="reflect")
    if backend.get_xp() is not np:
        layer.to("gpu")
    x = xp.asarray(np.random.RandomState(0).standard_normal((1, 2, 4, 4)), dtype=xp.float32)
    y = layer(x)
    assert layer.backward(xp.ones_like(y), y).shape == (1, 2, 4, 4)


# ------------------------------------------------------------------ PyTorch parity
try:
    import torch
except ImportError:                       # the parity extra is not installed
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch (the parity extra) not installed")
TORCH = {} if torch is None else {
    "constant": lambda p: torch.nn.ConstantPad2d(p, 1.5), "zeros": torch.nn.ZeroPad2d,
    "reflect": torch.nn.ReflectionPad2d, "replicate": torch.nn.ReplicationPad2d,
    "circular": torch.nn.CircularPad2d}


@needs_torch
@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 2), c=st.integers(1, 3), h=st.integers(2, 7), w=st.integers(2, 7),
       pads=st.lists(st.integers(0, 5), min_size=4, max_size=4),
       kind=st.sampled_from(sorted(LAYERS)), seed=st.integers(0, 1000))
def test_pad_layers_match_pytorch(n, c, h, w, pads, kind, seed):
    pads = legal(pads, h, w, MODE[kind])
    rs = np.random.RandomState(seed)
    x = rs.standard_normal((n, c, h, w)).astype(np.float32)
    ours, theirs = LAYERS[kind](pads), TORCH[kind](pads)
    tx = torch.from_numpy(x).requires_grad_(True)
    ty = theirs(tx)
    y = ours(x)
    np.testing.assert_array_equal(y, ty.detach().numpy())
    dy = rs.standard_normal(y.shape).astype(np.float32)
    ty.backward(torch.from_numpy(dy))
    np.testing.assert_allclose(ours.backward(dy, y), tx.grad.numpy(), rtol=1e-6, atol=1e-6)


@needs_torch
@settings(max_examples=20, deadline=None)
@given(c=st.integers(1, 3), oc=st.integers(1, 3), h=st.integers(3, 7), w=st.integers(3, 7),
       k=st.integers(1, 3), s=st.integers(1, 2), p=st.integers(0, 2),
       mode=st.sampled_from(["zeros", "reflect", "replicate", "circular"]),
       seed=st.integers(0, 1000))
def test_conv_padding_modes_match_pytorch(c, oc, h, w, k, s, p, mode, seed):
    rs = np.random.RandomState(seed)
    theirs = torch.nn.Conv2d(c, oc, k, stride=s, padding=p, padding_mode=mode)
    ours = nn.Conv2d(c, oc, k, stride=s, padding=p, padding_mode=mode)
    ours.load_state_dict({key: v.detach().numpy() for key, v in theirs.state_dict().items()})
    x = rs.standard_normal((2, c, h, w)).astype(np.float32)
    tx = torch.from_numpy(x).requires_grad_(True)
    ty = theirs(tx)
    y = ours(x)
    np.testing.assert_allclose(y, ty.detach().numpy(), rtol=1e-5, atol=1e-5)
    dy = rs.standard_normal(y.shape).astype(np.float32)
    ty.backward(torch.from_numpy(dy))
    np.testing.assert_allclose(ours.backward(dy, y), tx.grad.numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(ours.weight.grad, theirs.weight.grad.numpy(), rtol=1e-4, atol=1e-4)
