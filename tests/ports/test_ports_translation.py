"""PyTorch-GAN's pix2pix (U-Net + PatchGAN, 256 x 256) and CycleGAN (ResNet
generator, PatchGAN) ported with public API only (tests/ports/), beside the
original PyTorch models on the same weights: the scripts' generator
objectives (one output, several losses), every gradient in float64, the
losses of a whole pix2pix step in float32."""

import numpy as np
import pytest

from helpers import load_port
from scratchgan import backend, losses, optim

torch = pytest.importorskip("torch", reason="PyTorch (the parity extra) not installed")
tnn = torch.nn




# -- the original models (PyTorch-GAN's models.py), width as a parameter for pix2pix --
class TUNetDown(tnn.Module):
    def __init__(self, in_size, out_size, normalize=True, dropout=0.0):
        super().__init__()
        layers = [tnn.Conv2d(in_size, out_size, 4, 2, 1, bias=False)]
        if normalize:
            layers.append(tnn.InstanceNorm2d(out_size))
        layers.append(tnn.LeakyReLU(0.2))
        if dropout:
            layers.append(tnn.Dropout(dropout))
        self.model = tnn.Sequential(*layers)

    def forward(self, x):
        return self.model(x)


class TUNetUp(tnn.Module):
    def __init__(self, in_size, out_size, dropout=0.0):
        super().__init__()
        layers = [tnn.ConvTranspose2d(in_size, out_size, 4, 2, 1, bias=False),
                  tnn.InstanceNorm2d(out_size), tnn.ReLU(inplace=True)]
        if dropout:
            layers.append(tnn.Dropout(dropout))
        self.model = tnn.Sequential(*layers)

    def forward(self, x, skip_input):
        return torch.cat((self.model(x), skip_input), 1)


class TGeneratorUNet(tnn.Module):
    def __init__(self, in_channels=3, out_channels=3, width=64):
        super().__init__()
        w = width
        self.down1 = TUNetDown(in_channels, w, normalize=False)
        self.down2 = TUNetDown(w, 2 * w)
        self.down3 = TUNetDown(2 * w, 4 * w)
        self.down4 = TUNetDown(4 * w, 8 * w, dropout=0.5)
        self.down5 = TUNetDown(8 * w, 8 * w, dropout=0.5)
        self.down6 = TUNetDown(8 * w, 8 * w, dropout=0.5)
        self.down7 = TUNetDown(8 * w, 8 * w, dropout=0.5)
        self.down8 = TUNetDown(8 * w, 8 * w, normalize=False, dropout=0.5)
        self.up1 = TUNetUp(8 * w, 8 * w, dropout=0.5)
        self.up2 = TUNetUp(16 * w, 8 * w, dropout=0.5)
        self.up3 = TUNetUp(16 * w, 8 * w, dropout=0.5)
        self.up4 = TUNetUp(16 * w, 8 * w, dropout=0.5)
        self.up5 = TUNetUp(16 * w, 4 * w)
        self.up6 = TUNetUp(8 * w, 2 * w)
        self.up7 = TUNetUp(4 * w, w)
        self.final = tnn.Sequential(tnn.Upsample(scale_factor=2), tnn.ZeroPad2d((1, 0, 1, 0)),
                                    tnn.Conv2d(2 * w, out_channels, 4, padding=1), tnn.Tanh())

    def forward(self, x):
        d1 = self.down1(x)
        d2 = self.down2(d1)
        d3 = self.down3(d2)
        d4 = self.down4(d3)
        d5 = self.down5(d4)
        d6 = self.down6(d5)
        d7 = self.down7(d6)
        d8 = self.down8(d7)
        u1 = self.up1(d8, d7)
        u2 = self.up2(u1, d6)
        u3 = self.up3(u2, d5)
        u4 = self.up4(u3, d4)
        u5 = self.up5(u4, d3)
        u6 = self.up6(u5, d2)
        u7 = self.up7(u6, d1)
        return self.final(u7)


def t_block(in_filters, out_filters, normalization=True):
    layers = [tnn.Conv2d(in_filters, out_filters, 4, stride=2, padding=1)]
    if normalization:
        layers.append(tnn.InstanceNorm2d(out_filters))
    layers.append(tnn.LeakyReLU(0.2, inplace=True))
    return layers


class TPatchD(tnn.Module):
    def __init__(self, in_channels=3, width=64):
        super().__init__()
        w = width
        self.model = tnn.Sequential(*t_block(in_channels * 2, w, normalization=False),
                                    *t_block(w, 2 * w), *t_block(2 * w, 4 * w),
                                    *t_block(4 * w, 8 * w), tnn.ZeroPad2d((1, 0, 1, 0)),
                                    tnn.Conv2d(8 * w, 1, 4, padding=1, bias=False))

    def forward(self, img_A, img_B):
        return self.model(torch.cat((img_A, img_B), 1))


class TResidualBlock(tnn.Module):
    def __init__(self, f):
        super().__init__()
        self.block = tnn.Sequential(tnn.ReflectionPad2d(1), tnn.Conv2d(f, f, 3), tnn.InstanceNorm2d(f),
                                    tnn.ReLU(inplace=True), tnn.ReflectionPad2d(1),
                                    tnn.Conv2d(f, f, 3), tnn.InstanceNorm2d(f))

    def forward(self, x):
        return x + self.block(x)


class TGeneratorResNet(tnn.Module):
    def __init__(self, input_shape, num_residual_blocks):
        super().__init__()
        channels, out_features = input_shape[0], 64
        model = [tnn.ReflectionPad2d(channels), tnn.Conv2d(channels, out_features, 7),
                 tnn.InstanceNorm2d(out_features), tnn.ReLU(inplace=True)]
        in_features = out_features
        for _ in range(2):
            out_features *= 2
            model += [tnn.Conv2d(in_features, out_features, 3, stride=2, padding=1),
                      tnn.InstanceNorm2d(out_features), tnn.ReLU(inplace=True)]
            in_features = out_features
        model += [TResidualBlock(out_features) for _ in range(num_residual_blocks)]
        for _ in range(2):
            out_features //= 2
            model += [tnn.Upsample(scale_factor=2),
                      tnn.Conv2d(in_features, out_features, 3, stride=1, padding=1),
                      tnn.InstanceNorm2d(out_features), tnn.ReLU(inplace=True)]
            in_features = out_features
        model += [tnn.ReflectionPad2d(channels), tnn.Conv2d(out_features, channels, 7), tnn.Tanh()]
        self.model = tnn.Sequential(*model)

    def forward(self, x):
        return self.model(x)


class TCycleD(tnn.Module):
    def __init__(self, input_shape):
        super().__init__()
        channels = input_shape[0]
        self.model = tnn.Sequential(*t_block(channels, 64, normalization=False),
                                    *t_block(64, 128), *t_block(128, 256), *t_block(256, 512),
                                    tnn.ZeroPad2d((1, 0, 1, 0)), tnn.Conv2d(512, 1, 4, padding=1))

    def forward(self, img):
        return self.model(img)


def same_weights(ours, theirs, dtype):
    """Ours initialised as the script does; PyTorch's loaded from it."""
    theirs.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in ours.state_dict().items()})
    ours.to(dtype=dtype)
    theirs.to(torch.float64 if dtype == np.float64 else torch.float32)


def assert_grads_match(ours, theirs):
    """float64 gradients, to 1e-9 of the module's largest entry (a conv bias right
    before InstanceNorm has a true gradient of 0: both sides hold 1e-16 noise)."""
    scale = max(float(np.abs(p.grad).max()) for p in ours.parameters())
    for (key, p), tp in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-7, atol=1e-9 * scale,
                                   err_msg=key)


def test_pix2pix_generator_objective_matches_pytorch():
    """256 x 256, batch 1, the full 8-level U-Net (channels / 8): loss_G =
    loss_GAN + 100 loss_pixel, its gradients for G and D, in float64."""
    port = load_port("pix2pix")
    backend.manual_seed(0)
    G, D = port.GeneratorUNet(width=8), port.Discriminator(width=8)
    G.apply(port.weights_init_normal), D.apply(port.weights_init_normal)
    G.eval(), D.eval()                                    # dropout off: masks differ by library
    tG, tD = TGeneratorUNet(width=8).eval(), TPatchD(width=8).eval()
    same_weights(G, tG, np.float64), same_weights(D, tD, np.float64)
    rs = np.random.RandomState(0)
    real_A, real_B = (rs.uniform(-1, 1, (1, 3, 256, 256)) for _ in range(2))
    opt_G = optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_D = optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    loss_D, loss_G, loss_GAN, loss_pixel, fake_B = port.train_step(
        real_A, real_B, G, D, opt_G, opt_D, losses.MSELoss(), losses.L1Loss())

    tA, tB = torch.from_numpy(real_A), torch.from_numpy(real_B)
    t_fake_B = tG(tA)
    pred_fake = tD(t_fake_B, tA)
    assert pred_fake.shape == (1, 1, 16, 16)              # the script's patch
    t_loss_GAN = tnn.MSELoss()(pred_fake, torch.ones_like(pred_fake))
    t_loss_pixel = tnn.L1Loss()(t_fake_B, tB)
    t_loss_G = t_loss_GAN + 100 * t_loss_pixel
    t_loss_G.backward()
    np.testing.assert_allclose(fake_B, t_fake_B.detach().numpy(), rtol=1e-9, atol=1e-12)
    assert float(loss_G) == pytest.approx(t_loss_G.item(), rel=1e-10)
    assert_grads_match(G, tG)                             # left in p.grad after the step


def test_pix2pix_whole_step_float32_losses():
    port = load_port("pix2pix")
    backend.manual_seed(1)
    G, D = port.GeneratorUNet(width=4), port.Discriminator(width=4)
    G.apply(port.weights_init_normal), D.apply(port.weights_init_normal)
    G.eval(), D.eval()
    tG, tD = TGeneratorUNet(width=4).eval(), TPatchD(width=4).eval()
    same_weights(G, tG, np.float32), same_weights(D, tD, np.float32)
    opt_G, opt_D = (optim.Adam(m.parameters(), lr=2e-4, betas=(0.5, 0.999)) for m in (G, D))
    t_opt_G, t_opt_D = (torch.optim.Adam(m.parameters(), lr=2e-4, betas=(0.5, 0.999))
                        for m in (tG, tD))
    rs = np.random.RandomState(1)
    for _ in range(2):
        real_A, real_B = (rs.uniform(-1, 1, (1, 3, 256, 256)).astype(np.float32) for _ in range(2))
        loss_D, loss_G, *_ = port.train_step(real_A, real_B, G, D, opt_G, opt_D,
                                            losses.MSELoss(), losses.L1Loss())
        tA, tB = torch.from_numpy(real_A), torch.from_numpy(real_B)
        t_opt_G.zero_grad()
        t_fake_B = tG(tA)
        pred_fake = tD(t_fake_B, tA)
        t_loss_G = tnn.MSELoss()(pred_fake, torch.ones_like(pred_fake)) \
            + 100 * tnn.L1Loss()(t_fake_B, tB)
        t_loss_G.backward()
        t_opt_G.step()
        t_opt_D.zero_grad()
        pred_real = tD(tB, tA)
        pred_fake = tD(t_fake_B.detach(), tA)
        t_loss_D = 0.5 * (tnn.MSELoss()(pred_real, torch.ones_like(pred_real))
                          + tnn.MSELoss()(pred_fake, torch.zeros_like(pred_fake)))
        t_loss_D.backward()
        t_opt_D.step()
        assert float(loss_G) == pytest.approx(t_loss_G.item(), rel=1e-4)
        assert float(loss_D) == pytest.approx(t_loss_D.item(), rel=1e-4)


def test_cyclegan_generator_objective_matches_pytorch():
    """Six generator forwards, three of each generator pending at once; every
    output's gradient is the sum of its terms'; float64."""
    port = load_port("cyclegan")
    shape = (3, 32, 32)
    backend.manual_seed(0)
    G_AB, G_BA = port.GeneratorResNet(shape, 2), port.GeneratorResNet(shape, 2)
    D_A, D_B = port.Discriminator(shape), port.Discriminator(shape)
    tG_AB, tG_BA = TGeneratorResNet(shape, 2), TGeneratorResNet(shape, 2)
    tD_A, tD_B = TCycleD(shape), TCycleD(shape)
    for ours, theirs in ((G_AB, tG_AB), (G_BA, tG_BA), (D_A, tD_A), (D_B, tD_B)):
        ours.apply(port.weights_init_normal)
        same_weights(ours, theirs, np.float64)
    params = G_AB.parameters() + G_BA.parameters()
    optimizer_G = optim.Adam(params, lr=2e-4, betas=(0.5, 0.999))
    rs = np.random.RandomState(0)
    real_A, real_B = (rs.uniform(-1, 1, (2, 3, 32, 32)) for _ in range(2))
    loss_G, fake_A, fake_B = port.generator_step(
        real_A, real_B, G_AB, G_BA, D_A, D_B, optimizer_G, losses.MSELoss(), losses.L1Loss(),
        losses.L1Loss())
    for m in (G_AB, G_BA, D_A, D_B):
        assert m.pending_forwards() == 0                  # every forward back-propagated once

    tA, tB = torch.from_numpy(real_A), torch.from_numpy(real_B)
    l1, mse = tnn.L1Loss(), tnn.MSELoss()
    loss_identity = (l1(tG_BA(tA), tA) + l1(tG_AB(tB), tB)) / 2
    t_fake_B = tG_AB(tA)
    out_B = tD_B(t_fake_B)
    t_fake_A = tG_BA(tB)
    out_A = tD_A(t_fake_A)
    loss_GAN = (mse(out_B, torch.ones_like(out_B)) + mse(out_A, torch.ones_like(out_A))) / 2
    loss_cycle = (l1(tG_BA(t_fake_B), tA) + l1(tG_AB(t_fake_A), tB)) / 2
    t_loss_G = loss_GAN + 10.0 * loss_cycle + 5.0 * loss_identity
    t_loss_G.backward()
    assert out_B.shape == (2, 1, 2, 2)
    assert float(loss_G) == pytest.approx(t_loss_G.item(), rel=1e-10)
    assert_grads_match(G_AB, tG_AB)
    assert_grads_match(G_BA, tG_BA)
    assert_grads_match(D_B, tD_B)                         # D's grads from the G step, as PyTorch's
