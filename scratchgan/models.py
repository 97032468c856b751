"""The reference architectures, each a function returning (G, D).

They are built exactly as their PyTorch originals so the two can be set side
by side; every layer is a scratchgan layer with a hand-written backward.

* ``mlp_gan``     PyTorch-GAN's ``gan.py`` (fully connected, 28x28)
* ``dcgan28``     a DCGAN for 28x28 images (Radford et al. 2016 at MNIST size)
* ``cgan_mlp``    a conditional MLP GAN (Mirza & Osindero 2014)
* ``cgan_dcgan28`` the convolutional conditional variant
* ``dcgan32``     a DCGAN for the 32x32 synthetic line images

and ``dcgan_init``, DCGAN's N(0, 0.02) initialisation, which the DCGANs use.
"""
from . import nn


def dcgan_init(model):
    """DCGAN's initialisation, in place: conv/linear W ~ N(0, 0.02), b = 0,
    BatchNorm gamma ~ N(1, 0.02), beta = 0 (Radford et al. 2016, section 4).
    A BatchNorm without gamma and beta (``affine=False``) has nothing to set.

    Not the same as PyTorch-GAN's ``weights_init_normal``: that one leaves
    Linear layers, BatchNorm1d and the conv biases at PyTorch's defaults; this
    one re-initialises them too.  For the scripts' exact numbers, port their
    function as it stands and call ``model.apply(weights_init_normal)`` (see
    ``nn/init.py``)."""
    for m in model.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
            m.weight.data[...] = nn.init.normal(m.weight.shape, 0.0, 0.02, m.weight.data.dtype)
            if m.bias is not None:
                m.bias.data[...] = 0
        elif isinstance(m, nn.BatchNorm1d) and m.affine:      # BatchNorm2d is one too
            m.weight.data[...] = nn.init.normal(m.weight.shape, 1.0, 0.02, m.weight.data.dtype)
            m.bias.data[...] = 0
    return model


def _block(n_in, n_out, normalize=True):
    """PyTorch-GAN's generator block: Linear -> [BatchNorm1d(eps=0.8)] -> LeakyReLU(0.2)."""
    layers = [nn.Linear(n_in, n_out)]
    if normalize:
        layers.append(nn.BatchNorm1d(n_out, 0.8))
    layers.append(nn.LeakyReLU(0.2))
    return layers


def mlp_gan(latent_dim=100, img_shape=(1, 28, 28)):
    """PyTorch-GAN's MLP GAN.

    G: z(100) -> Linear 128 -> LeakyReLU(0.2)
              -> [Linear -> BatchNorm1d(eps=0.8) -> LeakyReLU(0.2)] x (256, 512, 1024)
              -> Linear 784 -> Tanh -> Reshape(1, 28, 28)
    D: Flatten -> Linear 512 -> LeakyReLU(0.2) -> Linear 256 -> LeakyReLU(0.2)
              -> Linear 1 -> Sigmoid
    (eps=0.8 is what the original passes as BatchNorm1d's second argument.)
    Train with BCE, Adam(lr=2e-4, betas=(0.5, 0.999)), batch 64, k = 1.
    """
    size = 1
    for s in img_shape:
        size *= s

    G = nn.Sequential(
        *_block(latent_dim, 128, normalize=False),
        *_block(128, 256), *_block(256, 512), *_block(512, 1024),
        nn.Linear(1024, size), nn.Tanh(), nn.Reshape(*img_shape))
    D = nn.Sequential(
        nn.Flatten(),
        nn.Linear(size, 512), nn.LeakyReLU(0.2),
        nn.Linear(512, 256), nn.LeakyReLU(0.2),
        nn.Linear(256, 1), nn.Sigmoid())
    return G, D


def dcgan28(latent_dim=100, channels=1):
    """DCGAN at 28x28.

    G: z -> Linear 128*7*7 -> BatchNorm1d -> ReLU -> Reshape(128, 7, 7)
         -> ConvTranspose2d(128, 64, 4, 2, 1) -> BatchNorm2d -> ReLU      (64, 14, 14)
         -> ConvTranspose2d(64, 1, 4, 2, 1) -> Tanh                        (1, 28, 28)
    D: Conv2d(1, 64, 4, 2, 1) -> LeakyReLU(0.2)                            (64, 14, 14)
         -> Conv2d(64, 128, 4, 2, 1) -> BatchNorm2d -> LeakyReLU(0.2)      (128, 7, 7)
         -> Flatten -> Linear(6272, 1) -> Sigmoid
    Weights N(0, 0.02), biases 0, BatchNorm gamma N(1, 0.02); Adam(2e-4, (0.5, 0.999)).
    """
    return _dcgan(latent_dim, channels, base=7)


def dcgan32(latent_dim=100, channels=1):
    """DCGAN at 32x32 (for the synthetic vertical-line images): ``dcgan28``
    with an 8x8 instead of a 7x7 start, so (128, 8, 8) -> (64, 16, 16) -> (1, 32, 32)."""
    return _dcgan(latent_dim, channels, base=8)


def pytorch_gan_dcgan(latent_dim=100, img_size=32, channels=1, dropout=0.25):
    """PyTorch-GAN's dcgan.py as two Sequentials (the speed benchmark's third model;
    ``tests/ports/dcgan.py`` is the script itself, ported line by line):

    G: z -> Linear 128*(s/4)^2 -> (128, s/4, s/4) -> BatchNorm2d -> Upsample x2
         -> Conv 3x3 (128) -> BatchNorm2d(eps 0.8) -> LeakyReLU(0.2) -> Upsample x2
         -> Conv 3x3 (64) -> BatchNorm2d(eps 0.8) -> LeakyReLU(0.2) -> Conv 3x3 -> Tanh
    D: four blocks Conv 3x3/2 -> LeakyReLU(0.2) -> Dropout2d -> BatchNorm2d(eps 0.8)
         (none in the first), 16, 32, 64, 128 channels -> Linear -> Sigmoid
    """
    q = img_size // 4
    G = nn.Sequential(
        nn.Linear(latent_dim, 128 * q * q), nn.Reshape(128, q, q), nn.BatchNorm2d(128),
        nn.Upsample(scale_factor=2), nn.Conv2d(128, 128, 3, 1, 1), nn.BatchNorm2d(128, 0.8),
        nn.LeakyReLU(0.2), nn.Upsample(scale_factor=2), nn.Conv2d(128, 64, 3, 1, 1),
        nn.BatchNorm2d(64, 0.8), nn.LeakyReLU(0.2), nn.Conv2d(64, channels, 3, 1, 1), nn.Tanh())
    layers = []
    for i, (a, b) in enumerate(((channels, 16), (16, 32), (32, 64), (64, 128))):
        layers += [nn.Conv2d(a, b, 3, 2, 1), nn.LeakyReLU(0.2), nn.Dropout2d(dropout)]
        if i:
            layers.append(nn.BatchNorm2d(b, 0.8))
    D = nn.Sequential(*layers, nn.Flatten(), nn.Linear(128 * (img_size // 16) ** 2, 1), nn.Sigmoid())
    return G, D


def _dcgan(latent_dim, channels, base):
    """The DCGAN pair for images of side 4*base (two stride-2 steps of 4x4 kernels)."""
    G = nn.Sequential(
        nn.Linear(latent_dim, 128 * base * base), nn.BatchNorm1d(128 * base * base), nn.ReLU(),
        nn.Reshape(128, base, base),
        nn.ConvTranspose2d(128, 64, 4, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
        nn.ConvTranspose2d(64, channels, 4, 2, 1), nn.Tanh())
    D = nn.Sequential(
        nn.Conv2d(channels, 64, 4, 2, 1), nn.LeakyReLU(0.2),
        nn.Conv2d(64, 128, 4, 2, 1), nn.BatchNorm2d(128), nn.LeakyReLU(0.2),
        nn.Flatten(), nn.Linear(128 * base * base, 1), nn.Sigmoid())
    return dcgan_init(G), dcgan_init(D)


def cgan_mlp(latent_dim=100, n_classes=10, img_shape=(1, 28, 28)):
    """Conditional MLP GAN: the one-hot label y joins the input of G and D.

    G(z, y) = G_body([z, y]),   D(x, y) = D_body([flatten(x), y])
    Same bodies as ``mlp_gan``, with ``n_classes`` more inputs; D adds
    Dropout(0.4) as PyTorch-GAN's cgan.py does, to keep it from overpowering G.
    """
    size = img_shape[0] * img_shape[1] * img_shape[2]

    G = nn.ConcatCondition(nn.Sequential(
        *_block(latent_dim + n_classes, 128, normalize=False),
        *_block(128, 256), *_block(256, 512), *_block(512, 1024),
        nn.Linear(1024, size), nn.Tanh(), nn.Reshape(*img_shape)))
    D = nn.ConcatCondition(nn.Sequential(
        nn.Linear(size + n_classes, 512), nn.LeakyReLU(0.2),
        nn.Linear(512, 512), nn.Dropout(0.4), nn.LeakyReLU(0.2),
        nn.Linear(512, 512), nn.Dropout(0.4), nn.LeakyReLU(0.2),
        nn.Linear(512, 1), nn.Sigmoid()), flatten=True)
    return G, D


def cgan_dcgan28(latent_dim=100, n_classes=10, channels=1):
    """Conditional DCGAN at 28x28.

    G(z, y): [z, y] -> the ``dcgan28`` generator (input latent_dim + n_classes).
    D(x, y): y is broadcast to n_classes constant 28x28 planes and stacked on
             the image channels, then the ``dcgan28`` discriminator.
    """
    G_body, _ = dcgan28(latent_dim + n_classes, channels)
    _, D_body = dcgan28(latent_dim, channels + n_classes)
    return nn.ConcatCondition(G_body), nn.ConcatCondition(D_body)
