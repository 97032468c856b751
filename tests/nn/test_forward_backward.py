"""Every backward belongs to its forward (the contract in nn/module.py).

Several forwards before any backward give exactly the gradients of separate
forward/backward pairs, in any order of the backwards; every mismatch
(stale, doubled, ambiguous, unknown output, after no_grad) raises a
BackwardError that names the layer.
"""
import gc
import itertools

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from scratchgan import backend, losses, nn
from scratchgan.gan.remedies import MinibatchStdDev, Pack
from scratchgan.nn import BackwardError


def grads(m):
    return [backend.to_host(p.grad).copy() for p in m.parameters()]


def randn(rs, *shape):
    return backend.asarray(rs.standard_normal(shape).astype(np.float32))


# Each case: a module factory, an input maker (rs, n) -> args, and whether the
# module is random (Dropout: seeded identically before each forward).
CASES = {
    "Linear": (lambda: nn.Linear(5, 3), lambda rs, n: (randn(rs, n, 5),)),
    "Conv2d": (lambda: nn.Conv2d(2, 3, 3, stride=2, padding=1), lambda rs, n: (randn(rs, n, 2, 5, 5),)),
    "ConvTranspose2d": (lambda: nn.ConvTranspose2d(2, 3, 4, 2, 1), lambda rs, n: (randn(rs, n, 2, 3, 3),)),
    "BatchNorm1d": (lambda: nn.BatchNorm1d(4, 0.8), lambda rs, n: (randn(rs, n, 4),)),
    "BatchNorm2d": (lambda: nn.BatchNorm2d(3), lambda rs, n: (randn(rs, n, 3, 2, 2),)),
    "Sigmoid": (nn.Sigmoid, lambda rs, n: (randn(rs, n, 4),)),
    "Tanh": (nn.Tanh, lambda rs, n: (randn(rs, n, 4),)),
    "ELU": (nn.ELU, lambda rs, n: (randn(rs, n, 4),)),
    "SELU": (nn.SELU, lambda rs, n: (randn(rs, n, 4),)),
    "LeakyReLU": (lambda: nn.LeakyReLU(0.2), lambda rs, n: (randn(rs, n, 4),)),
    "ReLU": (nn.ReLU, lambda rs, n: (randn(rs, n, 4),)),
    "Identity": (nn.Identity, lambda rs, n: (randn(rs, n, 4),)),
    "Dropout": (lambda: nn.Dropout(0.5), lambda rs, n: (randn(rs, n, 6),)),
    "Flatten": (nn.Flatten, lambda rs, n: (randn(rs, n, 2, 3),)),
    "Reshape": (lambda: nn.Reshape(2, 3), lambda rs, n: (randn(rs, n, 6),)),
    "Embedding": (lambda: nn.Embedding(5, 3),
                  lambda rs, n: (backend.get_xp().asarray(rs.randint(0, 5, n)),)),
    "MinibatchStdDev": (MinibatchStdDev, lambda rs, n: (randn(rs, n, 3),)),
    "Pack": (lambda: Pack(2), lambda rs, n: (randn(rs, 2 * n, 3),)),
    "Residual": (lambda: nn.Residual(nn.Sequential(nn.Linear(4, 4), nn.Tanh())),
                 lambda rs, n: (randn(rs, n, 4),)),
    "ConcatCondition": (lambda: nn.ConcatCondition(nn.Sequential(nn.Linear(6, 2), nn.Sigmoid())),
                        lambda rs, n: (randn(rs, n, 4), randn(rs, n, 2))),
    "InstanceNorm2d": (lambda: nn.InstanceNorm2d(3, affine=True),
                       lambda rs, n: (randn(rs, n, 3, 3, 3),)),
    "ReflectionPad2d": (lambda: nn.ReflectionPad2d((1, 2, 2, 0)),
                        lambda rs, n: (randn(rs, n, 2, 3, 4),)),
    "Upsample": (lambda: nn.Upsample(scale_factor=2), lambda rs, n: (randn(rs, n, 2, 2, 3),)),
    "Upsample bilinear": (lambda: nn.Upsample(scale_factor=1.5, mode="bilinear"),
                          lambda rs, n: (randn(rs, n, 2, 2, 3),)),
    "Upsample bicubic": (lambda: nn.Upsample(size=(5, 4), mode="bicubic", align_corners=True),
                         lambda rs, n: (randn(rs, n, 2, 2, 3),)),
    "ZeroPad2d": (lambda: nn.ZeroPad2d((1, 0, 1, 0)), lambda rs, n: (randn(rs, n, 2, 3, 3),)),
    "ConstantPad2d": (lambda: nn.ConstantPad2d(1, 0.5), lambda rs, n: (randn(rs, n, 2, 3, 3),)),
    "ReplicationPad2d": (lambda: nn.ReplicationPad2d((2, 0, 1, 3)),
                         lambda rs, n: (randn(rs, n, 2, 3, 3),)),
    "CircularPad2d": (lambda: nn.CircularPad2d((1, 2, 0, 1)),
                      lambda rs, n: (randn(rs, n, 2, 3, 3),)),
    "Conv2d reflect": (lambda: nn.Conv2d(2, 3, 3, padding=1, padding_mode="reflect"),
                       lambda rs, n: (randn(rs, n, 2, 4, 4),)),
    "AvgPool2d": (lambda: nn.AvgPool2d(3, 2, 1), lambda rs, n: (randn(rs, n, 2, 5, 5),)),
    "MaxPool2d": (lambda: nn.MaxPool2d(2), lambda rs, n: (randn(rs, n, 2, 4, 4),)),
    "Dropout2d": (lambda: nn.Dropout2d(0.5), lambda rs, n: (randn(rs, n, 3, 2, 2),)),
    "SkipConcat": (lambda: nn.SkipConcat(nn.Sequential(nn.Conv2d(2, 3, 3, 1, 1), nn.Tanh())),
                   lambda rs, n: (randn(rs, n, 2, 4, 4),)),
    "D (Sequential)": (lambda: nn.Sequential(
        nn.Conv2d(1, 4, 4, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(4, 4, 4, 2, 1), nn.BatchNorm2d(4),
        nn.LeakyReLU(0.2), nn.Flatten(), nn.Dropout(0.3), nn.Linear(16, 1), nn.Sigmoid()),
        lambda rs, n: (randn(rs, n, 1, 8, 8),)),
}


def run_pairs(make, inputs, dys, order):
    """Reference: forward i, then its backward, one pair at a time (the old way).
    Under test: every forward first, then the backwards in ``order``."""
    backend.manual_seed(0)
    m = make()
    ref = make()
    ref.load_state_dict({k: backend.to_host(v) for k, v in m.state_dict().items()})
    backend.manual_seed(1)
    ref_dx = []
    for args, dy in zip(inputs, dys):
        y = ref(*args)
        ref_dx.append(ref.backward(dy(y), y))
    backend.manual_seed(1)
    outs = [m(*args) for args in inputs]
    dx = [None] * len(outs)
    for i in order:
        dx[i] = m.backward(dys[i](outs[i]), outs[i])
    return ref, m, ref_dx, dx


def dy_maker(seed):
    def make(y):
        return randn(np.random.RandomState(seed), *y.shape)
    return make


@pytest.mark.parametrize("name", sorted(CASES))
def test_two_forwards_then_backwards_in_either_order(name, backend_name):
    make, inp = CASES[name]
    rs = np.random.RandomState(3)
    inputs = [inp(rs, 4), inp(rs, 6)]           # different batches, different sizes
    dys = [dy_maker(10), dy_maker(11)]
    for order in ([0, 1], [1, 0]):
        ref, m, ref_dx, dx = run_pairs(make, inputs, dys, order)
        for a, b in zip(grads(ref), grads(m)):
            np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)
        for a, b in zip(ref_dx, dx):
            if a is not None:
                np.testing.assert_allclose(backend.to_host(b), backend.to_host(a),
                                           rtol=1e-5, atol=1e-6)
        assert m.pending_forwards() == 0


@settings(max_examples=25, deadline=None)
@given(n_forwards=st.integers(2, 4), order_seed=st.integers(0, 10_000),
       k=st.integers(1, 3), s=st.integers(1, 2), p=st.integers(0, 1), c=st.integers(1, 3),
       transpose=st.booleans())
def test_any_number_of_forwards_any_order_conv(n_forwards, order_seed, k, s, p, c, transpose):
    """Hypothesis: conv layers over shapes, strides and paddings, k forwards
    of different batch sizes, backwards in a random order."""
    if transpose:
        make = lambda: nn.ConvTranspose2d(c, 2, k, s, p) if k > p else nn.ConvTranspose2d(c, 2, k, s)  # noqa: E731
    else:
        make = lambda: nn.Conv2d(c, 2, k, s, p)  # noqa: E731
    rs = np.random.RandomState(order_seed)
    inputs = [(randn(rs, 1 + i, c, 4, 5),) for i in range(n_forwards)]
    dys = [dy_maker(100 + i) for i in range(n_forwards)]
    order = list(rs.permutation(n_forwards))
    ref, m, ref_dx, dx = run_pairs(make, inputs, dys, order)
    for a, b in zip(grads(ref), grads(m)):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-5)
    for a, b in zip(ref_dx, dx):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-5)


def test_losses_keep_one_cache_per_pred(xp):
    """The lecture's D step: two BCE calls, backwards named by pred, any order."""
    rs = np.random.RandomState(0)
    for crit in (losses.BCELoss(), losses.BCEWithLogitsLoss(), losses.MSELoss(), losses.L1Loss()):
        p1 = xp.asarray(rs.uniform(0.05, 0.95, (4, 1)).astype(np.float32))
        p2 = xp.asarray(rs.uniform(0.05, 0.95, (3, 1)).astype(np.float32))
        crit(p1, 1.0)
        d1_alone = crit.backward(p1)
        crit(p2, 0.0)
        d2_alone = crit.backward(p2)
        crit(p1, 1.0)
        crit(p2, 0.0)
        np.testing.assert_array_equal(backend.to_host(crit.backward(p2)), backend.to_host(d2_alone))
        np.testing.assert_array_equal(backend.to_host(crit.backward(p1)), backend.to_host(d1_alone))


# -- the errors ---------------------------------------------------------------

def test_backward_before_any_forward_names_the_layer():
    layer = nn.Linear(3, 2)
    with pytest.raises(BackwardError, match=r"Linear\(in_features=3.*\.backward: no pending "
                                            r"forward: backward called before forward"):
        layer.backward(np.ones((1, 2), np.float32))
    with pytest.raises(BackwardError, match=r"BCELoss.*backward called before forward"):
        losses.BCELoss().backward()


def test_second_backward_for_one_forward_raises():
    layer = nn.Tanh()
    x = np.ones((2, 3), np.float32)
    y = layer(x)
    layer.backward(np.ones_like(y), y)
    with pytest.raises(BackwardError, match="has been back-propagated already"):
        layer.backward(np.ones_like(y), y)
    with pytest.raises(BackwardError, match="back-propagated already"):
        layer.backward(np.ones_like(y))            # unnamed: the same mistake
    bce = losses.BCELoss()
    p = np.full((2, 1), 0.5, np.float32)
    bce(p, 1.0)
    bce.backward(p)
    with pytest.raises(BackwardError, match=r"BCELoss.*back-propagated already"):
        bce.backward(p)


def test_ambiguous_backward_says_how_to_name_the_forward():
    D = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())
    out_real = D(np.ones((3, 2), np.float32))
    out_fake = D(np.zeros((3, 2), np.float32))
    with pytest.raises(BackwardError, match=r"Sequential.backward: 2 forwards are pending.*"
                                            r"backward\(grad, output=y\)"):
        D.backward(np.ones_like(out_real))
    bce = losses.BCELoss()
    bce(out_real, 1.0)
    bce(out_fake, 0.0)
    with pytest.raises(BackwardError, match=r"BCELoss.*2 forwards are pending.*pred=y"):
        bce.backward()
    D.backward(bce.backward(out_fake), out_fake)   # named: fine
    D.backward(bce.backward(out_real), out_real)


def test_unknown_output_copy_or_view_raises():
    layer = nn.Linear(2, 2)
    y = layer(np.ones((3, 2), np.float32))
    for wrong in (y.copy(), y[:], y.reshape(3, 2)):
        with pytest.raises(BackwardError, match="not what any pending forward returned.*"
                                                "not a copy or a view"):
            layer.backward(np.ones((3, 2), np.float32), wrong)
    layer.backward(np.ones((3, 2), np.float32), y)   # the very array: fine


def test_backward_after_no_grad_raises():
    layer = nn.Linear(2, 2)
    with nn.no_grad():
        y = layer(np.ones((3, 2), np.float32))
    assert layer.pending_forwards() == 0
    with pytest.raises(BackwardError, match="computed under no_grad"):
        layer.backward(np.ones_like(y), y)
    with pytest.raises(BackwardError, match="last forward ran under no_grad"):
        layer.backward(np.ones_like(y))


def test_no_grad_restores_the_switch_and_works_as_decorator():
    assert nn.is_grad_enabled()
    with pytest.raises(ZeroDivisionError):
        with nn.no_grad():
            assert not nn.is_grad_enabled()
            with nn.no_grad():
                pass
            assert not nn.is_grad_enabled()     # the inner one restores "off"
            1 / 0
    assert nn.is_grad_enabled()

    @nn.no_grad()
    def sample(G):
        return G(np.ones((2, 2), np.float32))

    G = nn.Sequential(nn.Linear(2, 3), nn.Tanh())
    sample(G)
    assert all(m.pending_forwards() == 0 for m in G.modules())
    assert nn.is_grad_enabled()


def test_same_pred_in_two_pending_loss_calls_is_ambiguous_only_at_backward():
    bce = losses.BCELoss()
    p = np.full((2, 1), 0.3, np.float32)
    a = float(bce(p, 1.0))                   # evaluating twice is fine ...
    b = float(bce(p, 0.0))
    assert a != b
    with pytest.raises(BackwardError, match="two pending forwards were given this same pred"):
        bce.backward(p)                     # ... but which one would this be?


# -- lifetime: caches are released ----------------------------------------------

def test_cache_released_when_its_output_is_garbage_collected():
    layer = nn.Linear(4, 4)
    y1 = layer(np.ones((2, 4), np.float32))
    y2 = layer(np.ones((3, 4), np.float32))
    assert layer.pending_forwards() == 2
    del y1
    gc.collect()
    assert layer.pending_forwards() == 1      # y1's cache went with y1
    dx = layer.backward(np.ones((3, 4), np.float32))   # unambiguous again: y2's
    assert dx.shape == (3, 4)
    del y2


def test_forwards_never_back_propagated_do_not_accumulate():
    """Only the latest forward is held (so `layer(x); layer.backward(dy)` works);
    the caches of earlier ones go with their outputs: memory stays bounded."""
    D = nn.Sequential(nn.Linear(64, 64), nn.BatchNorm1d(64), nn.LeakyReLU(0.2), nn.Linear(64, 1))
    x = np.ones((32, 64), np.float32)
    for _ in range(200):
        D(x)                                   # outputs dropped at once
    assert all(m.pending_forwards() <= 1 for m in D.modules())
    D.backward(np.ones((32, 1), np.float32))   # the latest one, unnamed
    assert all(m.pending_forwards() == 0 for m in D.modules())


def test_latest_forward_backward_without_naming_still_works():
    """The one-forward-one-backward idiom of the layer docs and tests."""
    layer = nn.Conv2d(1, 2, 3)
    layer.forward(np.ones((2, 1, 4, 4), np.float32))
    dx = layer.backward(np.ones((2, 2, 2, 2), np.float32))
    assert dx.shape == (2, 1, 4, 4)


def test_errors_never_leave_a_wrong_gradient_behind():
    """The old single-cache bug: back-propagating the real loss through the fake
    batch's activations.  Now each backward uses its own forward's cache."""
    rs = np.random.RandomState(0)
    D = nn.Sequential(nn.Linear(3, 5), nn.LeakyReLU(0.2), nn.Linear(5, 1), nn.Sigmoid())
    x_real, x_fake = randn(rs, 4, 3), randn(rs, 4, 3) + 3
    bce = losses.BCELoss()
    out_real = D(x_real)
    bce(out_real, 1.0)
    D.backward(bce.backward(out_real), out_real)
    alone = grads(D)
    D.zero_grad()
    out_real = D(x_real)
    out_fake = D(x_fake)                       # a second pending forward in between
    bce(out_real, 1.0)
    D.backward(bce.backward(out_real), out_real)
    for a, b in zip(alone, grads(D)):
        np.testing.assert_array_equal(a, b)
    del out_fake


@pytest.mark.parametrize("orders", list(itertools.permutations(range(3))))
def test_sequential_shares_a_layer_object_between_positions(orders):
    """One Tanh object used twice in one network: each use finds its own cache."""
    t = nn.Tanh()
    net = nn.Sequential(nn.Linear(2, 2), t, nn.Linear(2, 2), t)
    rs = np.random.RandomState(1)
    xs = [randn(rs, 3, 2) for _ in range(3)]
    ref = []
    for x in xs:
        net.zero_grad()
        y = net(x)
        ref.append((net.backward(np.ones_like(y), y), grads(net)))
    outs = [net(x) for x in xs]
    for i in orders:
        net.zero_grad()
        dx = net.backward(np.ones_like(outs[i]), outs[i])
        np.testing.assert_allclose(dx, ref[i][0], rtol=1e-6)
        for a, b in zip(ref[i][1], grads(net)):
            np.testing.assert_allclose(b, a, rtol=1e-6)


@pytest.mark.parametrize("options", [{}, {"feature_matching": -2}, {"joint_d_batch": False},
                                     {"conditional": True}])
def test_training_leaves_no_pending_forward_behind(options):
    """After each iteration of the engine every forward has had its backward
    (or ran under no_grad): nothing accumulates over a long run."""
    from scratchgan import optim
    from scratchgan.gan import GANTrainer, normal_noise
    options = dict(options)
    conditional = options.pop("conditional", False)
    rs = np.random.RandomState(0)
    if conditional:
        G = nn.ConcatCondition(nn.Sequential(nn.Linear(4 + 2, 8), nn.BatchNorm1d(8), nn.ReLU(),
                                             nn.Linear(8, 3)))
        D = nn.ConcatCondition(nn.Sequential(nn.Linear(3 + 2, 8), nn.LeakyReLU(0.2),
                                             nn.Linear(8, 1), nn.Sigmoid()))
        eye = np.eye(2, dtype=np.float32)

        def data(m):
            return randn(rs, m, 3), backend.asarray(eye[rs.randint(0, 2, m)])
        options["mismatched_labels"] = True
    else:
        G = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))
        D = nn.Sequential(nn.Linear(3, 8), nn.LeakyReLU(0.2), nn.Linear(8, 8), nn.LeakyReLU(0.2),
                          nn.Linear(8, 1), nn.Sigmoid())

        def data(m):
            return randn(rs, m, 3)
    t = GANTrainer(G, D, optim.Adam(G.parameters()), optim.Adam(D.parameters()), data,
                   normal_noise(4), batch_size=8, monitor=None, **options)
    for _ in range(3):
        t.step()
        assert [m.pending_forwards() for m in list(G.modules()) + list(D.modules())] == \
            [0] * len(list(G.modules()) + list(D.modules()))
    c = backend.asarray(np.eye(2, dtype=np.float32)[[0, 1, 0, 1]]) if conditional else None
    t.generate(4, c=c)
    t.discriminate(np.zeros((4, 3), np.float32), c=c)
    assert all(m.pending_forwards() == 0 for m in list(G.modules()) + list(D.modules()))
