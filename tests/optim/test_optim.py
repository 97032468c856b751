"""SGD and Adam against hand-computed updates; state dicts; the flat buffer."""
import math

import numpy as np
import pytest

from scratchgan import backend, nn, optim


def one_param(xp, values, grad):
    p = nn.Parameter(xp.asarray(values, dtype=xp.float32))
    p.grad[...] = xp.asarray(grad, dtype=xp.float32)
    return p


def test_sgd_plain_step(xp):
    p = one_param(xp, [1.0, -2.0], [0.5, 1.0])
    optim.SGD([p], lr=0.1).step()
    np.testing.assert_allclose(backend.to_host(p.data), [0.95, -2.1], rtol=1e-6)


def test_sgd_momentum_by_hand(xp):
    # v1 = g = 1;  theta1 = 1 - 0.1 * 1 = 0.9
    # v2 = 0.9 * 1 + 1 = 1.9;  theta2 = 0.9 - 0.19 = 0.71
    p = one_param(xp, [1.0], [1.0])
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    opt.step()
    assert float(p.data[0]) == pytest.approx(0.9)
    opt.step()
    assert float(p.data[0]) == pytest.approx(0.71)


def test_sgd_nesterov_and_weight_decay_by_hand(xp):
    # g = 1 + 0.1 * 2 = 1.2; v = 1.2; nesterov g' = 1.2 + 0.5 * 1.2 = 1.8; theta = 2 - 0.1 * 1.8
    p = one_param(xp, [2.0], [1.0])
    optim.SGD([p], lr=0.1, momentum=0.5, nesterov=True, weight_decay=0.1).step()
    assert float(p.data[0]) == pytest.approx(1.82)


def test_adam_first_two_steps_by_hand(xp):
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    p = one_param(xp, [1.0], [2.0])
    opt = optim.Adam([p], lr=lr, betas=(b1, b2), eps=eps)
    opt.step()
    # step 1: m_hat = g, v_hat = g^2 -> theta moves by lr * g/|g| (about lr)
    assert float(p.data[0]) == pytest.approx(1 - lr * 2 / (2 + eps), rel=1e-6)
    p.grad[...] = -1.0
    opt.step()
    m = b1 * (1 - b1) * 2 + (1 - b1) * -1
    v = b2 * (1 - b2) * 4 + (1 - b2) * 1
    step = lr / (1 - b1 ** 2) * m / (math.sqrt(v) / math.sqrt(1 - b2 ** 2) + eps)
    assert float(p.data[0]) == pytest.approx(1 - lr * 2 / (2 + eps) - step, rel=1e-6)


def test_adam_weight_decay_is_l2_not_adamw(xp):
    p = one_param(xp, [1.0], [0.0])
    optim.Adam([p], lr=0.1, weight_decay=0.5).step()   # g = 0.5 -> moves by lr
    assert float(p.data[0]) == pytest.approx(0.9, rel=1e-6)


def test_flat_buffer_views_and_zero_grad(xp):
    net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    opt = optim.Adam(net.parameters())
    assert opt.theta.size == 3 * 4 + 4 + 4 * 2 + 2
    net.forward(xp.ones((5, 3), dtype=xp.float32))
    net.backward(xp.ones((5, 2), dtype=xp.float32))
    assert float(abs(opt.grad).sum()) > 0                 # layers wrote into the flat grad
    opt.zero_grad()
    assert all(float(abs(p.grad).sum()) == 0 for p in net.parameters())
    net[0].weight.data = net[0].weight.data.copy()        # breaks the view: must be caught
    with pytest.raises(RuntimeError, match="replaced after the optimizer was created"):
        opt.step()


def test_state_dict_round_trip_continues_identically(xp):
    def run(steps, restore_at=None):
        backend.manual_seed(0)
        net = nn.Linear(3, 2)
        opt = optim.Adam(net.parameters(), lr=0.05, betas=(0.5, 0.999))
        x = xp.ones((4, 3), dtype=xp.float32)
        saved = None
        for i in range(steps):
            if i == restore_at:
                saved = ({k: v.copy() for k, v in net.state_dict().items()},
                         {k: (v.copy() if hasattr(v, "copy") else v) for k, v in opt.state_dict().items()})
                backend.manual_seed(0)
                net = nn.Linear(3, 2)
                opt = optim.Adam(net.parameters(), lr=0.001)
                net.load_state_dict(saved[0])
                opt.load_state_dict(saved[1])
            opt.zero_grad()
            net.forward(x)
            net.backward(net.forward(x))
            opt.step()
        return backend.to_host(net.weight.data)

    np.testing.assert_array_equal(run(6), run(6, restore_at=3))


def test_sgd_state_dict_shape_mismatch_is_rejected():
    a = optim.SGD(nn.Linear(3, 2).parameters(), lr=0.1, momentum=0.9)
    b = optim.SGD(nn.Linear(4, 2).parameters(), lr=0.1, momentum=0.9)
    with pytest.raises(ValueError, match="different model"):
        b.load_state_dict(a.state_dict())


def test_optimizer_argument_errors():
    with pytest.raises(ValueError, match="empty"):
        optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="Nesterov"):
        optim.SGD(nn.Linear(2, 2).parameters(), lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="betas"):
        optim.Adam(nn.Linear(2, 2).parameters(), betas=(1.0, 0.999))


@pytest.mark.parametrize("make", [lambda ps: optim.Adam(ps, lr=1e-3, weight_decay=0.01),
                                  lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True)])
def test_threaded_pieces_equal_one_pass_bit_for_bit(make, monkeypatch):
    """On the CPU a long theta is updated in pieces by threads: elementwise, so identical."""
    monkeypatch.setattr(optim.optimizer, "_PIECE", 1000)
    monkeypatch.setattr(optim.optimizer.os, "cpu_count", lambda: 4)
    r = np.random.RandomState(0)
    data, grads = r.standard_normal(10007).astype(np.float32), r.standard_normal((3, 10007)).astype(np.float32)
    results = []
    for threaded in (True, False):
        p = nn.Parameter(data.copy())
        opt = make([p])
        for g in grads:
            p.grad[...] = g
            if threaded:
                opt.step()
            else:                                  # the plain single pass
                opt._check_views()
                opt.step_count += 1
                opt.param_steps[0] += 1
                opt._update(slice(0, p.data.size), opt.param_groups[0], opt.param_steps[0])
        results.append(p.data.copy())
    np.testing.assert_array_equal(results[0], results[1])


def test_sgd_dampening_by_hand_and_pytorch_argument_order(xp):
    # v1 = g = 1 (no dampening on the first step); v2 = 0.9 * 1 + (1 - 0.5) * 1 = 1.4
    p = one_param(xp, [1.0], [1.0])
    opt = optim.SGD([p], 0.1, 0.9, 0.5)                 # (params, lr, momentum, dampening)
    opt.step()
    opt.step()
    assert float(p.data[0]) == pytest.approx(1 - 0.1 - 0.14)
    with pytest.raises(ValueError, match="dampening = 0"):
        optim.SGD([one_param(xp, [1.0], [0.0])], 0.1, 0.9, 0.5, nesterov=True)


def test_sgd_dampening_matches_pytorch():
    torch = pytest.importorskip("torch")
    r = np.random.RandomState(0)
    w, grads = r.standard_normal(5).astype(np.float32), r.standard_normal((3, 5)).astype(np.float32)
    p = nn.Parameter(w.copy())
    tp = torch.nn.Parameter(torch.from_numpy(w.copy()))
    opt = optim.SGD([p], lr=0.05, momentum=0.8, dampening=0.3, weight_decay=0.01)
    topt = torch.optim.SGD([tp], lr=0.05, momentum=0.8, dampening=0.3, weight_decay=0.01)
    for g in grads:
        p.grad[...] = g
        tp.grad = torch.from_numpy(g.copy())
        opt.step()
        topt.step()
    np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=1e-6)
