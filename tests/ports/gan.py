"""PyTorch-GAN's ``implementations/gan/gan.py``, ported to scratchgan line by line.

Only public API, following the README ("Porting PyTorch code", "Write your
own layer").  What changed beyond the mechanical renames (torch -> scratchgan,
``Variable(...)`` dropped, ``Tensor(...).fill_(1.0)`` -> ``1.0``):

* each network's ``forward`` ends in ``return self.remember(...)`` and gains a
  ``backward`` of 3 lines (G: undo the view, then the body; D: the same);
* ``g_loss.backward()`` and ``d_loss.backward()`` become the chain rule
  written out, one call per network (3 lines in all);
* ``opt`` is passed to the networks instead of read as a global, and the
  data come from ``load_mnist`` + ``DataLoader`` instead of torchvision.

``tests/test_ports.py`` runs it beside the original PyTorch code on the same
weights and batches.  Run it as a script: ``python tests/ports/gan.py
--data_dir ../shared/data/mnist --n_epochs 1``.
"""
import argparse
import os

import numpy as np

from scratchgan import backend, losses, nn, optim
from scratchgan.data import DataLoader, load_mnist
from scratchgan.viz import save_image


def parse(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--n_epochs", type=int, default=200, help="number of epochs of training")
    parser.add_argument("--batch_size", type=int, default=64, help="size of the batches")
    parser.add_argument("--lr", type=float, default=0.0002, help="adam: learning rate")
    parser.add_argument("--b1", type=float, default=0.5, help="adam: decay of first order momentum of gradient")
    parser.add_argument("--b2", type=float, default=0.999, help="adam: decay of first order momentum of gradient")
    parser.add_argument("--latent_dim", type=int, default=100, help="dimensionality of the latent space")
    parser.add_argument("--img_size", type=int, default=28, help="size of each image dimension")
    parser.add_argument("--channels", type=int, default=1, help="number of image channels")
    parser.add_argument("--sample_interval", type=int, default=400, help="interval betwen image samples")
    parser.add_argument("--data_dir", default=None, help="folder holding MNIST's IDX files")
    parser.add_argument("--out", default="images", help="folder for the sample grids")
    return parser.parse_args(argv)


class Generator(nn.Module):
    def __init__(self, opt):
        super().__init__()
        self.img_shape = (opt.channels, opt.img_size, opt.img_size)

        def block(in_feat, out_feat, normalize=True):
            layers = [nn.Linear(in_feat, out_feat)]
            if normalize:
                layers.append(nn.BatchNorm1d(out_feat, 0.8))
            layers.append(nn.LeakyReLU(0.2))
            return layers

        self.model = nn.Sequential(
            *block(opt.latent_dim, 128, normalize=False),
            *block(128, 256),
            *block(256, 512),
            *block(512, 1024),
            nn.Linear(1024, int(np.prod(self.img_shape))),
            nn.Tanh()
        )

    def forward(self, z):
        flat = self.model(z)
        img = flat.reshape(flat.shape[0], *self.img_shape)
        return self.remember(img, flat)

    def backward(self, dimg, output=None):
        img, flat = self.recall(output)
        return self.model.backward(dimg.reshape(flat.shape), flat)


class Discriminator(nn.Module):
    def __init__(self, opt):
        super().__init__()
        img_shape = (opt.channels, opt.img_size, opt.img_size)
        self.model = nn.Sequential(
            nn.Linear(int(np.prod(img_shape)), 512),
            nn.LeakyReLU(0.2),
            nn.Linear(512, 256),
            nn.LeakyReLU(0.2),
            nn.Linear(256, 1),
            nn.Sigmoid(),
        )

    def forward(self, img):
        img_flat = img.reshape(img.shape[0], -1)
        validity = self.model(img_flat)
        return self.remember(validity, img.shape)

    def backward(self, dvalidity, output=None):
        validity, img_shape = self.recall(output)
        return self.model.backward(dvalidity, validity).reshape(img_shape)


def build(opt):
    """The script's set-up: loss, networks, optimizers."""
    # Loss function
    adversarial_loss = losses.BCELoss()

    # Initialize generator and discriminator
    generator = Generator(opt)
    discriminator = Discriminator(opt)

    # Optimizers
    optimizer_G = optim.Adam(generator.parameters(), lr=opt.lr, betas=(opt.b1, opt.b2))
    optimizer_D = optim.Adam(discriminator.parameters(), lr=opt.lr, betas=(opt.b1, opt.b2))
    return adversarial_loss, generator, discriminator, optimizer_G, optimizer_D


def train_step(imgs, z, generator, discriminator, optimizer_G, optimizer_D, adversarial_loss):
    """One batch of the script's loop: the G step, then the D step; returns
    (d_loss, g_loss, gen_imgs) as the script prints and saves them."""
    # Adversarial ground truths: valid = 1.0, fake = 0.0 (a number means "everywhere")
    real_imgs = imgs

    # -----------------
    #  Train Generator
    # -----------------
    optimizer_G.zero_grad()
    gen_imgs = generator(z)
    validity = discriminator(gen_imgs)
    g_loss = adversarial_loss(validity, 1.0)
    # g_loss.backward(): the loss, then D (to its input), then G
    generator.backward(discriminator.backward(adversarial_loss.backward(validity), validity),
                       gen_imgs)
    optimizer_G.step()

    # ---------------------
    #  Train Discriminator
    # ---------------------
    optimizer_D.zero_grad()
    out_real = discriminator(real_imgs)
    real_loss = adversarial_loss(out_real, 1.0)
    out_fake = discriminator(gen_imgs)                 # no detach: G's backward is not called
    fake_loss = adversarial_loss(out_fake, 0.0)
    d_loss = (real_loss + fake_loss) / 2
    # d_loss.backward(): each half of the average through its own forward
    discriminator.backward(adversarial_loss.backward(out_real) / 2, out_real)
    discriminator.backward(adversarial_loss.backward(out_fake) / 2, out_fake)
    optimizer_D.step()
    return d_loss, g_loss, gen_imgs


def main(argv=None):
    opt = parse(argv)
    print(opt)
    os.makedirs(opt.out, exist_ok=True)

    adversarial_loss, generator, discriminator, optimizer_G, optimizer_D = build(opt)

    # Configure data loader
    images, labels = load_mnist("train", data_dir=opt.data_dir, image_size=opt.img_size)
    dataloader = DataLoader((images, labels), batch_size=opt.batch_size, shuffle=True)

    for epoch in range(opt.n_epochs):
        for i, (imgs, _) in enumerate(dataloader):
            # Sample noise as generator input
            z = backend.randn(imgs.shape[0], opt.latent_dim)
            d_loss, g_loss, gen_imgs = train_step(imgs, z, generator, discriminator,
                                                  optimizer_G, optimizer_D, adversarial_loss)
            print("[Epoch %d/%d] [Batch %d/%d] [D loss: %f] [G loss: %f]"
                  % (epoch, opt.n_epochs, i, len(dataloader), float(d_loss), float(g_loss)))

            batches_done = epoch * len(dataloader) + i
            if batches_done % opt.sample_interval == 0:
                save_image(gen_imgs[:25], os.path.join(opt.out, "%d.png" % batches_done),
                           nrow=5, normalize=True)


if __name__ == "__main__":
    main()
