"""PyTorch-GAN's gan.py and dcgan.py, ported with public API only
(tests/ports/), run beside the original PyTorch code on the same weights,
batches and noise: losses, generated images, every parameter and BatchNorm's
running statistics after several iterations of the scripts' own loop."""

import numpy as np
import pytest

from helpers import ROOT, load_port
from scratchgan import backend

torch = pytest.importorskip("torch", reason="PyTorch (the parity extra) not installed")
tnn = torch.nn
SHARED_MNIST = ROOT.parent / "shared" / "data" / "mnist"




def real_batches(img_size, batch_size, n):
    """n batches of real digits (the shared test split when present, else noise images)."""
    from scratchgan.data import DataLoader, load_mnist
    if SHARED_MNIST.is_dir():
        images, labels = load_mnist("test", data_dir=SHARED_MNIST, download=False,
                                    image_size=img_size)
    else:
        images = np.random.RandomState(0).uniform(-1, 1, (500, 1, img_size, img_size))
        images, labels = images.astype(np.float32), np.zeros(500, np.int64)
    loader = DataLoader((images, labels), batch_size=batch_size, shuffle=False)
    return [imgs for (imgs, _), _ in zip(loader, range(n))]


# -- the original scripts' networks, as PyTorch-GAN writes them --------------------
class TorchGanG(tnn.Module):
    def __init__(self, opt):
        super().__init__()
        self.img_shape = (opt.channels, opt.img_size, opt.img_size)

        def block(in_feat, out_feat, normalize=True):
            layers = [tnn.Linear(in_feat, out_feat)]
            if normalize:
                layers.append(tnn.BatchNorm1d(out_feat, 0.8))
            layers.append(tnn.LeakyReLU(0.2, inplace=True))
            return layers

        self.model = tnn.Sequential(*block(opt.latent_dim, 128, normalize=False), *block(128, 256),
                                    *block(256, 512), *block(512, 1024),
                                    tnn.Linear(1024, int(np.prod(self.img_shape))), tnn.Tanh())

    def forward(self, z):
        img = self.model(z)
        return img.view(img.size(0), *self.img_shape)


class TorchGanD(tnn.Module):
    def __init__(self, opt):
        super().__init__()
        self.model = tnn.Sequential(
            tnn.Linear(opt.channels * opt.img_size ** 2, 512), tnn.LeakyReLU(0.2, inplace=True),
            tnn.Linear(512, 256), tnn.LeakyReLU(0.2, inplace=True), tnn.Linear(256, 1),
            tnn.Sigmoid())

    def forward(self, img):
        return self.model(img.view(img.size(0), -1))


class TorchDcganG(tnn.Module):
    def __init__(self, opt):
        super().__init__()
        self.init_size = opt.img_size // 4
        self.l1 = tnn.Sequential(tnn.Linear(opt.latent_dim, 128 * self.init_size ** 2))
        self.conv_blocks = tnn.Sequential(
            tnn.BatchNorm2d(128), tnn.Upsample(scale_factor=2),
            tnn.Conv2d(128, 128, 3, stride=1, padding=1), tnn.BatchNorm2d(128, 0.8),
            tnn.LeakyReLU(0.2, inplace=True), tnn.Upsample(scale_factor=2),
            tnn.Conv2d(128, 64, 3, stride=1, padding=1), tnn.BatchNorm2d(64, 0.8),
            tnn.LeakyReLU(0.2, inplace=True), tnn.Conv2d(64, opt.channels, 3, stride=1, padding=1),
            tnn.Tanh())

    def forward(self, z):
        out = self.l1(z)
        out = out.view(out.shape[0], 128, self.init_size, self.init_size)
        return self.conv_blocks(out)


class TorchDcganD(tnn.Module):
    def __init__(self, opt, dropout):
        super().__init__()

        def discriminator_block(in_filters, out_filters, bn=True):
            block = [tnn.Conv2d(in_filters, out_filters, 3, 2, 1), tnn.LeakyReLU(0.2, inplace=True),
                     tnn.Dropout2d(dropout)]
            if bn:
                block.append(tnn.BatchNorm2d(out_filters, 0.8))
            return block

        self.model = tnn.Sequential(*discriminator_block(opt.channels, 16, bn=False),
                                    *discriminator_block(16, 32), *discriminator_block(32, 64),
                                    *discriminator_block(64, 128))
        ds_size = opt.img_size // 2 ** 4
        self.adv_layer = tnn.Sequential(tnn.Linear(128 * ds_size ** 2, 1), tnn.Sigmoid())

    def forward(self, img):
        out = self.model(img)
        return self.adv_layer(out.view(out.shape[0], -1))


def torch_step(imgs, z, generator, discriminator, optimizer_G, optimizer_D, adversarial_loss):
    """The scripts' loop body, verbatim but for Variable (a no-op since PyTorch 0.4)."""
    valid = torch.ones(imgs.size(0), 1, dtype=imgs.dtype)
    fake = torch.zeros(imgs.size(0), 1, dtype=imgs.dtype)
    real_imgs = imgs
    optimizer_G.zero_grad()
    gen_imgs = generator(z)
    g_loss = adversarial_loss(discriminator(gen_imgs), valid)
    g_loss.backward()
    optimizer_G.step()
    optimizer_D.zero_grad()
    real_loss = adversarial_loss(discriminator(real_imgs), valid)
    fake_loss = adversarial_loss(discriminator(gen_imgs.detach()), fake)
    d_loss = (real_loss + fake_loss) / 2
    d_loss.backward()
    optimizer_D.step()
    return d_loss, g_loss, gen_imgs


def run_both(name, torch_G, torch_D, argv, iterations=4, batch_size=32, dtype=np.float32,
             **build_kw):
    """The port and the original, side by side; in float64 the first iteration's
    gradients are compared too (in float32 BatchNorm's backward cancels terms,
    and the two libraries round differently by up to 1e-3 of the largest gradient)."""
    from scratchgan import optim
    port = load_port(name)
    opt = port.parse(argv)
    backend.manual_seed(0)
    torch.manual_seed(0)
    loss, G, D, opt_G, opt_D = port.build(opt, **build_kw)
    tG, tD = torch_G(opt), torch_D(opt)
    for ours, theirs in ((G, tG), (D, tD)):            # the same weights on both sides
        theirs.load_state_dict({k: torch.from_numpy(np.array(v))
                                for k, v in ours.state_dict().items()})
    if dtype == np.float64:                            # (optimizers after the cast)
        G.to(dtype=dtype), D.to(dtype=dtype), tG.double(), tD.double()
        opt_G = optim.Adam(G.parameters(), lr=opt.lr, betas=(opt.b1, opt.b2))
        opt_D = optim.Adam(D.parameters(), lr=opt.lr, betas=(opt.b1, opt.b2))
    t_opt_G = torch.optim.Adam(tG.parameters(), lr=opt.lr, betas=(opt.b1, opt.b2))
    t_opt_D = torch.optim.Adam(tD.parameters(), lr=opt.lr, betas=(opt.b1, opt.b2))
    t_loss = tnn.BCELoss()
    rs = np.random.RandomState(1)
    for it, imgs in enumerate(real_batches(opt.img_size, batch_size, iterations)):
        imgs = imgs.astype(dtype)
        z = rs.normal(0, 1, (imgs.shape[0], opt.latent_dim)).astype(dtype)
        d_loss, g_loss, gen_imgs = port.train_step(imgs, z, G, D, opt_G, opt_D, loss)
        td, tg, t_gen = torch_step(torch.from_numpy(imgs), torch.from_numpy(z), tG, tD,
                                   t_opt_G, t_opt_D, t_loss)
        assert float(g_loss) == pytest.approx(tg.item(), rel=1e-4)
        assert float(d_loss) == pytest.approx(td.item(), rel=1e-4)
        np.testing.assert_allclose(gen_imgs, t_gen.detach().numpy(), rtol=1e-3, atol=1e-4)
        # The first iteration's gradients, in float64 (before Adam moves the
        # weights whose gradient is rounding noise by ~lr, whatever its sign)
        for ours, theirs in ((G, tG), (D, tD)) if it == 0 and dtype == np.float64 else ():
            for (key, p), tp in zip(ours.named_parameters(), theirs.parameters()):
                scale = float(np.abs(p.grad).max())
                np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-7,
                                           atol=1e-9 * scale + 1e-15, err_msg=key)
    return (G, tG), (D, tD), opt


def assert_same_state(ours, theirs, atol):
    t_state = theirs.state_dict()
    for key, value in ours.state_dict().items():
        np.testing.assert_allclose(value, t_state[key].numpy(), rtol=1e-3, atol=atol,
                                   err_msg=key)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gan_port_matches_pytorch_gan_py(dtype):
    (G, tG), (D, tD), opt = run_both("gan", TorchGanG, TorchGanD, ["--latent_dim", "100"],
                                     dtype=dtype)
    # Adam moves every weight by about lr per step whatever its gradient's size,
    # so weights whose gradient is rounding noise (the biases right before
    # BatchNorm, whose true gradient is 0) may move differently: 2 lr per step.
    assert_same_state(G, tG, atol=8 * opt.lr + 1e-6)
    assert_same_state(D, tD, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dcgan_port_matches_pytorch_dcgan_py(dtype):
    (G, tG), (D, tD), opt = run_both("dcgan", TorchDcganG,
                                     lambda opt: TorchDcganD(opt, dropout=0.0),
                                     ["--img_size", "32"], iterations=3, batch_size=16,
                                     dtype=dtype, dropout=0.0)
    assert_same_state(G, tG, atol=6 * opt.lr + 1e-6)
    assert_same_state(D, tD, atol=6 * opt.lr + 1e-6)


def test_ports_run_as_scripts_and_write_torchvisions_grids(tmp_path, monkeypatch):
    """One short epoch of each script from the command line, on a tiny data folder."""
    from scratchgan.data import write_idx
    data = tmp_path / "mnist"
    data.mkdir()
    rs = np.random.RandomState(0)
    write_idx(data / "train-images-idx3-ubyte.gz", rs.randint(0, 256, (40, 28, 28)).astype(np.uint8))
    write_idx(data / "train-labels-idx1-ubyte.gz", (np.arange(40) % 10).astype(np.uint8))
    for name in ("gan", "dcgan"):
        out = tmp_path / name
        load_port(name).main(["--n_epochs", "1", "--batch_size", "16", "--data_dir", str(data),
                              "--out", str(out), "--sample_interval", "2"])
        assert sorted(p.name for p in out.iterdir()) == ["0.png", "2.png"]
