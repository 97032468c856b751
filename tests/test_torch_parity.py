"""Optional: the same small model in scratchgan and in PyTorch, same weights.

Skipped when torch is not installed (it is never a dependency).  Checks the
forward output, the input gradient, every parameter gradient, and the
parameters after one Adam step and one SGD-momentum step, to 1e-5 relative
in float32.
"""
import numpy as np
import pytest

from scratchgan import backend, losses, nn, optim

torch = pytest.importorskip("torch")
RTOL, ATOL = 1e-5, 1e-6


def build_pair():
    # Fixed weights: with unseeded ones, about 1 draw in 80 puts a parameter
    # gradient that is a near-cancelling float32 sum (e.g. a BatchNorm bias
    # gradient of 8e-5 summed from terms of 1e-2) past 1e-5 relative, on either
    # side; that is rounding, not a wrong formula (gradcheck tests the formulas).
    torch.manual_seed(0)
    ours = nn.Sequential(
        nn.Conv2d(2, 4, 3, stride=2, padding=1), nn.BatchNorm2d(4), nn.LeakyReLU(0.2),
        nn.ConvTranspose2d(4, 3, 4, stride=2, padding=1, output_padding=0), nn.ELU(),
        nn.Flatten(), nn.Linear(3 * 6 * 6, 5), nn.BatchNorm1d(5, eps=0.8), nn.SELU(),
        nn.Linear(5, 1), nn.Sigmoid())
    tn = torch.nn
    theirs = tn.Sequential(
        tn.Conv2d(2, 4, 3, stride=2, padding=1), tn.BatchNorm2d(4), tn.LeakyReLU(0.2),
        tn.ConvTranspose2d(4, 3, 4, stride=2, padding=1, output_padding=0), tn.ELU(),
        tn.Flatten(), tn.Linear(3 * 6 * 6, 5), tn.BatchNorm1d(5, eps=0.8), tn.SELU(),
        tn.Linear(5, 1), tn.Sigmoid())
    # PyTorch's state dict, converted to arrays, loads unchanged
    sd = {k: v.detach().numpy() for k, v in theirs.state_dict().items()}
    sd["1.weight"] = np.random.RandomState(0).uniform(0.5, 1.5, 4).astype(np.float32)
    sd["1.bias"] = np.random.RandomState(1).uniform(-0.5, 0.5, 4).astype(np.float32)
    theirs.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in sd.items()})
    ours.load_state_dict(sd)
    return ours, theirs


def close(a, b):
    np.testing.assert_allclose(backend.to_host(a), b.detach().numpy(), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("opt_name", ["adam", "sgd"])
def test_small_model_matches_pytorch(opt_name, backend_name):
    ours, theirs = build_pair()
    if backend_name == "cupy":
        ours.to("gpu")
    xp = backend.get_xp()
    x_np = np.random.RandomState(2).standard_normal((6, 2, 6, 6)).astype(np.float32)
    t_np = np.random.RandomState(3).uniform(0, 1, (6, 1)).astype(np.float32)
    if opt_name == "adam":
        opt = optim.Adam(ours.parameters(), lr=2e-4, betas=(0.5, 0.999), weight_decay=1e-3)
        topt = torch.optim.Adam(theirs.parameters(), lr=2e-4, betas=(0.5, 0.999), weight_decay=1e-3)
    else:
        opt = optim.SGD(ours.parameters(), lr=0.1, momentum=0.9, nesterov=True)
        topt = torch.optim.SGD(theirs.parameters(), lr=0.1, momentum=0.9, nesterov=True)

    for _ in range(2):                                     # two steps: momentum buffers matter
        opt.zero_grad()
        topt.zero_grad()
        x = xp.asarray(x_np)
        tx = torch.from_numpy(x_np).requires_grad_(True)
        crit = losses.BCELoss()
        y = ours.forward(x)
        loss = crit.forward(y, xp.asarray(t_np))
        dx = ours.backward(crit.backward())
        ty = theirs(tx)
        tloss = torch.nn.functional.binary_cross_entropy(ty, torch.from_numpy(t_np))
        tloss.backward()
        close(y, ty)
        assert float(loss) == pytest.approx(tloss.item(), rel=RTOL)
        close(dx, tx.grad)
        for (name, p), (tname, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
            assert name == tname
            close(p.grad, tp.grad)
        opt.step()
        topt.step()
        for p, tp in zip(ours.parameters(), theirs.parameters()):
            close(p.data, tp)
    for k, v in theirs.state_dict().items():               # running statistics too
        np.testing.assert_allclose(backend.to_host(ours.state_dict()[k]), v.numpy(), rtol=RTOL, atol=ATOL)
    # evaluation mode uses the running statistics
    ours.eval()
    theirs.eval()
    close(ours.forward(xp.asarray(x_np)), theirs(torch.from_numpy(x_np)))


def test_bce_with_logits_matches_pytorch():
    x = np.random.RandomState(0).standard_normal((7, 1)).astype(np.float32) * 4
    t = np.random.RandomState(1).uniform(0, 1, (7, 1)).astype(np.float32)
    crit = losses.BCEWithLogitsLoss()
    tx = torch.from_numpy(x).requires_grad_(True)
    tl = torch.nn.functional.binary_cross_entropy_with_logits(tx, torch.from_numpy(t))
    tl.backward()
    assert float(crit(x, t)) == pytest.approx(tl.item(), rel=RTOL)
    np.testing.assert_allclose(crit.backward(), tx.grad.numpy(), rtol=RTOL, atol=ATOL)
