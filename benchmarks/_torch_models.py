"""The reference architectures in PyTorch, for side-by-side timing only.

PyTorch is a comparator here, never a dependency: the benchmarks skip it when
it is not importable.
"""


def torch_models(arch, torch):
    tn = torch.nn
    if arch == "mlp_gan":
        def block(i, o, norm=True):
            return [tn.Linear(i, o)] + ([tn.BatchNorm1d(o, 0.8)] if norm else []) + [tn.LeakyReLU(0.2)]
        G = tn.Sequential(*block(100, 128, False), *block(128, 256), *block(256, 512),
                          *block(512, 1024), tn.Linear(1024, 784), tn.Tanh(), tn.Unflatten(1, (1, 28, 28)))
        D = tn.Sequential(tn.Flatten(), tn.Linear(784, 512), tn.LeakyReLU(0.2),
                          tn.Linear(512, 256), tn.LeakyReLU(0.2), tn.Linear(256, 1), tn.Sigmoid())
    elif arch == "dcgan28":
        G = tn.Sequential(tn.Linear(100, 6272), tn.BatchNorm1d(6272), tn.ReLU(), tn.Unflatten(1, (128, 7, 7)),
                          tn.ConvTranspose2d(128, 64, 4, 2, 1), tn.BatchNorm2d(64), tn.ReLU(),
                          tn.ConvTranspose2d(64, 1, 4, 2, 1), tn.Tanh())
        D = tn.Sequential(tn.Conv2d(1, 64, 4, 2, 1), tn.LeakyReLU(0.2),
                          tn.Conv2d(64, 128, 4, 2, 1), tn.BatchNorm2d(128), tn.LeakyReLU(0.2),
                          tn.Flatten(), tn.Linear(6272, 1), tn.Sigmoid())
    elif arch == "pytorch_gan_dcgan":                  # PyTorch-GAN's dcgan.py, 32x32
        G = tn.Sequential(tn.Linear(100, 128 * 8 * 8), tn.Unflatten(1, (128, 8, 8)), tn.BatchNorm2d(128),
                          tn.Upsample(scale_factor=2), tn.Conv2d(128, 128, 3, 1, 1), tn.BatchNorm2d(128, 0.8),
                          tn.LeakyReLU(0.2), tn.Upsample(scale_factor=2), tn.Conv2d(128, 64, 3, 1, 1),
                          tn.BatchNorm2d(64, 0.8), tn.LeakyReLU(0.2), tn.Conv2d(64, 1, 3, 1, 1), tn.Tanh())
        layers = []
        for i, (a, b) in enumerate(((1, 16), (16, 32), (32, 64), (64, 128))):
            layers += [tn.Conv2d(a, b, 3, 2, 1), tn.LeakyReLU(0.2), tn.Dropout2d(0.25)]
            if i:
                layers.append(tn.BatchNorm2d(b, 0.8))
        D = tn.Sequential(*layers, tn.Flatten(), tn.Linear(128 * 2 * 2, 1), tn.Sigmoid())
    else:
        raise ValueError(arch)
    return G, D


def torch_step(G, D, opt_G, opt_D, real, batch, device, torch):
    """One iteration of Algorithm 1 with k = 1, as PyTorch-GAN writes it."""
    bce = torch.nn.functional.binary_cross_entropy
    ones = torch.ones(batch, 1, device=device)
    zeros = torch.zeros(batch, 1, device=device)
    # D step
    opt_D.zero_grad()
    z = torch.randn(batch, 100, device=device)
    with torch.no_grad():
        fake = G(z)
    d_loss = bce(D(real), ones) + bce(D(fake), zeros)
    d_loss.backward()
    opt_D.step()
    # G step
    opt_G.zero_grad()
    z = torch.randn(batch, 100, device=device)
    g_loss = bce(D(G(z)), ones)
    g_loss.backward()
    opt_G.step()
