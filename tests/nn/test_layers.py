"""Linear, activations, Dropout and shape helpers: gradients, closed forms, errors."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import scratchgan as sg
from scratchgan import backend, nn
from scratchgan.gradient_check import gradcheck

TOL = 1e-6          # float64 finite differences (see scratchgan/gradient_check.py)
FAST = settings(max_examples=20, deadline=None)


def away_from_zero(xp, shape, seed, margin=0.05):
    """Random inputs with |x| >= margin, so finite differences never straddle a kink."""
    r = np.random.RandomState(seed)
    x = r.uniform(margin, 2.0, size=shape) * r.choice([-1.0, 1.0], size=shape)
    return xp.asarray(x)


# ------------------------------------------------------------------ Linear
@FAST
@given(n=st.integers(1, 5), fin=st.integers(1, 6), fout=st.integers(1, 6),
       bias=st.booleans(), seed=st.integers(0, 1000))
def test_linear_gradcheck(n, fin, fout, bias, seed):
    backend.manual_seed(seed)
    layer = nn.Linear(fin, fout, bias=bias)
    x = np.random.RandomState(seed).standard_normal((n, fin))
    errors = gradcheck(layer, x)
    assert set(errors) == ({"input", "weight", "bias"} if bias else {"input", "weight"})
    assert max(errors.values()) < TOL, errors


def test_linear_closed_form(xp):
    layer = nn.Linear(2, 3)
    layer.weight.data[...] = xp.asarray([[1, 2], [3, 4], [5, 6]], dtype=xp.float32)
    layer.bias.data[...] = xp.asarray([0.5, -1, 0], dtype=xp.float32)
    x = xp.asarray([[1, -1]], dtype=xp.float32)
    y = layer(x)
    assert backend.to_host(y).tolist() == [[-0.5, -2.0, -1.0]]
    dx = layer.backward(xp.asarray([[1, 0, 2]], dtype=xp.float32))
    # dx = dy W = [1*1 + 2*5, 1*2 + 2*6]; dW = dy^T x; db = dy
    assert backend.to_host(dx).tolist() == [[11.0, 14.0]]
    assert backend.to_host(layer.weight.grad).tolist() == [[1, -1], [0, 0], [2, -2]]
    assert backend.to_host(layer.bias.grad).tolist() == [1, 0, 2]


def test_linear_default_init_bounds_and_shapes(xp):
    layer = nn.Linear(100, 7)
    assert layer.weight.shape == (7, 100) and layer.bias.shape == (7,)
    assert layer.weight.data.dtype == np.float32
    bound = 1 / np.sqrt(100)
    w = backend.to_host(layer.weight.data)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound


def test_gradients_accumulate_over_two_backwards(xp):
    """D(real) then D(fake) must leave the *sum* of both gradients (GAN step)."""
    D = nn.Sequential(nn.Linear(3, 4), nn.LeakyReLU(0.2), nn.Linear(4, 1), nn.Sigmoid())
    a = xp.asarray(np.random.RandomState(1).standard_normal((5, 3)), dtype=xp.float32)
    b = xp.asarray(np.random.RandomState(2).standard_normal((5, 3)), dtype=xp.float32)
    g1 = xp.ones((5, 1), dtype=xp.float32)
    g2 = -0.5 * xp.ones((5, 1), dtype=xp.float32)

    def grads_of(pairs):
        D.zero_grad()
        for x, g in pairs:
            D.forward(x)
            D.backward(g)
        return [backend.to_host(p.grad).copy() for p in D.parameters()]

    both = grads_of([(a, g1), (b, g2)])
    only_a, only_b = grads_of([(a, g1)]), grads_of([(b, g2)])
    for s, ga, gb in zip(both, only_a, only_b):
        np.testing.assert_allclose(s, ga + gb, rtol=1e-5, atol=1e-6)


def test_backward_never_changes_weights(xp):
    layer = nn.Linear(3, 2)
    before = backend.to_host(layer.weight.data).copy()
    layer.forward(xp.ones((4, 3), dtype=xp.float32))
    layer.backward(xp.ones((4, 2), dtype=xp.float32))
    np.testing.assert_array_equal(before, backend.to_host(layer.weight.data))


# ----------------------------------------------------------- activations
ACTIVATIONS = {
    "ReLU": lambda a: nn.ReLU(),
    "LeakyReLU": lambda a: nn.LeakyReLU(a),
    "Sigmoid": lambda a: nn.Sigmoid(),
    "Tanh": lambda a: nn.Tanh(),
    "ELU": lambda a: nn.ELU(alpha=1 + a),
    "SELU": lambda a: nn.SELU(),
    "Identity": lambda a: nn.Identity(),
}


@FAST
@given(name=st.sampled_from(sorted(ACTIVATIONS)), shape=st.lists(st.integers(1, 4), min_size=1, max_size=4),
       slope=st.floats(0.01, 0.5), seed=st.integers(0, 1000))
def test_activation_gradcheck(name, shape, slope, seed):
    x = away_from_zero(np, tuple(shape), seed)
    errors = gradcheck(ACTIVATIONS[name](slope), x)
    assert errors["input"] < TOL, (name, errors)


def test_activation_closed_forms(xp):
    x = xp.asarray([-2.0, -0.5, 0.5, 3.0], dtype=xp.float32)
    h = lambda a: backend.to_host(a)
    np.testing.assert_allclose(h(nn.ReLU()(x)), [0, 0, 0.5, 3])
    np.testing.assert_allclose(h(nn.LeakyReLU(0.2)(x)), [-0.4, -0.1, 0.5, 3])
    np.testing.assert_allclose(h(nn.Sigmoid()(x)), 1 / (1 + np.exp([2.0, 0.5, -0.5, -3])), rtol=1e-6)
    np.testing.assert_allclose(h(nn.Tanh()(x)), np.tanh([-2.0, -0.5, 0.5, 3]), rtol=1e-6)
    np.testing.assert_allclose(h(nn.ELU()(x)), [np.expm1(-2), np.expm1(-0.5), 0.5, 3], rtol=1e-6)
    s, a = 1.0507009873554805, 1.6732632423543772
    np.testing.assert_allclose(h(nn.SELU()(x)), [s * a * np.expm1(-2), s * a * np.expm1(-0.5), s * 0.5, s * 3], rtol=1e-6)
    # ReLU's derivative: 0 left of the kink, 1 right of it
    r = nn.ReLU()
    r(x)
    np.testing.assert_array_equal(h(r.backward(xp.ones_like(x))), [0, 0, 1, 1])


def test_sigmoid_is_overflow_free(xp):
    x = xp.asarray([-1e4, -100, 0, 100, 1e4], dtype=xp.float32)
    with np.errstate(over="raise"):
        y = backend.to_host(nn.Sigmoid()(x))
    assert np.all(np.isfinite(y))
    np.testing.assert_allclose(y, [0, 0, 0.5, 1, 1], atol=1e-30)


# ---------------------------------------------------------------- Dropout
def test_dropout_gradcheck_with_fixed_mask():
    drop = nn.Dropout(0.3)
    x = np.random.RandomState(0).standard_normal((6, 5))
    assert gradcheck(drop, x, seed=123)["input"] < TOL


def test_dropout_train_and_eval(xp):
    backend.manual_seed(0)
    drop = nn.Dropout(0.25)
    x = xp.ones((400, 50), dtype=xp.float32)
    y = backend.to_host(drop(x))
    kept = y != 0
    assert abs(kept.mean() - 0.75) < 0.01
    np.testing.assert_allclose(y[kept], 1 / 0.75, rtol=1e-6)     # inverted scaling
    dx = backend.to_host(drop.backward(xp.ones_like(x)))
    np.testing.assert_array_equal(dx, y)                          # same mask, same scale
    drop.eval()
    np.testing.assert_array_equal(backend.to_host(drop(x)), backend.to_host(x))
    with pytest.raises(ValueError, match="p must be in"):
        nn.Dropout(1.0)


# ----------------------------------------------------------------- shapes
@FAST
@given(n=st.integers(1, 3), c=st.integers(1, 3), h=st.integers(1, 4), seed=st.integers(0, 99))
def test_flatten_reshape_gradcheck(n, c, h, seed):
    x = np.random.RandomState(seed).standard_normal((n, c, h, h))
    net = nn.Sequential(nn.Flatten(), nn.Linear(c * h * h, 4), nn.Tanh(), nn.Reshape(2, 2))
    assert max(gradcheck(net, x).values()) < TOL


@FAST
@given(n=st.integers(1, 3), c=st.integers(1, 4), h=st.integers(1, 4), w=st.integers(1, 4),
       seed=st.integers(0, 99))
def test_flatten_of_a_convolutions_hwnc_output_is_in_nchw_order(n, c, h, w, seed):
    """A convolution's output lies (H, W, N, C) in memory; Flatten's two-step copy
    must give PyTorch's (c, h, w) order all the same."""
    x = np.ascontiguousarray(np.random.RandomState(seed).standard_normal((h, w, n, c)))
    x = x.transpose(2, 3, 0, 1)                                 # (N, C, H, W) shape, HWNC memory
    y = nn.Flatten()(x)
    np.testing.assert_array_equal(y, np.ascontiguousarray(x).reshape(n, -1))
    assert y.flags.c_contiguous


def test_concat_condition_gradcheck():
    """G(z, y): a one-hot label joined to the noise, as a conditional GAN does."""
    backend.manual_seed(3)
    body = nn.Sequential(nn.Linear(4 + 3, 5), nn.Tanh(), nn.Linear(5, 2))
    block = nn.ConcatCondition(body)
    z = np.random.RandomState(0).standard_normal((6, 4))
    y = np.eye(3)[[0, 1, 2, 0, 1, 2]]
    errors = gradcheck(block, z, y)
    assert max(errors.values()) < TOL, errors
    assert "body.0.weight" in errors


def test_concat_condition_on_images_gradcheck():
    body = nn.Sequential(nn.Flatten(), nn.Linear((2 + 3) * 2 * 2, 1))
    x = np.random.RandomState(0).standard_normal((4, 2, 2, 2))
    c = np.eye(3)[[0, 1, 2, 0]]
    assert max(gradcheck(nn.ConcatCondition(body), x, c).values()) < TOL


def test_residual_gradcheck_sums_both_paths():
    block = nn.Residual(nn.Sequential(nn.Linear(3, 3), nn.Tanh()))
    x = np.random.RandomState(1).standard_normal((4, 3))
    assert max(gradcheck(block, x).values()) < TOL
    # closed form: with a zero body, y = x and dx = dy
    zero = nn.Residual(nn.Linear(3, 3))
    zero.body.weight.data[...] = 0
    zero.body.bias.data[...] = 0
    x32 = x.astype(np.float32)
    np.testing.assert_array_equal(zero(x32), x32)
    np.testing.assert_array_equal(zero.backward(x32), x32)


# -------------------------------------------------------------- bad input
def test_linear_bad_inputs_are_named(xp):
    layer = nn.Linear(3, 2)
    with pytest.raises(nn.ShapeError, match=r"Linear\(in_features=3.*expected input \(N, 3\)"):
        layer(xp.ones((4, 5), dtype=xp.float32))
    with pytest.raises(nn.ShapeError, match="2-D"):
        layer(xp.ones((3,), dtype=xp.float32))
    with pytest.raises(TypeError, match="dtype float64 does not match"):
        layer(xp.ones((4, 3), dtype=xp.float64))
    with pytest.raises(RuntimeError, match="before forward"):
        nn.Linear(3, 2).backward(xp.ones((4, 2), dtype=xp.float32))
    layer(xp.ones((4, 3), dtype=xp.float32))
    with pytest.raises(nn.ShapeError, match="backward expected grad"):
        layer.backward(xp.ones((4, 1), dtype=xp.float32))


def test_activation_rejects_integer_input():
    with pytest.raises(TypeError, match="floating-point"):
        nn.ReLU()(np.arange(3))


def test_reshape_mismatch():
    with pytest.raises(nn.ShapeError, match="cannot reshape"):
        nn.Reshape(2, 3)(np.ones((4, 5), dtype=np.float32))


def test_sequential_rejects_non_modules():
    with pytest.raises(TypeError, match="argument 1"):
        nn.Sequential(nn.ReLU(), lambda x: x)


def test_gradcheck_catches_a_wrong_backward():
    """The checker must fail a broken layer (here: dW transposed-scaled wrong)."""
    class BrokenLinear(nn.Linear):
        def backward(self, dy, output=None):
            dx = super().backward(dy, output)
            self.weight.grad *= 1.01           # a 1% error in dW
            return dx

    errors = gradcheck(BrokenLinear(3, 2), np.random.RandomState(0).standard_normal((4, 3)))
    assert errors["input"] < TOL and errors["weight"] > 1e-3


def test_gradcheck_leaves_module_untouched():
    layer = nn.Linear(2, 2)
    w = layer.weight.data.copy()
    gradcheck(layer, np.ones((1, 2)))
    assert layer.weight.data.dtype == np.float32
    np.testing.assert_array_equal(layer.weight.data, w)
    assert not layer.weight.grad.any()


def test_public_names():
    assert sg.gradcheck is gradcheck
    for name in ["Linear", "Conv2d", "ConvTranspose2d", "BatchNorm1d", "BatchNorm2d", "LeakyReLU",
                 "ReLU", "Sigmoid", "Tanh", "ELU", "SELU", "Dropout", "Flatten", "Reshape", "Sequential"]:
        assert hasattr(nn, name), name


def test_sequential_can_skip_the_input_gradient(xp):
    """D's own step needs only D's parameter gradients: the first layer skips dx."""
    for first in (nn.Linear(4, 3), nn.Conv2d(1, 3, 2)):
        net = nn.Sequential(first, nn.LeakyReLU(0.2), nn.Flatten(), nn.Linear(3 if isinstance(first, nn.Linear) else 27, 1))
        x = xp.asarray(np.random.RandomState(0).standard_normal((2, 4) if isinstance(first, nn.Linear) else (2, 1, 4, 4)),
                       dtype=xp.float32)
        g = xp.ones((2, 1), dtype=xp.float32)
        net.forward(x)
        dx = net.backward(g)
        full = [backend.to_host(p.grad).copy() for p in net.parameters()]
        net.zero_grad()
        net.forward(x)
        assert net.backward(g, input_grad=False) is None
        for a, p in zip(full, net.parameters()):
            np.testing.assert_array_equal(a, backend.to_host(p.grad))
        assert dx.shape == x.shape


def test_frozen_parameters_get_no_gradient_but_input_gradient_flows(xp):
    """requires_grad_(False), as in PyTorch: dx is unchanged, p.grad stays zero."""
    net = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.BatchNorm2d(2), nn.LeakyReLU(0.2),
                        nn.Flatten(), nn.Linear(2 * 4 * 4, 1))
    x = xp.asarray(np.random.RandomState(0).standard_normal((3, 1, 4, 4)), dtype=xp.float32)
    g = xp.ones((3, 1), dtype=xp.float32)
    net.forward(x)
    dx = backend.to_host(net.backward(g))
    net.zero_grad()
    net.requires_grad_(False)
    net.forward(x)
    np.testing.assert_array_equal(backend.to_host(net.backward(g)), dx)
    assert all(float(abs(p.grad).sum()) == 0 for p in net.parameters())
    net.requires_grad_(True)
    assert all(p.requires_grad for p in net.parameters())


def test_linear_accepts_extra_leading_axes_like_pytorch():
    """(N, T, in) -> (N, T, out): the extra axis is just more rows."""
    layer = nn.Linear(3, 2)
    x = np.random.RandomState(0).standard_normal((4, 5, 3))
    assert max(gradcheck(layer, x).values()) < TOL
    x32 = x.astype(np.float32)
    y = layer(x32)
    assert y.shape == (4, 5, 2)
    np.testing.assert_allclose(y.reshape(20, 2), layer(x32.reshape(20, 3)), rtol=1e-6)


def test_pytorch_lecture_lines_carry_over():
    """Arguments PyTorch code passes (inplace=True, positional dilation/groups) are
    accepted; what we don't implement says so."""
    nn.LeakyReLU(0.2, inplace=True), nn.ReLU(True), nn.ELU(1.0, True), nn.SELU(True)
    nn.Dropout(0.3, True)
    nn.Conv2d(1, 4, 3, 1, 1, 1, 1, False)                 # ..., dilation, groups, bias
    nn.ConvTranspose2d(4, 1, 4, 2, 1, 0, 1, False, 1)     # ..., output_padding, groups, bias, dilation
    with pytest.raises(NotImplementedError, match="dilation=1 and groups=1"):
        nn.Conv2d(4, 4, 3, dilation=2)
    with pytest.raises(NotImplementedError, match="groups"):
        nn.ConvTranspose2d(4, 4, 3, groups=2)


# -------------------------------------------------------------- Embedding
def test_embedding_forward_backward_closed_form_and_finite_differences(xp):
    from scratchgan.gradient_check import numeric_grad
    emb = nn.Embedding(4, 3)
    y = xp.asarray([2, 0, 2, 3])
    out = emb(y)
    np.testing.assert_array_equal(backend.to_host(out), backend.to_host(emb.weight.data)[[2, 0, 2, 3]])
    dy = xp.asarray(np.random.RandomState(0).standard_normal((4, 3)), dtype=xp.float32)
    assert emb.backward(dy) is None                       # integer labels: no gradient
    dW = backend.to_host(emb.weight.grad)
    d = backend.to_host(dy)
    np.testing.assert_allclose(dW[2], d[0] + d[2], rtol=1e-6)   # label 2 used twice: summed
    np.testing.assert_allclose(dW[0], d[1], rtol=1e-6)
    assert not dW[1].any()
    # finite differences of L = sum(W[y] * dy) w.r.t. W, in float64
    W = backend.to_host(emb.weight.data).astype(np.float64)
    yh, dh = backend.to_host(y), d.astype(np.float64)
    numeric = numeric_grad(lambda: float((W[yh] * dh).sum()), W, 1e-6)
    np.testing.assert_allclose(dW, numeric, rtol=1e-5, atol=1e-6)


def test_embedding_bad_labels():
    emb = nn.Embedding(3, 2)
    with pytest.raises(TypeError, match="integer labels"):
        emb(np.array([0.0, 1.0]))
    with pytest.raises(nn.ShapeError, match=r"labels must lie in \[0, 3\)"):
        emb(np.array([0, 3]))


def test_embedding_matches_pytorch_state_dict_and_output():
    torch = pytest.importorskip("torch")
    t = torch.nn.Embedding(10, 10)
    emb = nn.Embedding(10, 10)
    emb.load_state_dict({k: v.detach().numpy() for k, v in t.state_dict().items()})
    y = np.array([3, 1, 4, 1, 5])
    np.testing.assert_array_equal(emb(y), t(torch.from_numpy(y)).detach().numpy())


@FAST
@given(n=st.integers(1, 6), dim=st.integers(1, 4), shape=st.lists(st.integers(1, 4), min_size=1, max_size=2),
       seed=st.integers(0, 1000))
def test_embedding_gradient_equals_onehot_matmul_finite_differences(n, dim, shape, seed):
    from scratchgan.gradient_check import numeric_grad, rel_error
    r = np.random.RandomState(seed)
    emb = nn.Embedding(n, dim).astype(np.float64)
    y = r.randint(0, n, size=tuple(shape))
    dy = r.standard_normal(tuple(shape) + (dim,))
    emb(y)
    emb.backward(dy)
    W = emb.weight.data
    numeric = numeric_grad(lambda: float((W[y] * dy).sum()), W, 1e-6)
    assert rel_error(emb.weight.grad, numeric) < TOL


def test_gradcheck_is_the_function_and_its_module_has_another_name():
    """``import scratchgan.gradcheck as G`` used to hand back the function under a
    module's name; now the name means one thing."""
    import importlib
    import scratchgan
    from scratchgan import gradient_check
    assert callable(scratchgan.gradcheck) and scratchgan.gradcheck is gradient_check.gradcheck
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("scratchgan.gradcheck")
