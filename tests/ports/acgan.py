"""PyTorch-GAN's ``implementations/acgan/acgan.py`` (its networks and one
batch of its loop), ported to scratchgan with public API only.

Beyond the mechanical renames: ``torch.mul(emb, noise)`` is ``emb * noise``
in the forward and the product rule in the backward (d_emb = d * noise,
d_noise = d * emb); the two-headed discriminator's backward adds the heads'
gradients where they meet; ``weights_init_normal`` and ``apply`` port as
they stand.  As in the script, the class head ends in Softmax and
CrossEntropyLoss takes that as its logits (a softmax twice: a quirk of the
original, kept so that the numbers match).  ``opt`` is passed in; ``dropout``
(0.25) is a parameter for the parity tests.
"""
from scratchgan import nn


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

        self.label_emb = nn.Embedding(opt.n_classes, opt.latent_dim)

        self.init_size = opt.img_size // 4  # Initial size before upsampling
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

    def forward(self, noise, labels):
        emb = self.label_emb(labels)
        gen_input = emb * noise
        h = self.l1(gen_input)
        out = h.reshape(h.shape[0], 128, self.init_size, self.init_size)
        img = self.conv_blocks(out)
        return self.remember(img, (emb, noise, h))

    def backward(self, dimg, output=None):
        img, (emb, noise, h) = self.recall(output)
        dout = self.conv_blocks.backward(dimg, img)
        d_input = self.l1.backward(dout.reshape(h.shape), h)
        self.label_emb.backward(d_input * noise, emb)      # the product rule
        return d_input * emb


class Discriminator(nn.Module):
    def __init__(self, opt, dropout=0.25):
        super().__init__()

        def discriminator_block(in_filters, out_filters, bn=True):
            """Returns layers of each discriminator block"""
            block = [nn.Conv2d(in_filters, out_filters, 3, 2, 1), nn.LeakyReLU(0.2), nn.Dropout2d(dropout)]
            if bn:
                block.append(nn.BatchNorm2d(out_filters, 0.8))
            return block

        self.conv_blocks = nn.Sequential(
            *discriminator_block(opt.channels, 16, bn=False),
            *discriminator_block(16, 32),
            *discriminator_block(32, 64),
            *discriminator_block(64, 128),
        )

        # The height and width of downsampled image
        ds_size = opt.img_size // 2 ** 4

        # Output layers
        self.adv_layer = nn.Sequential(nn.Linear(128 * ds_size ** 2, 1), nn.Sigmoid())
        self.aux_layer = nn.Sequential(nn.Linear(128 * ds_size ** 2, opt.n_classes), nn.Softmax())

    def forward(self, img):
        features = self.conv_blocks(img)
        out = features.reshape(features.shape[0], -1)
        validity = self.adv_layer(out)
        label = self.aux_layer(out)
        self.remember(validity, (features, label))
        return validity, label

    def backward(self, grads, outputs=None):
        dvalidity, dlabel = grads
        validity, (features, label) = self.recall(None if outputs is None else outputs[0])
        dout = self.adv_layer.backward(dvalidity, validity) + self.aux_layer.backward(dlabel, label)
        return self.conv_blocks.backward(dout.reshape(features.shape), features)


def train_step(real_imgs, labels, z, gen_labels, generator, discriminator, optimizer_G,
               optimizer_D, adversarial_loss, auxiliary_loss):
    """One batch of acgan.py's loop; returns (d_loss, g_loss, gen_imgs)."""
    # -----------------
    #  Train Generator
    # -----------------
    optimizer_G.zero_grad()
    gen_imgs = generator(z, gen_labels)
    validity, pred_label = discriminator(gen_imgs)
    g_loss = 0.5 * (adversarial_loss(validity, 1.0) + auxiliary_loss(pred_label, gen_labels))
    grads = (0.5 * adversarial_loss.backward(validity), 0.5 * auxiliary_loss.backward(pred_label))
    generator.backward(discriminator.backward(grads, (validity, pred_label)), gen_imgs)
    optimizer_G.step()

    # ---------------------
    #  Train Discriminator
    # ---------------------
    optimizer_D.zero_grad()
    real_pred, real_aux = discriminator(real_imgs)
    d_real_loss = (adversarial_loss(real_pred, 1.0) + auxiliary_loss(real_aux, labels)) / 2
    fake_pred, fake_aux = discriminator(gen_imgs)
    d_fake_loss = (adversarial_loss(fake_pred, 0.0) + auxiliary_loss(fake_aux, gen_labels)) / 2
    d_loss = (d_real_loss + d_fake_loss) / 2
    discriminator.backward((adversarial_loss.backward(real_pred) / 4,
                            auxiliary_loss.backward(real_aux) / 4), (real_pred, real_aux))
    discriminator.backward((adversarial_loss.backward(fake_pred) / 4,
                            auxiliary_loss.backward(fake_aux) / 4), (fake_pred, fake_aux))
    optimizer_D.step()
    return d_loss, g_loss, gen_imgs
