"""PyTorch-GAN's cgan.py and acgan.py ported with public API only
(tests/ports/), beside the original PyTorch models on the same weights,
labels, noise and real batches: the scripts' loop for a few iterations
(losses in float32), and the first iteration's gradients in float64."""
from types import SimpleNamespace

import numpy as np
import pytest

from helpers import load_port
from scratchgan import backend, losses, optim

torch = pytest.importorskip("torch", reason="PyTorch (the parity extra) not installed")
tnn = torch.nn




class TCganG(tnn.Module):
    def __init__(self, opt):
        super().__init__()
        self.img_shape = (opt.channels, opt.img_size, opt.img_size)
        self.label_emb = tnn.Embedding(opt.n_classes, opt.n_classes)

        def block(in_feat, out_feat, normalize=True):
            layers = [tnn.Linear(in_feat, out_feat)]
            if normalize:
                layers.append(tnn.BatchNorm1d(out_feat, 0.8))
            layers.append(tnn.LeakyReLU(0.2, inplace=True))
            return layers

        self.model = tnn.Sequential(*block(opt.latent_dim + opt.n_classes, 128, normalize=False),
                                    *block(128, 256), *block(256, 512), *block(512, 1024),
                                    tnn.Linear(1024, int(np.prod(self.img_shape))), tnn.Tanh())

    def forward(self, noise, labels):
        img = self.model(torch.cat((self.label_emb(labels), noise), -1))
        return img.view(img.size(0), *self.img_shape)


class TCganD(tnn.Module):
    def __init__(self, opt, dropout):
        super().__init__()
        self.label_embedding = tnn.Embedding(opt.n_classes, opt.n_classes)
        self.model = tnn.Sequential(
            tnn.Linear(opt.n_classes + opt.channels * opt.img_size ** 2, 512),
            tnn.LeakyReLU(0.2, inplace=True), tnn.Linear(512, 512), tnn.Dropout(dropout),
            tnn.LeakyReLU(0.2, inplace=True), tnn.Linear(512, 512), tnn.Dropout(dropout),
            tnn.LeakyReLU(0.2, inplace=True), tnn.Linear(512, 1))

    def forward(self, img, labels):
        return self.model(torch.cat((img.view(img.size(0), -1), self.label_embedding(labels)), -1))


class TAcganG(tnn.Module):
    def __init__(self, opt):
        super().__init__()
        self.label_emb = tnn.Embedding(opt.n_classes, opt.latent_dim)
        self.init_size = opt.img_size // 4
        self.l1 = tnn.Sequential(tnn.Linear(opt.latent_dim, 128 * self.init_size ** 2))
        self.conv_blocks = tnn.Sequential(
            tnn.BatchNorm2d(128), tnn.Upsample(scale_factor=2),
            tnn.Conv2d(128, 128, 3, stride=1, padding=1), tnn.BatchNorm2d(128, 0.8),
            tnn.LeakyReLU(0.2, inplace=True), tnn.Upsample(scale_factor=2),
            tnn.Conv2d(128, 64, 3, stride=1, padding=1), tnn.BatchNorm2d(64, 0.8),
            tnn.LeakyReLU(0.2, inplace=True), tnn.Conv2d(64, opt.channels, 3, stride=1, padding=1),
            tnn.Tanh())

    def forward(self, noise, labels):
        out = self.l1(torch.mul(self.label_emb(labels), noise))
        out = out.view(out.shape[0], 128, self.init_size, self.init_size)
        return self.conv_blocks(out)


class TAcganD(tnn.Module):
    def __init__(self, opt, dropout):
        super().__init__()

        def discriminator_block(in_filters, out_filters, bn=True):
            block = [tnn.Conv2d(in_filters, out_filters, 3, 2, 1), tnn.LeakyReLU(0.2, inplace=True),
                     tnn.Dropout2d(dropout)]
            if bn:
                block.append(tnn.BatchNorm2d(out_filters, 0.8))
            return block

        self.conv_blocks = tnn.Sequential(*discriminator_block(opt.channels, 16, bn=False),
                                          *discriminator_block(16, 32), *discriminator_block(32, 64),
                                          *discriminator_block(64, 128))
        ds_size = opt.img_size // 2 ** 4
        self.adv_layer = tnn.Sequential(tnn.Linear(128 * ds_size ** 2, 1), tnn.Sigmoid())
        self.aux_layer = tnn.Sequential(tnn.Linear(128 * ds_size ** 2, opt.n_classes),
                                        tnn.Softmax(dim=1))

    def forward(self, img):
        out = self.conv_blocks(img).view(img.shape[0], -1)
        return self.adv_layer(out), self.aux_layer(out)


def torch_cgan_step(imgs, labels, z, gen_labels, G, D, opt_G, opt_D, loss):
    valid = torch.ones(imgs.size(0), 1, dtype=imgs.dtype)
    fake = torch.zeros(imgs.size(0), 1, dtype=imgs.dtype)
    opt_G.zero_grad()
    gen_imgs = G(z, gen_labels)
    g_loss = loss(D(gen_imgs, gen_labels), valid)
    g_loss.backward()
    opt_G.step()
    opt_D.zero_grad()
    d_loss = (loss(D(imgs, labels), valid) + loss(D(gen_imgs.detach(), gen_labels), fake)) / 2
    d_loss.backward()
    opt_D.step()
    return d_loss, g_loss


def torch_acgan_step(imgs, labels, z, gen_labels, G, D, opt_G, opt_D, adversarial_loss,
                     auxiliary_loss):
    valid = torch.ones(imgs.size(0), 1, dtype=imgs.dtype)
    fake = torch.zeros(imgs.size(0), 1, dtype=imgs.dtype)
    opt_G.zero_grad()
    gen_imgs = G(z, gen_labels)
    validity, pred_label = D(gen_imgs)
    g_loss = 0.5 * (adversarial_loss(validity, valid) + auxiliary_loss(pred_label, gen_labels))
    g_loss.backward()
    opt_G.step()
    opt_D.zero_grad()
    real_pred, real_aux = D(imgs)
    d_real_loss = (adversarial_loss(real_pred, valid) + auxiliary_loss(real_aux, labels)) / 2
    fake_pred, fake_aux = D(gen_imgs.detach())
    d_fake_loss = (adversarial_loss(fake_pred, fake) + auxiliary_loss(fake_aux, gen_labels)) / 2
    d_loss = (d_real_loss + d_fake_loss) / 2
    d_loss.backward()
    opt_D.step()
    return d_loss, g_loss


CASES = {
    "cgan": (SimpleNamespace(n_classes=10, latent_dim=100, img_size=28, channels=1),
             TCganG, TCganD, lambda: (losses.MSELoss(),), lambda: (tnn.MSELoss(),),
             torch_cgan_step, None),
    "acgan": (SimpleNamespace(n_classes=10, latent_dim=100, img_size=32, channels=1),
              TAcganG, TAcganD, lambda: (losses.BCELoss(), losses.CrossEntropyLoss()),
              lambda: (tnn.BCELoss(), tnn.CrossEntropyLoss()), torch_acgan_step,
              "weights_init_normal"),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(CASES))
def test_conditional_port_matches_pytorch(name, dtype):
    opt, TG, TD, our_losses, their_losses, torch_step, init_name = CASES[name]
    port = load_port(name)
    backend.manual_seed(0)
    G, D = port.Generator(opt), port.Discriminator(opt, dropout=0.0)
    if init_name:
        G.apply(getattr(port, init_name)), D.apply(getattr(port, init_name))
    tG, tD = TG(opt), TD(opt, 0.0)
    for ours, theirs in ((G, tG), (D, tD)):
        theirs.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in ours.state_dict().items()})
        ours.to(dtype=dtype)
        theirs.to(torch.float64 if dtype == np.float64 else torch.float32)
    opt_G, opt_D = (optim.Adam(m.parameters(), lr=2e-4, betas=(0.5, 0.999)) for m in (G, D))
    t_opt_G, t_opt_D = (torch.optim.Adam(m.parameters(), lr=2e-4, betas=(0.5, 0.999))
                        for m in (tG, tD))
    ours_l, theirs_l = our_losses(), their_losses()
    rs = np.random.RandomState(0)
    for it in range(3 if dtype == np.float32 else 1):
        imgs = rs.uniform(-1, 1, (16, 1, opt.img_size, opt.img_size)).astype(dtype)
        labels, gen_labels = rs.randint(0, 10, 16), rs.randint(0, 10, 16)
        z = rs.normal(0, 1, (16, opt.latent_dim)).astype(dtype)
        d_loss, g_loss, _ = port.train_step(imgs, labels, z, gen_labels, G, D, opt_G, opt_D, *ours_l)
        td, tg = torch_step(torch.from_numpy(imgs), torch.from_numpy(labels), torch.from_numpy(z),
                            torch.from_numpy(gen_labels), tG, tD, t_opt_G, t_opt_D, *theirs_l)
        rel = 1e-4 if dtype == np.float32 else 1e-10
        assert float(g_loss) == pytest.approx(tg.item(), rel=rel)
        assert float(d_loss) == pytest.approx(td.item(), rel=rel)
    if dtype == np.float64:                       # the gradients left by the D and G steps
        for ours, theirs in ((G, tG), (D, tD)):
            scale = max(float(np.abs(p.grad).max()) for p in ours.parameters())
            for (key, p), tp in zip(ours.named_parameters(), theirs.parameters()):
                np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-7,
                                           atol=1e-9 * scale, err_msg=key)
