"""PyTorch-GAN's ``implementations/cyclegan`` (models.py and the generators'
step of cyclegan.py), ported to scratchgan with public API only.

Beyond the mechanical renames: ``ResidualBlock`` gains a 2-line backward
(x reaches the output along two paths, so dx = dy + block's backward), the
two wrappers a ``remember`` and a 2-line backward, and ``loss_G.backward()``
becomes the chain rule over the six generator forwards: each generator
output gets the sum of the gradients of every loss term that used it.
"""
from scratchgan import nn


def weights_init_normal(m):
    classname = m.__class__.__name__
    if classname.find("Conv") != -1:
        nn.init.normal_(m.weight.data, 0.0, 0.02)
        if hasattr(m, "bias") and m.bias is not None:
            nn.init.constant_(m.bias.data, 0.0)
    elif classname.find("BatchNorm2d") != -1:
        nn.init.normal_(m.weight.data, 1.0, 0.02)
        nn.init.constant_(m.bias.data, 0.0)


##############################
#           RESNET
##############################


class ResidualBlock(nn.Module):
    def __init__(self, in_features):
        super().__init__()

        self.block = nn.Sequential(
            nn.ReflectionPad2d(1),
            nn.Conv2d(in_features, in_features, 3),
            nn.InstanceNorm2d(in_features),
            nn.ReLU(),
            nn.ReflectionPad2d(1),
            nn.Conv2d(in_features, in_features, 3),
            nn.InstanceNorm2d(in_features),
        )

    def forward(self, x):
        h = self.block(x)
        return self.remember(x + h, h)

    def backward(self, dy, output=None):
        y, h = self.recall(output)
        return dy + self.block.backward(dy, h)


class GeneratorResNet(nn.Module):
    def __init__(self, input_shape, num_residual_blocks):
        super().__init__()

        channels = input_shape[0]

        # Initial convolution block
        out_features = 64
        model = [
            nn.ReflectionPad2d(channels),
            nn.Conv2d(channels, out_features, 7),
            nn.InstanceNorm2d(out_features),
            nn.ReLU(),
        ]
        in_features = out_features

        # Downsampling
        for _ in range(2):
            out_features *= 2
            model += [
                nn.Conv2d(in_features, out_features, 3, stride=2, padding=1),
                nn.InstanceNorm2d(out_features),
                nn.ReLU(),
            ]
            in_features = out_features

        # Residual blocks
        for _ in range(num_residual_blocks):
            model += [ResidualBlock(out_features)]

        # Upsampling
        for _ in range(2):
            out_features //= 2
            model += [
                nn.Upsample(scale_factor=2),
                nn.Conv2d(in_features, out_features, 3, stride=1, padding=1),
                nn.InstanceNorm2d(out_features),
                nn.ReLU(),
            ]
            in_features = out_features

        # Output layer
        model += [nn.ReflectionPad2d(channels), nn.Conv2d(out_features, channels, 7), nn.Tanh()]

        self.model = nn.Sequential(*model)

    def forward(self, x):
        return self.remember(self.model(x))

    def backward(self, dy, output=None):
        y, _ = self.recall(output)
        return self.model.backward(dy, y)


##############################
#        Discriminator
##############################


class Discriminator(nn.Module):
    def __init__(self, input_shape):
        super().__init__()

        channels, height, width = input_shape

        # Calculate output shape of image discriminator (PatchGAN)
        self.output_shape = (1, height // 2 ** 4, width // 2 ** 4)

        def discriminator_block(in_filters, out_filters, normalize=True):
            """Returns downsampling layers of each discriminator block"""
            layers = [nn.Conv2d(in_filters, out_filters, 4, stride=2, padding=1)]
            if normalize:
                layers.append(nn.InstanceNorm2d(out_filters))
            layers.append(nn.LeakyReLU(0.2))
            return layers

        self.model = nn.Sequential(
            *discriminator_block(channels, 64, normalize=False),
            *discriminator_block(64, 128),
            *discriminator_block(128, 256),
            *discriminator_block(256, 512),
            nn.ZeroPad2d((1, 0, 1, 0)),
            nn.Conv2d(512, 1, 4, padding=1)
        )

    def forward(self, img):
        return self.remember(self.model(img))

    def backward(self, dy, output=None):
        y, _ = self.recall(output)
        return self.model.backward(dy, y)


def generator_step(real_A, real_B, G_AB, G_BA, D_A, D_B, optimizer_G, criterion_GAN,
                   criterion_cycle, criterion_identity, lambda_cyc=10.0, lambda_id=5.0):
    """The generators' half of cyclegan.py's loop; returns (loss_G, fake_A, fake_B)."""
    G_AB.train()
    G_BA.train()

    optimizer_G.zero_grad()

    # Identity loss
    same_A = G_BA(real_A)
    loss_id_A = criterion_identity(same_A, real_A)
    same_B = G_AB(real_B)
    loss_id_B = criterion_identity(same_B, real_B)

    loss_identity = (loss_id_A + loss_id_B) / 2

    # GAN loss
    fake_B = G_AB(real_A)
    out_B = D_B(fake_B)
    loss_GAN_AB = criterion_GAN(out_B, 1.0)
    fake_A = G_BA(real_B)
    out_A = D_A(fake_A)
    loss_GAN_BA = criterion_GAN(out_A, 1.0)

    loss_GAN = (loss_GAN_AB + loss_GAN_BA) / 2

    # Cycle loss
    recov_A = G_BA(fake_B)
    loss_cycle_A = criterion_cycle(recov_A, real_A)
    recov_B = G_AB(fake_A)
    loss_cycle_B = criterion_cycle(recov_B, real_B)

    loss_cycle = (loss_cycle_A + loss_cycle_B) / 2

    # Total loss
    loss_G = loss_GAN + lambda_cyc * loss_cycle + lambda_id * loss_identity

    # loss_G.backward(), from the last forwards back to the first: every output
    # gets the sum of the gradients of the terms that used it.
    G_BA.backward(lambda_id / 2 * criterion_identity.backward(same_A), same_A)
    G_AB.backward(lambda_id / 2 * criterion_identity.backward(same_B), same_B)
    dfake_B = (D_B.backward(criterion_GAN.backward(out_B) / 2, out_B)          # GAN term
               + G_BA.backward(lambda_cyc / 2 * criterion_cycle.backward(recov_A), recov_A))
    dfake_A = (D_A.backward(criterion_GAN.backward(out_A) / 2, out_A)
               + G_AB.backward(lambda_cyc / 2 * criterion_cycle.backward(recov_B), recov_B))
    G_AB.backward(dfake_B, fake_B)
    G_BA.backward(dfake_A, fake_A)
    optimizer_G.step()
    return loss_G, fake_A, fake_B
