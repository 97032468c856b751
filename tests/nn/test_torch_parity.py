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
    if backend_name != "numpy":
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


def lecture_pair(latent=16, pixels=64):
    """PyTorch-GAN's gan.py models (BatchNorm1d(out, 0.8) blocks), scaled down."""
    from scratchgan import models
    G, D = models.mlp_gan(latent, (1, 8, 8))
    tn = torch.nn

    def block(i, o, normalize=True):
        layers = [tn.Linear(i, o)]
        if normalize:
            layers.append(tn.BatchNorm1d(o, 0.8))
        layers.append(tn.LeakyReLU(0.2, inplace=True))
        return layers
    tG = tn.Sequential(*block(latent, 128, normalize=False), *block(128, 256), *block(256, 512),
                       *block(512, 1024), tn.Linear(1024, pixels), tn.Tanh(),
                       tn.Unflatten(1, (1, 8, 8)))
    tD = tn.Sequential(tn.Flatten(), tn.Linear(pixels, 512), tn.LeakyReLU(0.2, inplace=True),
                       tn.Linear(512, 256), tn.LeakyReLU(0.2, inplace=True), tn.Linear(256, 1),
                       tn.Sigmoid())
    G.load_state_dict({k: v.detach().numpy() for k, v in tG.state_dict().items()})
    D.load_state_dict({k: v.detach().numpy() for k, v in tD.state_dict().items()})
    return G, D, tG, tD


@pytest.mark.parametrize("real_first", [True, False])
def test_lecture_gan_loop_matches_pytorch(real_first):
    """The lecture's training loop, line by line in both libraries: G step first,
    then the D step with two pending forwards of D, backwards in either order."""
    torch.manual_seed(0)
    G, D, tG, tD = lecture_pair()
    bce, tbce = losses.BCELoss(), torch.nn.BCELoss()
    optG = optim.Adam(G.parameters(), lr=0.0002, betas=(0.5, 0.999))
    optD = optim.Adam(D.parameters(), lr=0.0002, betas=(0.5, 0.999))
    toptG = torch.optim.Adam(tG.parameters(), lr=0.0002, betas=(0.5, 0.999))
    toptD = torch.optim.Adam(tD.parameters(), lr=0.0002, betas=(0.5, 0.999))
    rs = np.random.RandomState(0)
    for _ in range(3):
        z = rs.standard_normal((32, 16)).astype(np.float32)
        real = np.tanh(rs.standard_normal((32, 1, 8, 8))).astype(np.float32)
        tz, treal = torch.from_numpy(z), torch.from_numpy(real)
        valid, fake = torch.ones(32, 1), torch.zeros(32, 1)
        # PyTorch, as the lecture writes it
        toptG.zero_grad()
        tgen = tG(tz)
        tg_loss = tbce(tD(tgen), valid)
        tg_loss.backward()
        toptG.step()
        toptD.zero_grad()
        treal_loss = tbce(tD(treal), valid)
        tfake_loss = tbce(tD(tgen.detach()), fake)
        td_loss = (treal_loss + tfake_loss) / 2
        td_loss.backward()
        toptD.step()
        # scratchgan, line by line
        optG.zero_grad()
        gen = G(z)
        validity = D(gen)
        g_loss = bce(validity, 1.0)
        G.backward(D.backward(bce.backward(validity), validity), gen)
        optG.step()
        optD.zero_grad()
        out_real = D(real)
        real_loss = bce(out_real, 1.0)
        out_fake = D(gen)
        fake_loss = bce(out_fake, 0.0)
        d_loss = (real_loss + fake_loss) / 2
        for out in ([out_real, out_fake] if real_first else [out_fake, out_real]):
            D.backward(bce.backward(out) / 2, out)
        optD.step()
        assert float(g_loss) == pytest.approx(tg_loss.item(), rel=1e-4)
        assert float(d_loss) == pytest.approx(td_loss.item(), rel=1e-4)
    for ours, theirs in ((G, tG), (D, tD)):
        for k, v in theirs.state_dict().items():
            # A Linear bias just before BatchNorm has an exactly-zero gradient
            # (the normalisation subtracts it again): both sides step it by the
            # sign of float32 rounding noise, up to lr per step with Adam.
            before_bn = theirs is tG and k in ("2.bias", "5.bias", "8.bias")
            np.testing.assert_allclose(backend.to_host(ours.state_dict()[k]), v.numpy(),
                                       rtol=1e-4, atol=6e-4 if before_bn else 2e-6, err_msg=k)


# ------------------------------------------------------ the image-to-image layers
IMAGE_LAYERS = [
    ("InstanceNorm2d", lambda: nn.InstanceNorm2d(3), lambda: torch.nn.InstanceNorm2d(3)),
    ("InstanceNorm2d affine", lambda: nn.InstanceNorm2d(3, affine=True),
     lambda: torch.nn.InstanceNorm2d(3, affine=True)),
    ("ReflectionPad2d", lambda: nn.ReflectionPad2d((1, 2, 3, 0)),
     lambda: torch.nn.ReflectionPad2d((1, 2, 3, 0))),
    ("Upsample", lambda: nn.Upsample(scale_factor=2), lambda: torch.nn.Upsample(scale_factor=2)),
    ("AvgPool2d", lambda: nn.AvgPool2d(3, 2, 1), lambda: torch.nn.AvgPool2d(3, 2, 1)),
    ("MaxPool2d", lambda: nn.MaxPool2d(3, 2, 1), lambda: torch.nn.MaxPool2d(3, 2, 1)),
    ("MaxPool2d 2", lambda: nn.MaxPool2d(2), lambda: torch.nn.MaxPool2d(2)),
]


@pytest.mark.parametrize("name,make_ours,make_theirs", IMAGE_LAYERS,
                         ids=[n for n, _, _ in IMAGE_LAYERS])
def test_image_layers_match_pytorch(name, make_ours, make_theirs, backend_name):
    ours, theirs = make_ours(), make_theirs()
    x = np.random.RandomState(0).standard_normal((2, 3, 7, 6)).astype(np.float32)
    if "affine" in name:
        w = np.random.RandomState(1).uniform(0.5, 1.5, 3).astype(np.float32)
        b = np.random.RandomState(2).standard_normal(3).astype(np.float32)
        theirs.weight.data[...] = torch.from_numpy(w)
        theirs.bias.data[...] = torch.from_numpy(b)
        ours.weight.data[...] = backend.to_device(w)
        ours.bias.data[...] = backend.to_device(b)
    t = torch.tensor(x, requires_grad=True)
    y_t = theirs(t)
    dy = np.random.RandomState(3).standard_normal(tuple(y_t.shape)).astype(np.float32)
    y_t.backward(torch.from_numpy(dy))
    y = ours(backend.to_device(x))
    dx = ours.backward(backend.to_device(dy))
    close(y, y_t)
    close(dx, t.grad)
    for (n, p), tp in zip(ours.named_parameters(), theirs.parameters()):
        close(p.grad, tp.grad)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_cross_entropy_matches_pytorch(weighted, reduction):
    r = np.random.RandomState(0)
    x = (r.standard_normal((9, 5)) * 3).astype(np.float32)
    t = r.randint(0, 5, 9)
    w = r.uniform(0.2, 2, 5).astype(np.float32) if weighted else None
    crit = losses.CrossEntropyLoss(weight=w, reduction=reduction)
    tx = torch.from_numpy(x).requires_grad_(True)
    tl = torch.nn.functional.cross_entropy(
        tx, torch.from_numpy(t), weight=None if w is None else torch.from_numpy(w),
        reduction=reduction)
    tl.backward()
    assert float(crit(x, t)) == pytest.approx(tl.item(), rel=RTOL)
    np.testing.assert_allclose(crit.backward(), tx.grad.numpy(), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("name", ["Softmax", "LogSoftmax"])
def test_softmax_layers_match_pytorch(name):
    r = np.random.RandomState(1)
    x = (r.standard_normal((4, 6, 3)) * 3).astype(np.float32)
    dy = r.standard_normal(x.shape).astype(np.float32)
    ours, theirs = getattr(nn, name)(dim=1), getattr(torch.nn, name)(dim=1)
    y = ours(x)
    tx = torch.from_numpy(x).requires_grad_(True)
    ty = theirs(tx)
    ty.backward(torch.from_numpy(dy))
    close(y, ty)
    np.testing.assert_allclose(ours.backward(dy, y), tx.grad.numpy(), rtol=RTOL, atol=ATOL)


def test_two_headed_discriminator_matches_pytorch():
    """ACGAN's D pattern: a trunk, a sigmoid head and a class head; the loss
    0.5 * (BCE + CE); every gradient as PyTorch's autograd gives it."""
    r = np.random.RandomState(3)
    tn = torch.nn
    t_trunk = tn.Sequential(tn.Linear(6, 8), tn.LeakyReLU(0.2), tn.Linear(8, 8), tn.Tanh())
    t_adv, t_cls = tn.Sequential(tn.Linear(8, 1), tn.Sigmoid()), tn.Linear(8, 4)
    ours = nn.TwoHeads(nn.Sequential(nn.Linear(6, 8), nn.LeakyReLU(0.2), nn.Linear(8, 8), nn.Tanh()),
                       nn.Sequential(nn.Linear(8, 1), nn.Sigmoid()), nn.Linear(8, 4))
    for mine, theirs in ((ours.trunk, t_trunk), (ours.head_a, t_adv), (ours.head_b, t_cls)):
        mine.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    x = r.standard_normal((5, 6)).astype(np.float32)
    t = r.randint(0, 4, 5)
    bce, ce = losses.BCELoss(), losses.CrossEntropyLoss()
    out = ours(x)
    loss = 0.5 * (float(bce(out[0], 1.0)) + float(ce(out[1], t)))
    dx = ours.backward((bce.backward(out[0]) * 0.5, ce.backward(out[1]) * 0.5), out)
    tx = torch.from_numpy(x).requires_grad_(True)
    h = t_trunk(tx)
    tl = 0.5 * (torch.nn.functional.binary_cross_entropy(t_adv(h), torch.ones(5, 1))
                + torch.nn.functional.cross_entropy(t_cls(h), torch.from_numpy(t)))
    tl.backward()
    assert loss == pytest.approx(tl.item(), rel=RTOL)
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=RTOL, atol=ATOL)
    theirs = dict(t_trunk.named_parameters(prefix="trunk"))
    theirs.update(t_adv.named_parameters(prefix="head_a"))
    theirs.update(t_cls.named_parameters(prefix="head_b"))
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad, theirs[name].grad.numpy(), rtol=RTOL, atol=ATOL,
                                   err_msg=name)


def test_stride1_conv_shifted_path_matches_pytorch():
    """A Conv2d that takes the shifted-GEMM path (stride 1, 32 -> 16 channels)."""
    from scratchgan.nn.kernels import shifted_gemm
    assert shifted_gemm.suits(32, 16, (3, 3), (1, 1), None)
    torch.manual_seed(0)
    theirs = torch.nn.Conv2d(32, 16, 3, 1, 1)
    ours = nn.Conv2d(32, 16, 3, 1, 1)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    r = np.random.RandomState(0)
    x = r.standard_normal((3, 32, 7, 7)).astype(np.float32)
    dy = r.standard_normal((3, 16, 7, 7)).astype(np.float32)
    y = ours(x)
    dx = ours.backward(dy, y)
    tx = torch.from_numpy(x).requires_grad_(True)
    ty = theirs(tx)
    ty.backward(torch.from_numpy(dy))
    close(y, ty)
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ours.weight.grad, theirs.weight.grad.numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ours.bias.grad, theirs.bias.grad.numpy(), rtol=1e-4, atol=1e-5)
