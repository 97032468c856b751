"""The rest of PyTorch's training-loop API that ports need: frozen parameters,
child registration, parameter groups, RMSprop, AMSGrad, schedulers,
reduction='none', and the clear errors."""
import math

import numpy as np
import pytest

from scratchgan import backend, losses, nn, optim
from scratchgan.optim import lr_scheduler


# -- freezing: requires_grad = False means the optimizer never touches it ------------

@pytest.mark.parametrize("make", [
    lambda ps: optim.Adam(ps, lr=0.1, betas=(0.9, 0.99)),
    lambda ps: optim.Adam(ps, lr=0.1, weight_decay=0.1, amsgrad=True),
    lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.5),
    lambda ps: optim.RMSprop(ps, lr=0.1, momentum=0.5, weight_decay=0.1, centered=True),
])
def test_frozen_parameter_is_skipped_entirely(make):
    """While frozen, a weight keeps its value and every state entry of the
    optimizer (momentum, moments, no weight-decay drift); the bias, not
    frozen, goes on training."""
    backend.manual_seed(0)
    net = nn.Linear(3, 2)
    opt = make(net.parameters())
    x = np.ones((4, 3), np.float32)
    n = net.weight.data.size                       # the weight is theta[:n]
    for i in range(6):
        frozen = i in (2, 3, 4)
        net.weight.requires_grad = not frozen
        opt.zero_grad()
        y = net(x)
        net.backward(y, y)                         # L = |y|^2 / 2
        w, b = net.weight.data.copy(), net.bias.data.copy()
        state = {k: getattr(opt, k)[:n].copy() for k in opt._buffer_names()}
        opt.step()
        assert not np.array_equal(net.bias.data, b)
        if frozen:
            np.testing.assert_array_equal(net.weight.data, w)
            for k, v in state.items():
                np.testing.assert_array_equal(getattr(opt, k)[:n], v, err_msg=k)
        else:
            assert not np.array_equal(net.weight.data, w)
    assert opt.param_steps == [3, 6]


def test_frozen_parameters_keep_adam_state_and_own_step_count():
    p, q = nn.Parameter(np.ones(3, np.float32)), nn.Parameter(np.ones(2, np.float32))
    opt = optim.Adam([p, q], lr=0.1)
    p.grad[...] = 1.0
    q.grad[...] = 1.0
    q.requires_grad = False
    for _ in range(3):
        opt.step()
    assert opt.param_steps == [3, 0]
    np.testing.assert_array_equal(q.data, 1.0)
    np.testing.assert_array_equal(opt.exp_avg[3:], 0.0)          # no moments for q
    q.requires_grad = True
    opt.step()
    # q's first step: m_hat = g, v_hat = g^2 -> moves by lr exactly as a fresh Adam would
    np.testing.assert_allclose(q.data, 1 - 0.1 * 1 / (1 + 1e-8), rtol=1e-6)
    assert opt.param_steps == [4, 1]


def test_zero_grad_set_to_none_is_accepted():
    net = nn.Linear(2, 2)
    opt = optim.SGD(net.parameters(), lr=0.1)
    y = net(np.ones((1, 2), np.float32))
    net.backward(np.ones_like(y), y)
    opt.zero_grad(set_to_none=True)
    net.zero_grad(set_to_none=True)
    assert float(np.abs(opt.grad).sum()) == 0


# -- children: however they are stored --------------------------------------------------

class Blocks(nn.Module):
    def __init__(self):
        super().__init__()
        self._stem = nn.Linear(2, 3)                         # underscore: registered (as PyTorch)
        self.blocks = nn.ModuleList([nn.Linear(3, 3), nn.Linear(3, 3)])
        self.heads = nn.ModuleDict({"real": nn.Linear(3, 1), "cls": nn.Linear(3, 4)})

    def forward(self, x):
        h = self._stem(x)
        for b in self.blocks:
            h = b(h)
        return self.heads["real"](h)


def test_modulelist_moduledict_and_underscore_children_are_registered():
    net = Blocks()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["_stem.weight", "_stem.bias", "blocks.0.weight", "blocks.0.bias",
                     "blocks.1.weight", "blocks.1.bias", "heads.real.weight", "heads.real.bias",
                     "heads.cls.weight", "heads.cls.bias"]
    assert list(net.state_dict()) == names
    opt = optim.Adam(net.parameters())
    assert opt.theta.size == sum(p.data.size for p in net.parameters())
    net.eval()
    assert not net.blocks[1].training and not net.heads["cls"].training
    assert len(net.blocks) == 2 and "cls" in net.heads and list(net.heads) == ["real", "cls"]


def test_plain_list_of_modules_points_to_modulelist():
    class Bad(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = [nn.Linear(2, 2), nn.Linear(2, 2)]

    with pytest.raises(TypeError, match=r"Bad.layers: a plain list of modules is not "
                                        r"registered.*use nn.ModuleList"):
        Bad()

    class BadDict(nn.Module):
        def __init__(self):
            super().__init__()
            self.heads = {"a": nn.Linear(2, 2)}

    with pytest.raises(TypeError, match="use nn.ModuleDict"):
        BadDict()


# -- parameter groups ---------------------------------------------------------------------

def test_param_groups_have_their_own_hyperparameters():
    a, b = nn.Parameter(np.ones(2, np.float32)), nn.Parameter(np.ones(3, np.float32))
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5, "momentum": 0.9}], lr=0.1)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert opt.param_groups[0]["momentum"] == 0.0 and opt.param_groups[1]["momentum"] == 0.9
    a.grad[...] = 1.0
    b.grad[...] = 1.0
    opt.step()
    opt.step()
    np.testing.assert_allclose(a.data, 1 - 0.1 - 0.1)
    np.testing.assert_allclose(b.data, 1 - 0.5 * 1 - 0.5 * 1.9)    # v: 1, then 0.9 + 1
    c = nn.Parameter(np.ones(1, np.float32))
    opt.add_param_group({"params": [c], "lr": 1.0})
    c.grad[...] = 2.0
    a.grad[...] = 0.0
    b.grad[...] = 0.0
    opt.step()
    np.testing.assert_allclose(c.data, [-1.0])
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(ValueError, match="unknown hyper-parameters \\['betas'\\]"):
        optim.SGD([{"params": [nn.Parameter(np.ones(1, np.float32))], "betas": (0.5, 0.9)}])


def test_optimizer_state_dict_round_trip_with_groups():
    def make():
        backend.manual_seed(0)
        net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
        opt = optim.Adam([{"params": net[0].parameters(), "lr": 0.01},
                          {"params": net[2].parameters(), "betas": (0.5, 0.9)}], lr=0.05,
                         amsgrad=True)
        return net, opt

    def steps(net, opt, n):
        x = np.linspace(-1, 1, 12, dtype=np.float32).reshape(4, 3)
        for _ in range(n):
            opt.zero_grad()
            y = net(x)
            net.backward(y, y)
            opt.step()

    net, opt = make()
    steps(net, opt, 5)
    want = net[0].weight.data.copy()
    net, opt = make()
    steps(net, opt, 2)
    state = {k: (v.copy() if hasattr(v, "copy") else v) for k, v in opt.state_dict().items()}
    weights = {k: v.copy() for k, v in net.state_dict().items()}
    net2, opt2 = make()
    opt2.param_groups[1]["betas"] = (0.1, 0.2)          # overwritten by the load
    net2.load_state_dict(weights)
    opt2.load_state_dict(state)
    assert opt2.param_groups[1]["betas"] == (0.5, 0.9)
    steps(net2, opt2, 3)
    np.testing.assert_array_equal(net2[0].weight.data, want)


# -- RMSprop, AMSGrad: by hand and against PyTorch -------------------------------------------

def test_rmsprop_first_two_steps_by_hand():
    p = nn.Parameter(np.array([1.0], np.float32))
    opt = optim.RMSprop([p], lr=0.01, alpha=0.9, eps=1e-8)
    p.grad[...] = 2.0
    opt.step()
    s = 0.1 * 4                                      # (1 - alpha) g^2
    x1 = 1 - 0.01 * 2 / (math.sqrt(s) + 1e-8)
    assert float(p.data[0]) == pytest.approx(x1, rel=1e-6)
    p.grad[...] = -1.0
    opt.step()
    s = 0.9 * s + 0.1 * 1
    assert float(p.data[0]) == pytest.approx(x1 + 0.01 * 1 / (math.sqrt(s) + 1e-8), rel=1e-6)


@pytest.mark.parametrize("name,kwargs", [
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, betas=(0.5, 0.999), amsgrad=True, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01)),
])
def test_optimizers_match_pytorch(name, kwargs):
    torch = pytest.importorskip("torch")
    rs = np.random.RandomState(0)
    w, grads = rs.standard_normal(7).astype(np.float32), rs.standard_normal((5, 7)).astype(np.float32)
    p, tp = nn.Parameter(w.copy()), torch.nn.Parameter(torch.from_numpy(w.copy()))
    opt, topt = getattr(optim, name)([p], **kwargs), getattr(torch.optim, name)([tp], **kwargs)
    for g in grads:
        p.grad[...] = g
        tp.grad = torch.from_numpy(g.copy())
        opt.step()
        topt.step()
    np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=1e-5, atol=1e-7)


def test_frozen_parameter_matches_pytorch_grad_none():
    """PyTorch skips a parameter whose grad is None; ours skips requires_grad=False."""
    torch = pytest.importorskip("torch")
    rs = np.random.RandomState(1)
    w = rs.standard_normal((2, 4)).astype(np.float32)
    ps = [nn.Parameter(w[0].copy()), nn.Parameter(w[1].copy())]
    tps = [torch.nn.Parameter(torch.from_numpy(w[i].copy())) for i in range(2)]
    opt = optim.Adam(ps, lr=0.05, weight_decay=0.1)
    topt = torch.optim.Adam(tps, lr=0.05, weight_decay=0.1)
    for step in range(6):
        g = rs.standard_normal((2, 4)).astype(np.float32)
        frozen = step in (1, 2, 3)
        ps[1].requires_grad = not frozen
        for i in range(2):
            ps[i].grad[...] = g[i]
            tps[i].grad = None if (i == 1 and frozen) else torch.from_numpy(g[i].copy())
        opt.step()
        topt.step()
    for p, tp in zip(ps, tps):
        np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=1e-5, atol=1e-7)


# -- schedulers: PyTorch's sequences, written out from its formulas -------------------------------

def lrs(make_sched, n=12, lr=0.1):
    p = nn.Parameter(np.zeros(1, np.float32))
    opt = optim.SGD([p], lr=lr)
    sched = make_sched(opt)
    out = [sched.get_last_lr()[0]]
    for _ in range(n):
        opt.step()
        sched.step()
        out.append(sched.get_last_lr()[0])
        assert opt.param_groups[0]["lr"] == out[-1]
    return out


def test_step_lr_sequence():
    got = lrs(lambda o: lr_scheduler.StepLR(o, step_size=3, gamma=0.5))
    want = [0.1 * 0.5 ** (t // 3) for t in range(13)]
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_exponential_lr_sequence():
    got = lrs(lambda o: lr_scheduler.ExponentialLR(o, gamma=0.9))
    np.testing.assert_allclose(got, [0.1 * 0.9 ** t for t in range(13)], rtol=1e-12)


def test_lambda_lr_sequence_per_group():
    a, b = nn.Parameter(np.zeros(1, np.float32)), nn.Parameter(np.zeros(1, np.float32))
    opt = optim.Adam([{"params": [a]}, {"params": [b], "lr": 0.2}], lr=0.1)
    sched = lr_scheduler.LambdaLR(opt, [lambda t: 1 / (t + 1), lambda t: 0.5 ** t])
    for t in range(1, 6):
        sched.step()
        assert sched.get_last_lr() == pytest.approx([0.1 / (t + 1), 0.2 * 0.5 ** t], rel=1e-15)


def test_linear_lr_sequence():
    got = lrs(lambda o: lr_scheduler.LinearLR(o, start_factor=0.25, end_factor=1.0, total_iters=4))
    want = [0.1 * (0.25 + 0.75 * min(t, 4) / 4) for t in range(13)]
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_cosine_annealing_sequence_down_and_back_up():
    got = lrs(lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=5, eta_min=0.01), n=14)
    want = [0.01 + 0.09 * (1 + math.cos(math.pi * t / 5)) / 2 for t in range(15)]
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize("name,kwargs", [
    ("StepLR", dict(step_size=3, gamma=0.5)), ("ExponentialLR", dict(gamma=0.9)),
    ("LinearLR", dict(start_factor=0.25, total_iters=4)),
    ("CosineAnnealingLR", dict(T_max=5, eta_min=0.01)),
    ("LambdaLR", dict(lr_lambda=lambda t: 0.95 ** t + 0.01 * t)),
])
def test_schedulers_equal_pytorch_number_for_number(name, kwargs):
    torch = pytest.importorskip("torch")
    ours = lrs(lambda o: getattr(lr_scheduler, name)(o, **kwargs), n=20)
    tp = torch.nn.Parameter(torch.zeros(1))
    topt = torch.optim.SGD([tp], lr=0.1)
    sched = getattr(torch.optim.lr_scheduler, name)(topt, **kwargs)
    theirs = [sched.get_last_lr()[0]]
    for _ in range(20):
        topt.step()
        sched.step()
        theirs.append(sched.get_last_lr()[0])
    assert ours == theirs                               # exactly


# -- losses: reduction='none', and errors ----------------------------------------------------

@pytest.mark.parametrize("name", ["BCELoss", "BCEWithLogitsLoss", "MSELoss", "L1Loss"])
def test_reduction_none_is_elementwise(name):
    rs = np.random.RandomState(0)
    p = rs.uniform(0.1, 0.9, (4, 3)).astype(np.float32)
    t = rs.uniform(0, 1, (4, 3)).astype(np.float32)
    none, total = getattr(losses, name)(reduction="none"), getattr(losses, name)(reduction="sum")
    each = none(p, t)
    assert each.shape == (4, 3)
    assert float(each.sum()) == pytest.approx(float(total(p, t)), rel=1e-5)
    # the upstream gradient weights each element: all ones gives the sum's gradient
    np.testing.assert_allclose(none.backward(p, np.ones_like(each)), total.backward(p), rtol=1e-6)
    w = rs.uniform(0, 2, (4, 3)).astype(np.float32)
    none(p, t)
    np.testing.assert_allclose(none.backward(p, w), w * _elementwise_grad(name, p, t), rtol=1e-5)
    with pytest.raises(nn.ShapeError, match="reduction='none'.*upstream gradient.*\\(4, 3\\)"):
        none(p, t)
        none.backward(p)


def _elementwise_grad(name, p, t):
    if name == "BCELoss":
        return (p - t) / (p * (1 - p))
    if name == "BCEWithLogitsLoss":
        return 1 / (1 + np.exp(-p)) - t
    if name == "MSELoss":
        return 2 * (p - t)
    return np.sign(p - t)


def test_reduction_none_matches_pytorch():
    torch = pytest.importorskip("torch")
    rs = np.random.RandomState(2)
    p = rs.uniform(0.1, 0.9, (5, 2)).astype(np.float32)
    t = rs.uniform(0, 1, (5, 2)).astype(np.float32)
    w = rs.standard_normal((5, 2)).astype(np.float32)
    for ours, theirs in ((losses.BCELoss, torch.nn.BCELoss), (losses.MSELoss, torch.nn.MSELoss),
                         (losses.L1Loss, torch.nn.L1Loss),
                         (losses.BCEWithLogitsLoss, torch.nn.BCEWithLogitsLoss)):
        crit = ours(reduction="none")
        tp = torch.from_numpy(p.copy()).requires_grad_(True)
        tl = theirs(reduction="none")(tp, torch.from_numpy(t))
        tl.backward(torch.from_numpy(w))
        np.testing.assert_allclose(crit(p, t), tl.detach().numpy(), rtol=1e-5)
        np.testing.assert_allclose(crit.backward(p, w), tp.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_bce_outside_unit_interval_raises_and_suggests_logits():
    with pytest.raises(ValueError, match=r"BCELoss.*probabilities in \[0, 1\], got values from "
                                         r"-0.5 to 2.*BCEWithLogitsLoss"):
        losses.BCELoss()(np.array([[-0.5], [2.0]], np.float32), 1.0)
    # NaN still flows through (the trainer's divergence check needs it)
    assert np.isnan(float(losses.BCELoss()(np.array([[np.nan]], np.float32), 1.0)))


def test_clear_errors_for_common_porting_mistakes():
    with pytest.raises(TypeError, match=r"Linear.*expected an array \(N, 3\), got a list.*asarray"):
        nn.Linear(3, 2)([1.0, 2.0, 3.0])
    with pytest.raises(nn.ShapeError, match=r"Flatten.*batch axis.*got shape \(5,\).*x\[None\]"):
        nn.Flatten()(np.ones(5, np.float32))
    with pytest.raises(TypeError, match=r"BCELoss: target must be a number.*or an array of "
                                        r"pred's shape \(2, 1\), got str"):
        losses.BCELoss()(np.full((2, 1), 0.5, np.float32), "real")
    with pytest.raises(TypeError, match="got list"):
        losses.MSELoss()(np.zeros((2, 1), np.float32), [[0.0], [1.0]])


def test_dcgan_init_skips_batchnorm_without_affine():
    from scratchgan.models import dcgan_init
    net = dcgan_init(nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2, affine=False),
                                   nn.BatchNorm2d(2)))
    assert float(np.abs(net[0].bias.data).max()) == 0.0
    assert abs(float(net[2].weight.data.mean()) - 1.0) < 0.1


def test_conv_transpose_output_padding_rows_hold_painted_values():
    """The docstring's claim: with padding, the extra bottom row is not just the bias."""
    layer = nn.ConvTranspose2d(1, 1, 3, stride=2, padding=1, output_padding=1, bias=False)
    layer.weight.data[...] = 1.0
    y = layer(np.ones((1, 1, 2, 2), np.float32))
    assert y.shape == (1, 1, 4, 4) and float(np.abs(y[0, 0, -1]).min()) > 0
    layer = nn.ConvTranspose2d(1, 1, 3, stride=2, padding=0, output_padding=1)
    layer.weight.data[...] = 1.0
    y = layer(np.ones((1, 1, 2, 2), np.float32))
    np.testing.assert_allclose(y[0, 0, -1], layer.bias.data[0])     # beyond the painted area


def test_optimizer_state_dict_param_groups_is_a_list_and_survives_a_checkpoint(tmp_path):
    from scratchgan.checkpoint import load_checkpoint, save_checkpoint
    a, b = nn.Parameter(np.ones(2, np.float32)), nn.Parameter(np.ones(3, np.float32))
    opt = optim.Adam([{"params": [a]}, {"params": [b], "lr": 0.5, "betas": (0.8, 0.9)}], lr=0.1)
    state = opt.state_dict()
    assert [g["lr"] for g in state["param_groups"]] == [0.1, 0.5]       # as in PyTorch
    a.grad[...] = 1.0
    b.grad[...] = 1.0
    opt.step()
    save_checkpoint(tmp_path / "ck.npz", optimizers={"opt": opt})
    other = optim.Adam([{"params": [nn.Parameter(np.ones(2, np.float32))]},
                        {"params": [nn.Parameter(np.ones(3, np.float32))]}], lr=0.01)
    load_checkpoint(tmp_path / "ck.npz", optimizers={"opt": other})
    assert [g["lr"] for g in other.param_groups] == [0.1, 0.5]
    assert other.param_groups[1]["betas"] == (0.8, 0.9) and other.param_steps == [1, 1]
    np.testing.assert_array_equal(other.exp_avg, opt.exp_avg)
