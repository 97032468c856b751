"""PyTorch-GAN's ``implementations/cgan/cgan.py`` (its networks and one batch
of its loop), ported to scratchgan with public API only.

Beyond the mechanical renames: ``torch.cat`` is ``nn.cat`` and its backward
``nn.split`` (the label embedding's part of the gradient goes to the
embedding's backward, which adds into its table); each network gains a
``remember`` and a backward of 4 lines; the two ``.backward()`` calls are
the chain rule written out.  ``opt`` is passed in; ``dropout`` is a
parameter (0.4 as in the script) so that tests can compare with PyTorch
without random masks.
"""
import numpy as np

from scratchgan import nn


class Generator(nn.Module):
    def __init__(self, opt):
        super().__init__()
        self.img_shape = (opt.channels, opt.img_size, opt.img_size)

        self.label_emb = nn.Embedding(opt.n_classes, opt.n_classes)

        def block(in_feat, out_feat, normalize=True):
            layers = [nn.Linear(in_feat, out_feat)]
            if normalize:
                layers.append(nn.BatchNorm1d(out_feat, 0.8))
            layers.append(nn.LeakyReLU(0.2))
            return layers

        self.model = nn.Sequential(
            *block(opt.latent_dim + opt.n_classes, 128, normalize=False),
            *block(128, 256),
            *block(256, 512),
            *block(512, 1024),
            nn.Linear(1024, int(np.prod(self.img_shape))),
            nn.Tanh()
        )

    def forward(self, noise, labels):
        # Concatenate label embedding and image to produce input
        emb = self.label_emb(labels)
        gen_input = nn.cat((emb, noise), -1)
        flat = self.model(gen_input)
        img = flat.reshape(flat.shape[0], *self.img_shape)
        return self.remember(img, (emb, flat))

    def backward(self, dimg, output=None):
        img, (emb, flat) = self.recall(output)
        d_input = self.model.backward(dimg.reshape(flat.shape), flat)
        d_emb, d_noise = nn.split(d_input, [emb.shape[-1], d_input.shape[-1] - emb.shape[-1]], -1)
        self.label_emb.backward(d_emb, emb)                # the embedding table learns too
        return d_noise


class Discriminator(nn.Module):
    def __init__(self, opt, dropout=0.4):
        super().__init__()
        img_shape = (opt.channels, opt.img_size, opt.img_size)

        self.label_embedding = nn.Embedding(opt.n_classes, opt.n_classes)

        self.model = nn.Sequential(
            nn.Linear(opt.n_classes + int(np.prod(img_shape)), 512),
            nn.LeakyReLU(0.2),
            nn.Linear(512, 512),
            nn.Dropout(dropout),
            nn.LeakyReLU(0.2),
            nn.Linear(512, 512),
            nn.Dropout(dropout),
            nn.LeakyReLU(0.2),
            nn.Linear(512, 1),
        )

    def forward(self, img, labels):
        # Concatenate label embedding and image to produce input
        emb = self.label_embedding(labels)
        d_in = nn.cat((img.reshape(img.shape[0], -1), emb), -1)
        validity = self.model(d_in)
        return self.remember(validity, (img.shape, emb))

    def backward(self, dvalidity, output=None):
        validity, (img_shape, emb) = self.recall(output)
        d_in = self.model.backward(dvalidity, validity)
        d_img, d_emb = nn.split(d_in, [d_in.shape[-1] - emb.shape[-1], emb.shape[-1]], -1)
        self.label_embedding.backward(d_emb, emb)
        return d_img.reshape(img_shape)


def train_step(real_imgs, labels, z, gen_labels, generator, discriminator, optimizer_G,
               optimizer_D, adversarial_loss):
    """One batch of cgan.py's loop (least-squares loss); returns (d_loss, g_loss, gen_imgs)."""
    # -----------------
    #  Train Generator
    # -----------------
    optimizer_G.zero_grad()
    gen_imgs = generator(z, gen_labels)
    validity = discriminator(gen_imgs, gen_labels)
    g_loss = adversarial_loss(validity, 1.0)
    generator.backward(discriminator.backward(adversarial_loss.backward(validity), validity),
                       gen_imgs)
    optimizer_G.step()

    # ---------------------
    #  Train Discriminator
    # ---------------------
    optimizer_D.zero_grad()
    validity_real = discriminator(real_imgs, labels)
    d_real_loss = adversarial_loss(validity_real, 1.0)
    validity_fake = discriminator(gen_imgs, gen_labels)
    d_fake_loss = adversarial_loss(validity_fake, 0.0)
    d_loss = (d_real_loss + d_fake_loss) / 2
    discriminator.backward(adversarial_loss.backward(validity_real) / 2, validity_real)
    discriminator.backward(adversarial_loss.backward(validity_fake) / 2, validity_fake)
    optimizer_D.step()
    return d_loss, g_loss, gen_imgs
