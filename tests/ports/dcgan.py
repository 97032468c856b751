"""PyTorch-GAN's ``implementations/dcgan/dcgan.py``, ported to scratchgan line by line.

Only public API.  What changed beyond the mechanical renames (as in
``gan.py`` beside this file):

* ``weights_init_normal`` and ``generator.apply(weights_init_normal)`` port
  unchanged (``nn.init.normal_``, ``nn.init.constant_``, ``Module.apply``);
* each network's ``forward`` ends in ``return self.remember(...)`` and gains a
  ``backward`` of 3 lines;
* the two ``.backward()`` calls become the chain rule written out (3 lines);
* ``opt`` is passed to the networks; the 32 x 32 images come from
  ``load_mnist(..., image_size=32)`` instead of ``transforms.Resize(32)``.

``dropout`` is a parameter here (0.25 as in the script) so that the parity
test can compare with PyTorch without random masks, which the two libraries
draw from different generators.
"""
import argparse
import os

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
    parser.add_argument("--img_size", type=int, default=32, help="size of each image dimension")
    parser.add_argument("--channels", type=int, default=1, help="number of image channels")
    parser.add_argument("--sample_interval", type=int, default=400, help="interval between image sampling")
    parser.add_argument("--data_dir", default=None, help="folder holding MNIST's IDX files")
    parser.add_argument("--out", default="images", help="folder for the sample grids")
    return parser.parse_args(argv)


def weights_init_normal(m):
    classname = m.__class__.__name__
    if classname.find("Conv") != -1:
        nn.init.normal_(m.weight.data, 0.0, 0.02)
    elif classname.find("BatchNorm2d") != -1:
        nn.init.normal_(m.weight.data, 1.0, 0.02)
        nn.init.constant_(m.bias.data, 0.0)


class Generator(nn.Module):
    def __init__(self, opt):
        super().__init__()

        self.init_size = opt.img_size // 4
        self.l1 = nn.Sequential(nn.Linear(opt.latent_dim, 128 * self.init_size ** 2))

        self.conv_blocks = nn.Sequential(
            nn.BatchNorm2d(128),
            nn.Upsample(scale_factor=2),
            nn.Conv2d(128, 128, 3, stride=1, padding=1),
            nn.BatchNorm2d(128, 0.8),
            nn.LeakyReLU(0.2),
            nn.Upsample(scale_factor=2),
            nn.Conv2d(128, 64, 3, stride=1, padding=1),
            nn.BatchNorm2d(64, 0.8),
            nn.LeakyReLU(0.2),
            nn.Conv2d(64, opt.channels, 3, stride=1, padding=1),
            nn.Tanh(),
        )

    def forward(self, z):
        h = self.l1(z)
        out = h.reshape(h.shape[0], 128, self.init_size, self.init_size)
        img = self.conv_blocks(out)
        return self.remember(img, (h, out))

    def backward(self, dimg, output=None):
        img, (h, out) = self.recall(output)
        dout = self.conv_blocks.backward(dimg, img)
        return self.l1.backward(dout.reshape(h.shape), h)


class Discriminator(nn.Module):
    def __init__(self, opt, dropout=0.25):
        super().__init__()

        def discriminator_block(in_filters, out_filters, bn=True):
            block = [nn.Conv2d(in_filters, out_filters, 3, 2, 1), nn.LeakyReLU(0.2), nn.Dropout2d(dropout)]
            if bn:
                block.append(nn.BatchNorm2d(out_filters, 0.8))
            return block

        self.model = nn.Sequential(
            *discriminator_block(opt.channels, 16, bn=False),
            *discriminator_block(16, 32),
            *discriminator_block(32, 64),
            *discriminator_block(64, 128),
        )

        # The height and width of downsampled image
        ds_size = opt.img_size // 2 ** 4
        self.adv_layer = nn.Sequential(nn.Linear(128 * ds_size ** 2, 1), nn.Sigmoid())

    def forward(self, img):
        features = self.model(img)
        out = features.reshape(features.shape[0], -1)
        validity = self.adv_layer(out)
        return self.remember(validity, (features, out))

    def backward(self, dvalidity, output=None):
        validity, (features, out) = self.recall(output)
        dout = self.adv_layer.backward(dvalidity, validity)
        return self.model.backward(dout.reshape(features.shape), features)


def build(opt, dropout=0.25):
    """The script's set-up: loss, networks, their initialisation, optimizers."""
    adversarial_loss = losses.BCELoss()
    generator = Generator(opt)
    discriminator = Discriminator(opt, dropout)
    generator.apply(weights_init_normal)
    discriminator.apply(weights_init_normal)
    optimizer_G = optim.Adam(generator.parameters(), lr=opt.lr, betas=(opt.b1, opt.b2))
    optimizer_D = optim.Adam(discriminator.parameters(), lr=opt.lr, betas=(opt.b1, opt.b2))
    return adversarial_loss, generator, discriminator, optimizer_G, optimizer_D


def train_step(imgs, z, generator, discriminator, optimizer_G, optimizer_D, adversarial_loss):
    """One batch of the script's loop, as in ``gan.py`` (the loops are the same)."""
    real_imgs = imgs

    # -----------------
    #  Train Generator
    # -----------------
    optimizer_G.zero_grad()
    gen_imgs = generator(z)
    validity = discriminator(gen_imgs)
    g_loss = adversarial_loss(validity, 1.0)
    generator.backward(discriminator.backward(adversarial_loss.backward(validity), validity),
                       gen_imgs)
    optimizer_G.step()

    # ---------------------
    #  Train Discriminator
    # ---------------------
    optimizer_D.zero_grad()
    out_real = discriminator(real_imgs)
    real_loss = adversarial_loss(out_real, 1.0)
    out_fake = discriminator(gen_imgs)
    fake_loss = adversarial_loss(out_fake, 0.0)
    d_loss = (real_loss + fake_loss) / 2
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
