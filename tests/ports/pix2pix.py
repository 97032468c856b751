"""PyTorch-GAN's ``implementations/pix2pix`` (models.py and the training
step of pix2pix.py), ported to scratchgan with public API only.

Beyond the mechanical renames, each class gains the ``remember`` at the end
of its forward and a ``backward``; ``torch.cat`` is ``nn.cat``, and its
backward ``nn.split``.  The U-Net's backward is the forward read from the
bottom up: where a skip joined the decoder, the gradient that comes back
through the skip is *added* to the one that comes back through the encoder.
``width`` (64 in the paper and the script) scales every channel count, so the
tests can run the full 8-level 256 x 256 network small; the data set classes
(folders of JPEG pairs) are left out.
"""
from scratchgan import nn


def weights_init_normal(m):
    classname = m.__class__.__name__
    if classname.find("Conv") != -1:
        nn.init.normal_(m.weight.data, 0.0, 0.02)
    elif classname.find("BatchNorm2d") != -1:
        nn.init.normal_(m.weight.data, 1.0, 0.02)
        nn.init.constant_(m.bias.data, 0.0)


##############################
#           U-NET
##############################


class UNetDown(nn.Module):
    def __init__(self, in_size, out_size, normalize=True, dropout=0.0):
        super().__init__()
        layers = [nn.Conv2d(in_size, out_size, 4, 2, 1, bias=False)]
        if normalize:
            layers.append(nn.InstanceNorm2d(out_size))
        layers.append(nn.LeakyReLU(0.2))
        if dropout:
            layers.append(nn.Dropout(dropout))
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        return self.remember(self.model(x))

    def backward(self, dy, output=None):
        y, _ = self.recall(output)
        return self.model.backward(dy, y)


class UNetUp(nn.Module):
    def __init__(self, in_size, out_size, dropout=0.0):
        super().__init__()
        layers = [
            nn.ConvTranspose2d(in_size, out_size, 4, 2, 1, bias=False),
            nn.InstanceNorm2d(out_size),
            nn.ReLU(),
        ]
        if dropout:
            layers.append(nn.Dropout(dropout))

        self.model = nn.Sequential(*layers)

    def forward(self, x, skip_input):
        h = self.model(x)
        y = nn.cat((h, skip_input), 1)
        return self.remember(y, h)

    def backward(self, dy, output=None):
        """(dx, dskip): the gradient cut at the seam of the concatenation."""
        y, h = self.recall(output)
        dh, dskip = nn.split(dy, [h.shape[1], y.shape[1] - h.shape[1]], 1)
        return self.model.backward(dh, h), dskip


class GeneratorUNet(nn.Module):
    def __init__(self, in_channels=3, out_channels=3, width=64):
        super().__init__()
        w = width

        self.down1 = UNetDown(in_channels, w, normalize=False)
        self.down2 = UNetDown(w, 2 * w)
        self.down3 = UNetDown(2 * w, 4 * w)
        self.down4 = UNetDown(4 * w, 8 * w, dropout=0.5)
        self.down5 = UNetDown(8 * w, 8 * w, dropout=0.5)
        self.down6 = UNetDown(8 * w, 8 * w, dropout=0.5)
        self.down7 = UNetDown(8 * w, 8 * w, dropout=0.5)
        self.down8 = UNetDown(8 * w, 8 * w, normalize=False, dropout=0.5)

        self.up1 = UNetUp(8 * w, 8 * w, dropout=0.5)
        self.up2 = UNetUp(16 * w, 8 * w, dropout=0.5)
        self.up3 = UNetUp(16 * w, 8 * w, dropout=0.5)
        self.up4 = UNetUp(16 * w, 8 * w, dropout=0.5)
        self.up5 = UNetUp(16 * w, 4 * w)
        self.up6 = UNetUp(8 * w, 2 * w)
        self.up7 = UNetUp(4 * w, w)

        self.final = nn.Sequential(
            nn.Upsample(scale_factor=2),
            nn.ZeroPad2d((1, 0, 1, 0)),
            nn.Conv2d(2 * w, out_channels, 4, padding=1),
            nn.Tanh(),
        )

    def forward(self, x):
        # U-Net generator with skip connections from encoder to decoder
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
        y = self.final(u7)
        return self.remember(y, (d1, d2, d3, d4, d5, d6, d7, d8, u1, u2, u3, u4, u5, u6, u7))

    def backward(self, dy, output=None):
        y, (d1, d2, d3, d4, d5, d6, d7, d8, u1, u2, u3, u4, u5, u6, u7) = self.recall(output)
        # up the decoder: each up block hands back its input's and its skip's gradient
        du7 = self.final.backward(dy, y)
        du6, dd1 = self.up7.backward(du7, u7)
        du5, dd2 = self.up6.backward(du6, u6)
        du4, dd3 = self.up5.backward(du5, u5)
        du3, dd4 = self.up4.backward(du4, u4)
        du2, dd5 = self.up3.backward(du3, u3)
        du1, dd6 = self.up2.backward(du2, u2)
        dd8, dd7 = self.up1.backward(du1, u1)
        # down the encoder: each d_i fed the next level *and* a skip, so the two add
        dd7 = dd7 + self.down8.backward(dd8, d8)
        dd6 = dd6 + self.down7.backward(dd7, d7)
        dd5 = dd5 + self.down6.backward(dd6, d6)
        dd4 = dd4 + self.down5.backward(dd5, d5)
        dd3 = dd3 + self.down4.backward(dd4, d4)
        dd2 = dd2 + self.down3.backward(dd3, d3)
        dd1 = dd1 + self.down2.backward(dd2, d2)
        return self.down1.backward(dd1, d1)


##############################
#        Discriminator
##############################


class Discriminator(nn.Module):
    def __init__(self, in_channels=3, width=64):
        super().__init__()
        w = width

        def discriminator_block(in_filters, out_filters, normalization=True):
            """Returns downsampling layers of each discriminator block"""
            layers = [nn.Conv2d(in_filters, out_filters, 4, stride=2, padding=1)]
            if normalization:
                layers.append(nn.InstanceNorm2d(out_filters))
            layers.append(nn.LeakyReLU(0.2))
            return layers

        self.model = nn.Sequential(
            *discriminator_block(in_channels * 2, w, normalization=False),
            *discriminator_block(w, 2 * w),
            *discriminator_block(2 * w, 4 * w),
            *discriminator_block(4 * w, 8 * w),
            nn.ZeroPad2d((1, 0, 1, 0)),
            nn.Conv2d(8 * w, 1, 4, padding=1, bias=False)
        )

    def forward(self, img_A, img_B):
        # Concatenate image and condition image by channels to produce input
        img_input = nn.cat((img_A, img_B), 1)
        return self.remember(self.model(img_input), img_A.shape[1])

    def backward(self, dy, output=None):
        """(d img_A, d img_B)."""
        y, channels_A = self.recall(output)
        d_input = self.model.backward(dy, y)
        return tuple(nn.split(d_input, [channels_A, d_input.shape[1] - channels_A], 1))


def train_step(real_A, real_B, generator, discriminator, optimizer_G, optimizer_D,
               criterion_GAN, criterion_pixelwise, lambda_pixel=100):
    """One batch of pix2pix.py's loop; returns (loss_D, loss_G, loss_GAN, loss_pixel, fake_B)."""
    # valid = ones, fake = zeros of the patch shape: numbers, "this target everywhere"

    # ------------------
    #  Train Generators
    # ------------------
    optimizer_G.zero_grad()

    # GAN loss
    fake_B = generator(real_A)
    pred_fake = discriminator(fake_B, real_A)
    loss_GAN = criterion_GAN(pred_fake, 1.0)
    # Pixel-wise loss
    loss_pixel = criterion_pixelwise(fake_B, real_B)

    # Total loss
    loss_G = loss_GAN + lambda_pixel * loss_pixel

    # loss_G.backward(): both terms' gradients at fake_B, added, then one backward
    dfake_B, _ = discriminator.backward(criterion_GAN.backward(pred_fake), pred_fake)
    dfake_B = dfake_B + lambda_pixel * criterion_pixelwise.backward(fake_B)
    generator.backward(dfake_B, fake_B)

    optimizer_G.step()

    # ---------------------
    #  Train Discriminator
    # ---------------------
    optimizer_D.zero_grad()

    # Real loss
    pred_real = discriminator(real_B, real_A)
    loss_real = criterion_GAN(pred_real, 1.0)

    # Fake loss
    pred_fake = discriminator(fake_B, real_A)
    loss_fake = criterion_GAN(pred_fake, 0.0)

    # Total loss
    loss_D = 0.5 * (loss_real + loss_fake)

    discriminator.backward(0.5 * criterion_GAN.backward(pred_real), pred_real)
    discriminator.backward(0.5 * criterion_GAN.backward(pred_fake), pred_fake)
    optimizer_D.step()
    return loss_D, loss_G, loss_GAN, loss_pixel, fake_B
