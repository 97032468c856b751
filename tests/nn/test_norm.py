"""BatchNorm1d and BatchNorm2d: gradients, running statistics, modes, errors, PyTorch parity.

Every test runs on NumPy, and on CuPy where a GPU exists (the ``backend_name``
and ``xp`` fixtures of conftest.py).
"""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from scratchgan import backend
from scratchgan.gradient_check import gradcheck, rel_error
from scratchgan.nn.module import ShapeError
from scratchgan.nn.norm import BatchNorm1d, BatchNorm2d
from scratchgan.nn.kernels.channel_sum import channel_sum

from helpers import hwnc

TOL = 1e-6            # float64 finite differences (see scratchgan/gradient_check.py)
FAST = settings(max_examples=25, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])
h = backend.to_host






@st.composite
def bn_cases(draw):
    """An input shape with at least 3 values per channel (with 2 the normalised
    output is +-1 whatever x is, and its gradient is ~0: a poor test)."""
    kind = draw(st.sampled_from(["1d", "1d-L", "2d"]))
    c = draw(st.integers(1, 4))
    if kind == "1d":
        shape = (draw(st.integers(3, 6)), c)
    elif kind == "1d-L":
        shape = (draw(st.integers(1, 4)), c, draw(st.integers(3, 4)))
    else:
        shape = (draw(st.integers(1, 3)), c, draw(st.integers(2, 3)), draw(st.integers(2, 3)))
    return dict(kind=kind, shape=shape, affine=draw(st.booleans()),
                seed=draw(st.integers(0, 10_000)))


def make_bn(case, **kw):
    cls = BatchNorm2d if case["kind"] == "2d" else BatchNorm1d
    layer = cls(case["shape"][1], affine=case["affine"], **kw)
    if case["affine"]:                     # non-trivial gamma, beta
        r = np.random.RandomState(case["seed"] + 1)
        xp = backend.get_xp()
        layer.weight.data[...] = xp.asarray(r.uniform(0.5, 1.5, layer.num_features))
        layer.bias.data[...] = xp.asarray(r.uniform(-0.5, 0.5, layer.num_features))
    return layer


# ------------------------------------------------------ (b) gradient checks
# (inputs are drawn with seed + 1000: gradcheck's dy uses RandomState(0), and
# dy parallel to x would make the true input gradient ~0 for tiny batches)
@FAST
@given(case=bn_cases())
def test_batchnorm_training_gradcheck(backend_name, case):
    layer = make_bn(case)
    x = backend.get_xp().asarray(np.random.RandomState(case["seed"] + 1000).standard_normal(case["shape"]) * 2 + 1)
    errors = gradcheck(layer, x)
    assert set(errors) == {"input"} | ({"weight", "bias"} if case["affine"] else set())
    assert max(errors.values()) < TOL, errors


@FAST
@given(case=bn_cases())
def test_batchnorm_eval_gradcheck(backend_name, case):
    layer = make_bn(case)
    r = np.random.RandomState(case["seed"] + 2)
    xp = backend.get_xp()
    layer.running_mean[...] = xp.asarray(r.standard_normal(layer.num_features))
    layer.running_var[...] = xp.asarray(r.uniform(0.2, 3.0, layer.num_features))
    layer.eval()
    x = xp.asarray(np.random.RandomState(case["seed"] + 1000).standard_normal(case["shape"]))
    errors = gradcheck(layer, x)
    assert max(errors.values()) < TOL, errors


@FAST
@given(case=bn_cases())
def test_batchnorm_without_running_stats_gradcheck_in_eval(backend_name, case):
    """track_running_stats=False: batch statistics in eval mode too (PyTorch)."""
    layer = make_bn(case, track_running_stats=False).eval()
    x = backend.get_xp().asarray(np.random.RandomState(case["seed"] + 1000).standard_normal(case["shape"]))
    assert max(gradcheck(layer, x).values()) < TOL


# --------------------------------------------------------- (c) closed forms
@pytest.mark.parametrize("cls,shape", [(BatchNorm1d, (50, 3)), (BatchNorm1d, (10, 3, 7)),
                                       (BatchNorm2d, (8, 3, 5, 4))])
def test_output_is_standardised_per_channel(xp, cls, shape):
    scale = np.array([1.0, 0.1, 20.0]).reshape((1, 3) + (1,) * (len(shape) - 2))
    x = xp.asarray((np.random.RandomState(0).standard_normal(shape) + 5) * scale, dtype=xp.float32)
    layer = cls(3, eps=0.0)
    y = h(layer(x))
    axes = (0,) + tuple(range(2, len(shape)))
    np.testing.assert_allclose(y.mean(axis=axes), 0, atol=1e-5)
    np.testing.assert_allclose(y.var(axis=axes), 1, rtol=1e-4)        # biased variance
    # and gamma, beta scale and shift it
    layer.weight.data[...] = xp.asarray([2, 3, 4], dtype=xp.float32)
    layer.bias.data[...] = xp.asarray([-1, 0, 1], dtype=xp.float32)
    y = h(layer(x))
    np.testing.assert_allclose(y.mean(axis=axes), [-1, 0, 1], atol=1e-5)
    np.testing.assert_allclose(y.std(axis=axes), [2, 3, 4], rtol=1e-4)


def test_running_stats_after_two_steps_by_hand(xp):
    layer = BatchNorm1d(2, momentum=0.1)
    a = np.array([[1.0, 10.0], [3.0, 10.0], [5.0, 16.0]], dtype=np.float32)
    b = np.array([[0.0, 2.0], [4.0, 2.0], [2.0, 5.0]], dtype=np.float32)
    layer(xp.asarray(a))
    layer(xp.asarray(b))
    # step 1: mean (3, 12), unbiased var (4, 12); step 2: mean (2, 3), unbiased var (4, 3)
    rm1, rv1 = 0.9 * np.array([0, 0]) + 0.1 * np.array([3, 12]), 0.9 * np.ones(2) + 0.1 * np.array([4, 12])
    rm2, rv2 = 0.9 * rm1 + 0.1 * np.array([2, 3]), 0.9 * rv1 + 0.1 * np.array([4, 3])
    np.testing.assert_allclose(h(layer.running_mean), rm2, rtol=1e-6)
    np.testing.assert_allclose(h(layer.running_var), rv2, rtol=1e-6)
    assert int(layer.num_batches_tracked) == 2
    assert layer.num_batches_tracked.dtype == np.int64 and layer.num_batches_tracked.shape == ()


def test_momentum_none_is_a_cumulative_average(xp):
    layer = BatchNorm2d(1, momentum=None)
    r = np.random.RandomState(0)
    xs = [r.standard_normal((4, 1, 3, 3)).astype(np.float32) + i for i in range(3)]
    for x in xs:
        layer(xp.asarray(x))
    np.testing.assert_allclose(h(layer.running_mean), [np.mean([x.mean() for x in xs])], rtol=1e-5)
    np.testing.assert_allclose(h(layer.running_var), [np.mean([x.var(ddof=1) for x in xs])], rtol=1e-5)


def test_eval_uses_running_stats_and_a_plain_affine_backward(xp):
    layer = BatchNorm2d(2)
    layer.running_mean[...] = xp.asarray([1.0, -2.0], dtype=xp.float32)
    layer.running_var[...] = xp.asarray([4.0, 0.25], dtype=xp.float32)
    layer.weight.data[...] = xp.asarray([2.0, 3.0], dtype=xp.float32)
    layer.bias.data[...] = xp.asarray([0.5, 0.0], dtype=xp.float32)
    layer.eval()
    x = np.random.RandomState(0).standard_normal((3, 2, 2, 2)).astype(np.float32)
    sd = np.sqrt(np.array([4.0, 0.25]) + 1e-5).reshape(1, 2, 1, 1)
    want = (x - np.array([1.0, -2.0]).reshape(1, 2, 1, 1)) / sd * np.array([2.0, 3.0]).reshape(1, 2, 1, 1) \
        + np.array([0.5, 0.0]).reshape(1, 2, 1, 1)
    np.testing.assert_allclose(h(layer(xp.asarray(x))), want, rtol=1e-5, atol=1e-6)
    assert int(layer.num_batches_tracked) == 0                        # eval does not count
    np.testing.assert_array_equal(h(layer.running_mean), [1.0, -2.0])  # nor update
    dy = np.ones_like(x)
    dx = h(layer.backward(xp.asarray(dy)))
    np.testing.assert_allclose(dx, dy * np.array([2.0, 3.0]).reshape(1, 2, 1, 1) / sd, rtol=1e-5)
    # a batch of 1 is fine in eval mode
    assert layer(xp.ones((1, 2, 1, 1), dtype=xp.float32)).shape == (1, 2, 1, 1)


def test_num_batches_tracked_counts_training_forwards(xp):
    layer = BatchNorm1d(3)
    x = xp.asarray(np.random.RandomState(0).standard_normal((4, 3)), dtype=xp.float32)
    for i in range(3):
        layer(x)
        assert int(layer.num_batches_tracked) == i + 1
    layer.eval()
    layer(x)
    assert int(layer.num_batches_tracked) == 3


def test_batchnorm2d_is_batchnorm1d_over_pixels(xp):
    """The (N, C, H, W) layer equals the (N*H*W, C) one: the statement in norm.py."""
    x = np.random.RandomState(0).standard_normal((3, 4, 5, 2)).astype(np.float32)
    dy = np.random.RandomState(1).standard_normal(x.shape).astype(np.float32)
    rows = lambda a: a.transpose(0, 2, 3, 1).reshape(-1, 4)
    bn2, bn1 = BatchNorm2d(4), BatchNorm1d(4)
    y2 = h(bn2(xp.asarray(x)))
    y1 = h(bn1(xp.asarray(rows(x))))
    np.testing.assert_allclose(rows(y2), y1, rtol=1e-5, atol=1e-5)
    dx2 = h(bn2.backward(xp.asarray(dy)))
    dx1 = h(bn1.backward(xp.asarray(rows(dy))))
    np.testing.assert_allclose(rows(dx2), dx1, rtol=1e-4, atol=1e-5)
    for name in ("running_mean", "running_var"):
        np.testing.assert_allclose(h(getattr(bn2, name)), h(getattr(bn1, name)), rtol=1e-5)
    np.testing.assert_allclose(h(bn2.weight.grad), h(bn1.weight.grad), rtol=1e-4, atol=1e-5)


def test_any_input_memory_layout_gives_the_same_numbers(xp):
    x = xp.asarray(np.random.RandomState(0).standard_normal((3, 4, 5, 2)), dtype=xp.float32)
    dy = xp.asarray(np.random.RandomState(1).standard_normal((3, 4, 5, 2)), dtype=xp.float32)
    outs = []
    for xin, gin in [(x, dy), (hwnc(x), hwnc(dy)), (x[..., ::-1][..., ::-1], dy), (xp.asfortranarray(x), hwnc(dy))]:
        layer = BatchNorm2d(4)
        outs.append((h(layer(xin)), h(layer.backward(gin)), h(layer.weight.grad), h(layer.running_var)))
    for o in outs[1:]:
        for a, b in zip(o, outs[0]):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    for a in (x, hwnc(x), x[..., ::-1], x.reshape(3, 4, 10)):
        np.testing.assert_allclose(h(channel_sum(a)), h(a).sum(axis=tuple(i for i in range(a.ndim) if i != 1)),
                                   rtol=1e-5)


def test_buffers_state_dict_and_init(xp):
    layer = BatchNorm2d(5)
    assert list(layer.state_dict()) == ["weight", "bias", "running_mean", "running_var",
                                        "num_batches_tracked"]
    assert h(layer.weight.data).tolist() == [1] * 5 and h(layer.bias.data).tolist() == [0] * 5
    assert h(layer.running_mean).tolist() == [0] * 5 and h(layer.running_var).tolist() == [1] * 5
    assert list(BatchNorm1d(5, affine=False, track_running_stats=False).state_dict()) == []
    assert list(BatchNorm1d(5, affine=False).state_dict()) == ["running_mean", "running_var",
                                                               "num_batches_tracked"]
    assert repr(layer) == "BatchNorm2d(5, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)"
    # a float64 copy keeps the int64 counter
    layer.astype(np.float64)
    assert layer.running_mean.dtype == np.float64 and layer.num_batches_tracked.dtype == np.int64


def test_forward_output_does_not_alias_the_cache(xp):
    layer = BatchNorm1d(2, affine=False)
    x = xp.asarray([[1.0, 2.0], [3.0, 5.0], [0.0, 1.0]], dtype=xp.float32)
    y = layer(x)
    dx_before = h(layer.backward(xp.ones_like(y) * xp.asarray([1.0, 2.0], dtype=xp.float32)))
    layer(x)[...] = 0                                                # caller scribbles on y
    dx_after = h(layer.backward(xp.ones_like(y) * xp.asarray([1.0, 2.0], dtype=xp.float32)))
    np.testing.assert_array_equal(dx_before, dx_after)


# ------------------------------------------------ (d) gradient accumulation
def test_gradients_accumulate(xp):
    layer = BatchNorm2d(3)
    r = np.random.RandomState(0)
    a, b = (xp.asarray(r.standard_normal((4, 3, 2, 2)), dtype=xp.float32) for _ in range(2))
    dy = xp.asarray(r.standard_normal((4, 3, 2, 2)), dtype=xp.float32)
    single = []
    for x in (a, b):
        layer.zero_grad()
        layer(x)
        layer.backward(dy)
        single.append((h(layer.weight.grad).copy(), h(layer.bias.grad).copy()))
    layer.zero_grad()
    for x in (a, b):
        layer(x)
        layer.backward(dy)
    np.testing.assert_allclose(h(layer.weight.grad), single[0][0] + single[1][0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(h(layer.bias.grad), single[0][1] + single[1][1], rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------ (e) bad input
def test_batch_of_one_in_training_raises_like_pytorch(xp):
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        BatchNorm1d(3)(xp.ones((1, 3), dtype=xp.float32))
    with pytest.raises(ValueError, match=r"got input size \(1, 3, 1, 1\)"):
        BatchNorm2d(3)(xp.ones((1, 3, 1, 1), dtype=xp.float32))
    assert BatchNorm2d(3)(xp.ones((1, 3, 2, 1), dtype=xp.float32)).shape == (1, 3, 2, 1)


def test_bad_inputs_are_named(xp):
    with pytest.raises(ShapeError, match=r"BatchNorm1d\(3.*2-D or 3-D input"):
        BatchNorm1d(3)(xp.ones((2, 3, 4, 4), dtype=xp.float32))
    with pytest.raises(ShapeError, match=r"BatchNorm2d\(3.*4-D input \(N, C, H, W\)"):
        BatchNorm2d(3)(xp.ones((2, 3), dtype=xp.float32))
    with pytest.raises(ShapeError, match=r"expected 3 channels.*\(2, 4, 5, 5\)"):
        BatchNorm2d(3)(xp.ones((2, 4, 5, 5), dtype=xp.float32))
    with pytest.raises(TypeError, match="dtype float64 does not match"):
        BatchNorm1d(3)(xp.ones((2, 3), dtype=xp.float64))
    with pytest.raises(RuntimeError, match="before forward"):
        BatchNorm1d(3).backward(xp.ones((2, 3), dtype=xp.float32))
    layer = BatchNorm1d(3)
    layer(xp.ones((2, 3), dtype=xp.float32))
    with pytest.raises(ShapeError, match="backward expected grad"):
        layer.backward(xp.ones((4, 3), dtype=xp.float32))
    with pytest.raises(ValueError, match="num_features must be positive"):
        BatchNorm2d(0)


# ------------------------------------------------- (f) optional: PyTorch
@pytest.mark.parametrize("kind,shape,kw", [
    ("1d", (8, 5), {}),
    ("1d", (4, 3, 6), {"momentum": 0.3}),
    ("2d", (4, 6, 5, 5), {}),
    ("2d", (3, 2, 3, 3), {"eps": 0.8, "momentum": None}),
    ("2d", (5, 3, 2, 2), {"affine": False}),
])
def test_matches_pytorch_train_and_eval(backend_name, kind, shape, kw):
    torch = pytest.importorskip("torch")
    xp = backend.get_xp()
    ours = (BatchNorm2d if kind == "2d" else BatchNorm1d)(shape[1], **kw)
    theirs = (torch.nn.BatchNorm2d if kind == "2d" else torch.nn.BatchNorm1d)(shape[1], **kw)
    if ours.affine:
        r = np.random.RandomState(5)
        with torch.no_grad():
            theirs.weight[...] = torch.from_numpy(r.uniform(0.5, 1.5, shape[1]).astype(np.float32))
            theirs.bias[...] = torch.from_numpy(r.uniform(-1, 1, shape[1]).astype(np.float32))
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    for step, training in enumerate([True, True, False]):
        ours.train(training)
        theirs.train(training)
        ours.zero_grad()
        theirs.zero_grad()
        x = (np.random.RandomState(step).standard_normal(shape) * 3 + 2).astype(np.float32)
        dy = np.random.RandomState(10 + step).standard_normal(shape).astype(np.float32)
        tx = torch.from_numpy(x).requires_grad_(True)
        ty = theirs(tx)
        ty.backward(torch.from_numpy(dy))
        y = ours(xp.asarray(x))
        dx = ours.backward(xp.asarray(dy))
        assert rel_error(y, ty.detach().numpy()) < 1e-5
        assert rel_error(dx, tx.grad.numpy()) < 1e-5
        for name, p in ours.named_parameters():
            assert rel_error(p.grad, getattr(theirs, name).grad.numpy()) < 1e-5, name
        for k, v in theirs.state_dict().items():
            assert rel_error(ours.state_dict()[k], v.numpy()) < 1e-5, k
