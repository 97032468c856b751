"""Conv2d, ConvTranspose2d, im2col/col2im: loop oracles, gradients, closed forms, errors.

Every test runs on NumPy, and on CuPy where a GPU exists (the ``backend_name``
and ``xp`` fixtures of conftest.py).  The oracles below are plain loops over
output pixels, written straight from the definitions, in float64 NumPy.
"""
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

from scratchgan import backend
from scratchgan.gradient_check import gradcheck, rel_error
from scratchgan.nn.conv import Conv2d
from scratchgan.nn.conv_transpose import ConvTranspose2d
from scratchgan.nn.im2col import col2im, im2col
from scratchgan.nn.linear import Linear
from scratchgan.nn.module import ShapeError
from scratchgan.nn.conv import conv2d_simple
from scratchgan.nn.conv_transpose import conv_transpose2d_simple

from helpers import hwnc

TOL = 1e-6            # float64 finite differences (see scratchgan/gradient_check.py)
FAST = settings(max_examples=25, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])
h = backend.to_host


# ------------------------------------------------------------------ oracles
# The naive twins live in the library (the top of scratchgan/nn/conv.py): plain loops
# over output pixels, written straight from the definitions, in float64 NumPy.
naive_conv2d = conv2d_simple
naive_conv_transpose2d = conv_transpose2d_simple


# --------------------------------------------------------------- strategies
@st.composite
def conv_cases(draw):
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    ph, pw = draw(st.integers(0, 2)), draw(st.integers(0, 2))
    H = draw(st.integers(max(1, kh - 2 * ph), 7))
    W = draw(st.integers(max(1, kw - 2 * pw), 7))
    return dict(n=draw(st.integers(1, 3)), c=draw(st.integers(1, 3)), oc=draw(st.integers(1, 3)),
                k=(kh, kw), s=(sh, sw), p=(ph, pw), H=H, W=W, bias=draw(st.booleans()),
                seed=draw(st.integers(0, 10_000)))


@st.composite
def convt_cases(draw):
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    ph, pw = draw(st.integers(0, 2)), draw(st.integers(0, 2))
    oph, opw = draw(st.integers(0, sh - 1)), draw(st.integers(0, sw - 1))
    H, W = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    assume((H - 1) * sh - 2 * ph + kh + oph > 0 and (W - 1) * sw - 2 * pw + kw + opw > 0)
    return dict(n=draw(st.integers(1, 3)), c=draw(st.integers(1, 3)), oc=draw(st.integers(1, 3)),
                k=(kh, kw), s=(sh, sw), p=(ph, pw), op=(oph, opw), H=H, W=W,
                bias=draw(st.booleans()), seed=draw(st.integers(0, 10_000)))


def make_conv(case):
    return Conv2d(case["c"], case["oc"], case["k"], case["s"], case["p"], bias=case["bias"])


def make_convt(case):
    return ConvTranspose2d(case["c"], case["oc"], case["k"], case["s"], case["p"], case["op"],
                           bias=case["bias"])


# ------------------------------------------------------- (a) loop oracles
@FAST
@given(case=conv_cases())
def test_conv2d_matches_loop_oracle(backend_name, case):
    backend.set_default_dtype(np.float64)
    backend.manual_seed(case["seed"])
    layer = make_conv(case)
    x = np.random.RandomState(case["seed"]).standard_normal((case["n"], case["c"], case["H"], case["W"]))
    b = h(layer.bias.data) if layer.bias is not None else None
    want = naive_conv2d(x, h(layer.weight.data), b, case["s"], case["p"])
    y = layer(backend.get_xp().asarray(x))
    assert y.shape == want.shape == layer.output_shape(x.shape)
    np.testing.assert_allclose(h(y), want, rtol=1e-12, atol=1e-12)


@FAST
@given(case=convt_cases())
def test_conv_transpose2d_matches_loop_oracle(backend_name, case):
    backend.set_default_dtype(np.float64)
    backend.manual_seed(case["seed"])
    layer = make_convt(case)
    x = np.random.RandomState(case["seed"]).standard_normal((case["n"], case["c"], case["H"], case["W"]))
    b = h(layer.bias.data) if layer.bias is not None else None
    want = naive_conv_transpose2d(x, h(layer.weight.data), b, case["s"], case["p"], case["op"])
    y = layer(backend.get_xp().asarray(x))
    assert y.shape == want.shape == layer.output_shape(x.shape)
    np.testing.assert_allclose(h(y), want, rtol=1e-12, atol=1e-12)


@FAST
@given(case=conv_cases())
def test_im2col_rows_are_patches_and_col2im_is_its_adjoint(xp, case):
    (kh, kw), (sh, sw), (ph, pw) = case["k"], case["s"], case["p"]
    r = np.random.RandomState(case["seed"])
    x = r.standard_normal((case["n"], case["c"], case["H"], case["W"]))
    cols = h(im2col(xp.asarray(x), kh, kw, case["s"], case["p"]))
    N, C, H, W = x.shape
    OH, OW = (H + 2 * ph - kh) // sh + 1, (W + 2 * pw - kw) // sw + 1
    assert cols.shape == (OH * OW * N, kh * kw * C)
    xpad = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    for oh, ow, n in [(0, 0, 0), (OH - 1, OW - 1, N - 1), (OH // 2, 0, N // 2)]:
        patch = xpad[n, :, oh * sh:oh * sh + kh, ow * sw:ow * sw + kw]        # (C, kh, kw)
        np.testing.assert_array_equal(cols[(oh * OW + ow) * N + n],
                                      patch.transpose(1, 2, 0).reshape(-1))  # (i, j, c) order
    # <im2col(x), c> == <x, col2im(c)>: col2im is im2col's adjoint
    c = r.standard_normal(cols.shape)
    dx = h(col2im(xp.asarray(c), x.shape, kh, kw, case["s"], case["p"]))
    assert dx.shape == x.shape
    np.testing.assert_allclose((cols * c).sum(), (x * dx).sum(), rtol=1e-10)


def test_col2im_rejects_wrong_shape(xp):
    with pytest.raises(ValueError, match="col2im: expected cols of shape"):
        col2im(xp.zeros((5, 7)), (1, 2, 4, 4), 3, 3, 1, 0)


# ------------------------------------------------- (b) gradient checks
@FAST
@given(case=conv_cases())
def test_conv2d_gradcheck(backend_name, case):
    backend.manual_seed(case["seed"])
    layer = make_conv(case)
    x = backend.get_xp().asarray(np.random.RandomState(case["seed"]).standard_normal(
        (case["n"], case["c"], case["H"], case["W"])))
    errors = gradcheck(layer, x)
    assert set(errors) == {"input", "weight"} | ({"bias"} if case["bias"] else set())
    assert max(errors.values()) < TOL, errors


@FAST
@given(case=convt_cases())
def test_conv_transpose2d_gradcheck(backend_name, case):
    backend.manual_seed(case["seed"])
    layer = make_convt(case)
    x = backend.get_xp().asarray(np.random.RandomState(case["seed"]).standard_normal(
        (case["n"], case["c"], case["H"], case["W"])))
    errors = gradcheck(layer, x)
    assert set(errors) == {"input", "weight"} | ({"bias"} if case["bias"] else set())
    assert max(errors.values()) < TOL, errors


# --------------------------------------------------------- (c) closed forms
def test_conv2d_hand_computed_2x2(xp):
    layer = Conv2d(1, 1, 2)
    layer.weight.data[...] = xp.asarray([[[[1, 0], [0, -1]]]], dtype=xp.float32)
    layer.bias.data[...] = 0.5
    x = xp.asarray([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]], dtype=xp.float32)
    y = layer(x)
    # y[oh, ow] = x[oh, ow] - x[oh+1, ow+1] + 0.5 = -4 + 0.5 everywhere
    assert h(y).tolist() == [[[[-3.5, -3.5], [-3.5, -3.5]]]]
    dx = layer.backward(xp.asarray([[[[1, 0], [0, 2]]]], dtype=xp.float32))
    # dx = sum over windows of dy[oh, ow] * W placed at (oh, ow)
    assert h(dx).tolist() == [[[[1, 0, 0], [0, 1, 0], [0, 0, -2]]]]
    # dW[i, j] = sum dy[oh, ow] x[oh+i, ow+j];  db = sum dy
    assert h(layer.weight.grad).tolist() == [[[[1 + 2 * 5, 2 + 2 * 6], [4 + 2 * 8, 5 + 2 * 9]]]]
    assert h(layer.bias.grad).tolist() == [3.0]


def test_conv2d_with_padding_and_stride_by_hand(xp):
    layer = Conv2d(1, 1, 3, stride=2, padding=1, bias=False)
    layer.weight.data[...] = 1
    x = xp.arange(16, dtype=xp.float32).reshape(1, 1, 4, 4)
    # output (1, 1, 2, 2): 3x3 box sums of the zero-padded input at (0,0),(0,2),(2,0),(2,2)
    assert h(layer(x)).tolist() == [[[[0 + 1 + 4 + 5, 1 + 2 + 3 + 5 + 6 + 7],
                                       [4 + 5 + 8 + 9 + 12 + 13, 5 + 6 + 7 + 9 + 10 + 11 + 13 + 14 + 15]]]]


def test_1x1_conv_is_a_linear_over_channels(xp):
    conv = Conv2d(3, 4, 1)
    lin = Linear(3, 4)
    lin.weight.data[...] = conv.weight.data.reshape(4, 3)
    lin.bias.data[...] = conv.bias.data
    x = xp.asarray(np.random.RandomState(0).standard_normal((2, 3, 5, 6)), dtype=xp.float32)
    rows = x.transpose(0, 2, 3, 1).reshape(-1, 3)                     # one row per pixel
    y = conv(x)
    np.testing.assert_allclose(h(y.transpose(0, 2, 3, 1).reshape(-1, 4)), h(lin(rows)), rtol=1e-5,
                               atol=1e-6)
    dy = xp.asarray(np.random.RandomState(1).standard_normal(y.shape), dtype=xp.float32)
    dx = conv.backward(dy)
    dx_lin = lin.backward(dy.transpose(0, 2, 3, 1).reshape(-1, 4))
    np.testing.assert_allclose(h(dx.transpose(0, 2, 3, 1).reshape(-1, 3)), h(dx_lin), rtol=1e-5,
                               atol=1e-5)
    np.testing.assert_allclose(h(conv.weight.grad.reshape(4, 3)), h(lin.weight.grad), rtol=1e-5,
                               atol=1e-5)
    np.testing.assert_allclose(h(conv.bias.grad), h(lin.bias.grad), rtol=1e-5, atol=1e-5)


def test_conv_transpose_with_stride_equal_kernel_tiles_the_kernel(xp):
    """Non-overlapping windows: y = kron(x, W), each input pixel paints one tile."""
    layer = ConvTranspose2d(1, 1, 2, stride=2, bias=False)
    k = np.array([[1, 2], [3, 4]], dtype=np.float32)
    layer.weight.data[...] = xp.asarray(k)
    x = np.array([[1, -1], [2, 0]], dtype=np.float32)
    y = layer(xp.asarray(x).reshape(1, 1, 2, 2))
    np.testing.assert_array_equal(h(y)[0, 0], np.kron(x, k))
    dx = layer.backward(xp.ones((1, 1, 4, 4), dtype=xp.float32))
    np.testing.assert_array_equal(h(dx)[0, 0], np.full((2, 2), k.sum()))


@pytest.mark.parametrize("k,s,p,op", [(4, 2, 1, 0), (3, 2, 1, 1), (3, 1, 0, 0), ((3, 2), (2, 3), (1, 0), (1, 2))])
def test_conv_transpose_is_the_gradient_of_conv(xp, k, s, p, op):
    """ConvTranspose2d(C->OC).forward == Conv2d(OC->C).backward with the same weight, and
    ConvTranspose2d.backward == Conv2d.forward: the key fact of conv.py."""
    backend.set_default_dtype(np.float64)
    convt = ConvTranspose2d(3, 2, k, s, p, op, bias=False)
    conv = Conv2d(2, 3, k, s, p, bias=False)
    conv.weight.data[...] = convt.weight.data                       # both (3, 2, kh, kw)
    x = xp.asarray(np.random.RandomState(0).standard_normal((2, 3, 4, 5)))
    y = convt(x)
    conv(xp.zeros(y.shape))                                         # sets conv's input shape
    np.testing.assert_allclose(h(conv.backward(x)), h(y), rtol=1e-12, atol=1e-12)
    dy = xp.asarray(np.random.RandomState(1).standard_normal(y.shape))
    np.testing.assert_allclose(h(convt.backward(dy)), h(conv(dy)), rtol=1e-12, atol=1e-12)


def test_output_shapes_like_pytorch(xp):
    x = xp.zeros((2, 3, 28, 28), dtype=xp.float32)
    assert Conv2d(3, 8, 4, 2, 1)(x).shape == (2, 8, 14, 14)
    assert Conv2d(3, 8, 3, 1, 1)(x).shape == (2, 8, 28, 28)
    assert Conv2d(3, 8, (5, 3), (2, 1), (0, 1))(x).shape == (2, 8, 12, 28)
    z = xp.zeros((2, 3, 7, 7), dtype=xp.float32)
    assert ConvTranspose2d(3, 8, 4, 2, 1)(z).shape == (2, 8, 14, 14)
    assert ConvTranspose2d(3, 8, 3, 2, 1, 1)(z).shape == (2, 8, 14, 14)
    assert ConvTranspose2d(3, 8, 7)(xp.zeros((2, 3, 1, 1), dtype=xp.float32)).shape == (2, 8, 7, 7)


def test_default_init_and_names(xp):
    conv = Conv2d(3, 8, 3)
    assert conv.weight.shape == (8, 3, 3, 3) and conv.bias.shape == (8,)
    w = h(conv.weight.data)
    bound = 1 / np.sqrt(3 * 3 * 3)                                  # fan_in = IC*kh*kw
    assert w.dtype == np.float32 and np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    assert np.abs(h(conv.bias.data)).max() <= bound
    convt = ConvTranspose2d(8, 3, 4)
    assert convt.weight.shape == (8, 3, 4, 4) and convt.bias.shape == (3,)
    bound = 1 / np.sqrt(3 * 4 * 4)                                  # fan_in = OC*kh*kw
    w = h(convt.weight.data)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    assert list(conv.state_dict()) == ["weight", "bias"]
    assert list(Conv2d(3, 8, 3, bias=False).state_dict()) == ["weight"]
    assert repr(ConvTranspose2d(3, 8, 3, 2, 1, 1)) == (
        "ConvTranspose2d(3, 8, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), "
        "output_padding=(1, 1))")


def test_any_input_memory_layout_gives_the_same_numbers(xp):
    """Outputs are NCHW in shape and HWNC in memory; every layout is accepted."""
    x = xp.asarray(np.random.RandomState(0).standard_normal((3, 4, 6, 5)), dtype=xp.float32)
    dyc = xp.asarray(np.random.RandomState(1).standard_normal((3, 2, 3, 3)), dtype=xp.float32)
    for layer, dy in [(Conv2d(4, 2, 3, 2, 1), dyc), (ConvTranspose2d(4, 2, 3, 1, 1), None)]:
        outs = []
        for xin in (x, hwnc(x), x[:, :, ::-1, :][:, :, ::-1, :], xp.asfortranarray(x)):
            g = dy if dy is not None else xp.ones(layer.output_shape(x.shape), dtype=xp.float32)
            for gin in (g, hwnc(g)):
                layer.zero_grad()
                y = layer(xin)
                outs.append((h(y), h(layer.backward(gin)), h(layer.weight.grad)))
        for o in outs[1:]:
            for a, b in zip(o, outs[0]):
                np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


# ------------------------------------------------ (d) gradient accumulation
@pytest.mark.parametrize("make", [lambda: Conv2d(2, 3, 3, 2, 1),
                                  lambda: ConvTranspose2d(2, 3, 4, 2, 1, 1)])
def test_gradients_accumulate(xp, make):
    layer = make()
    r = np.random.RandomState(0)
    a = xp.asarray(r.standard_normal((2, 2, 5, 5)), dtype=xp.float32)
    b = xp.asarray(r.standard_normal((2, 2, 5, 5)), dtype=xp.float32)
    grads = []
    for x in (a, b):
        layer.zero_grad()
        y = layer(x)
        layer.backward(xp.ones_like(y))
        grads.append((h(layer.weight.grad).copy(), h(layer.bias.grad).copy()))
    layer.zero_grad()
    for x in (a, b):                                                 # D(real) then D(fake)
        layer.backward(xp.ones_like(layer(x)))
    np.testing.assert_allclose(h(layer.weight.grad), grads[0][0] + grads[1][0], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(h(layer.bias.grad), grads[0][1] + grads[1][1], rtol=1e-5, atol=1e-5)


# ------------------------------------------------------------ (e) bad input
def test_conv2d_bad_inputs_are_named(xp):
    layer = Conv2d(3, 4, 3)
    with pytest.raises(ShapeError, match=r"Conv2d\(3, 4.*4-D"):
        layer(xp.ones((3, 5, 5), dtype=xp.float32))
    with pytest.raises(ShapeError, match=r"expected input with 3 channels.*\(2, 5, 5, 5\)"):
        layer(xp.ones((2, 5, 5, 5), dtype=xp.float32))
    with pytest.raises(TypeError, match="dtype float64 does not match"):
        layer(xp.ones((2, 3, 5, 5), dtype=xp.float64))
    with pytest.raises(ShapeError, match=r"spatial size 2x2 .*smaller than the kernel 3x3"):
        layer(xp.ones((2, 3, 2, 2), dtype=xp.float32))
    with pytest.raises(RuntimeError, match="before forward"):
        Conv2d(3, 4, 3).backward(xp.ones((2, 4, 3, 3), dtype=xp.float32))
    layer(xp.ones((2, 3, 5, 5), dtype=xp.float32))
    with pytest.raises(ShapeError, match=r"backward expected grad of shape \(2, 4, 3, 3\)"):
        layer.backward(xp.ones((2, 4, 5, 5), dtype=xp.float32))
    with pytest.raises(ValueError, match="stride must be positive"):
        Conv2d(3, 4, 3, stride=0)
    with pytest.raises(ValueError, match="kernel_size: expected an int or a pair"):
        Conv2d(3, 4, (3, 3, 3))


def test_conv_transpose2d_bad_inputs_are_named(xp):
    with pytest.raises(ValueError, match=r"output_padding \(2, 2\) must be smaller than stride \(2, 2\)"):
        ConvTranspose2d(3, 4, 4, stride=2, output_padding=2)
    with pytest.raises(ValueError, match="output_padding"):
        ConvTranspose2d(3, 4, 3, stride=1, output_padding=1)
    layer = ConvTranspose2d(3, 4, 3, padding=2)
    with pytest.raises(ShapeError, match=r"ConvTranspose2d\(3, 4.*non-positive output size"):
        layer(xp.ones((1, 3, 1, 1), dtype=xp.float32))
    with pytest.raises(ShapeError, match="expected input with 3 channels"):
        layer(xp.ones((1, 4, 5, 5), dtype=xp.float32))
    with pytest.raises(ShapeError, match="4-D"):
        layer(xp.ones((4, 3), dtype=xp.float32))
    with pytest.raises(TypeError, match="dtype float64 does not match"):
        layer(xp.ones((1, 3, 5, 5), dtype=xp.float64))
    layer(xp.ones((1, 3, 5, 5), dtype=xp.float32))
    with pytest.raises(ShapeError, match="backward expected grad"):
        layer.backward(xp.ones((1, 4, 5, 5), dtype=xp.float32))


# ------------------------------------------------- (f) optional: PyTorch
PARITY = [  # (in, out, kernel, stride, padding, output_padding, bias, input shape)
    (3, 5, 3, 1, 0, 0, True, (2, 3, 8, 7)),
    (3, 5, 4, 2, 1, 1, True, (1, 3, 6, 5)),          # batch of 1
    (2, 4, (3, 2), (2, 3), (1, 0), (1, 2), False, (3, 2, 5, 6)),
    (64, 32, 4, 2, 1, 0, True, (4, 64, 7, 7)),       # DCGAN-sized channels
]


@pytest.mark.parametrize("transposed", [False, True])
@pytest.mark.parametrize("cfg", PARITY)
def test_matches_pytorch(backend_name, transposed, cfg):
    torch = pytest.importorskip("torch")
    xp = backend.get_xp()
    ic, oc, k, s, p, op, bias, shape = cfg
    if transposed:
        ours = ConvTranspose2d(ic, oc, k, s, p, op, bias=bias)
        theirs = torch.nn.ConvTranspose2d(ic, oc, k, s, p, op, bias=bias)
    else:
        ours = Conv2d(ic, oc, k, s, p, bias=bias)
        theirs = torch.nn.Conv2d(ic, oc, k, s, p, bias=bias)
    ours.load_state_dict({k_: v.detach().numpy() for k_, v in theirs.state_dict().items()})
    x = np.random.RandomState(0).standard_normal(shape).astype(np.float32)
    tx = torch.from_numpy(x).requires_grad_(True)
    ty = theirs(tx)
    dy = np.random.RandomState(1).standard_normal(tuple(ty.shape)).astype(np.float32)
    ty.backward(torch.from_numpy(dy))
    y = ours(xp.asarray(x))
    dx = ours.backward(xp.asarray(dy))
    assert rel_error(y, ty.detach().numpy()) < 1e-5
    assert rel_error(dx, tx.grad.numpy()) < 1e-5
    for name, prm in ours.named_parameters():
        assert rel_error(prm.grad, getattr(theirs, name).grad.numpy()) < 1e-5, name


def test_conv_transpose_can_skip_the_input_gradient():
    from scratchgan import nn
    """ConvTranspose2d takes input_grad= like Conv2d and Linear: same dW, db, no dx."""
    rs = np.random.RandomState(0)
    x = rs.standard_normal((2, 3, 4, 4)).astype(np.float32)
    a = nn.ConvTranspose2d(3, 2, 4, 2, 1)
    b = nn.ConvTranspose2d(3, 2, 4, 2, 1)
    b.load_state_dict(a.state_dict())
    dy = rs.standard_normal((2, 2, 8, 8)).astype(np.float32)
    ya, yb = a(x), b(x)
    assert a.backward(dy, ya).shape == x.shape
    assert b.backward(dy, yb, input_grad=False) is None
    np.testing.assert_array_equal(a.weight.grad, b.weight.grad)
    np.testing.assert_array_equal(a.bias.grad, b.bias.grad)


# ------------------------------------------- stride 1: shifted GEMMs (shifted_gemm.py)
@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 3), c=st.integers(1, 4), oc=st.integers(1, 4), h=st.integers(1, 7),
       w=st.integers(1, 7), kh=st.integers(1, 4), kw=st.integers(1, 4), ph=st.integers(0, 2),
       pw=st.integers(0, 2), seed=st.integers(0, 1000), hwnc_input=st.booleans())
def test_shifted_path_matches_the_loop_twin_and_finite_differences(n, c, oc, h, w, kh, kw, ph, pw,
                                                                   seed, hwnc_input):
    assume(h + 2 * ph >= kh and w + 2 * pw >= kw)
    from scratchgan.nn import conv
    old, conv.CONV_METHOD = conv.CONV_METHOD, "shifted"
    try:
        r = np.random.RandomState(seed)
        x = r.standard_normal((n, c, h, w))
        if hwnc_input:
            x = hwnc(x)
        layer = Conv2d(c, oc, (kh, kw), 1, (ph, pw)).to(dtype=np.float64)
        y = layer(x)
        expected = conv2d_simple(x, layer.weight.data, layer.bias.data, (1, 1), (ph, pw))
        np.testing.assert_allclose(y, expected, rtol=1e-10, atol=1e-12)
        layer.backward(np.ones_like(y), y)                  # consume the cache
        errors = gradcheck(layer, x)
        assert max(errors.values()) < 1e-6, errors
    finally:
        conv.CONV_METHOD = old


def test_auto_takes_the_shifted_path_where_it_suits_and_agrees_with_im2col(monkeypatch):
    from scratchgan.nn import conv
    from scratchgan.nn.kernels import shifted_gemm
    r = np.random.RandomState(0)
    x = r.standard_normal((4, 32, 12, 12)).astype(np.float32)
    layer = Conv2d(32, 16, 3, 1, 1)
    assert shifted_gemm.suits(32, 16, (3, 3), (1, 1), x.shape)
    assert not shifted_gemm.suits(32, 64, (4, 4), (1, 1), (64, 32, 8, 8))   # narrow, many outputs
    assert shifted_gemm.suits(64, 1, (4, 4), (1, 1), (64, 64, 7, 7))        # narrow, one output
    assert not shifted_gemm.suits(32, 16, (4, 4), (2, 2), x.shape)    # stride 2: im2col
    assert not shifted_gemm.suits(1, 64, (3, 3), (1, 1), x.shape)     # one channel: im2col
    dy = r.standard_normal((4, 16, 12, 12)).astype(np.float32)
    results, calls = {}, []
    real_forward = shifted_gemm.forward
    monkeypatch.setattr(shifted_gemm, "forward", lambda *a: calls.append(1) or real_forward(*a))
    for algorithm in ("auto", "im2col"):
        monkeypatch.setattr(conv, "CONV_METHOD", algorithm)
        layer.zero_grad()
        y = layer(x)
        assert len(calls) == (1 if algorithm == "auto" else 1)      # auto took it; im2col not
        dx = layer.backward(dy, y)
        results[algorithm] = (y, dx, layer.weight.grad.copy(), layer.bias.grad.copy())
    for a, b in zip(results["auto"], results["im2col"]):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=2e-5)
