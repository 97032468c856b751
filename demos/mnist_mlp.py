"""MLP-GAN on MNIST: the fully connected GAN of Goodfellow et al. (2014), built
and trained as PyTorch-GAN's ``gan.py``.

    G: z (100) -> 128 -> 256 -> 512 -> 1024 -> 784, tanh  (BatchNorm, LeakyReLU 0.2)
    D: 784 -> 512 -> 256 -> 1, sigmoid                      (LeakyReLU 0.2)
    BCE, non-saturating G loss, Adam(lr=2e-4, betas=(0.5, 0.999)), m = 64, k = 1

    python demos/mnist_mlp.py                    # 20,000 iterations (about 10 min on one CPU core)
    python demos/mnist_mlp.py --dataset fashion --device gpu --epochs 30
    python demos/mnist_mlp.py --resume           # continue an interrupted run

Writes grids/, final_grid.png, progress.gif, losses.png, history.csv,
samples.npy and checkpoint.npz into --out (default out/mnist_mlp).  Check the
digits with an independent classifier:
    python demos/score_digits.py out/mnist_mlp/samples.npy
"""
import threads                               # BLAS threads, before NumPy loads
threads.use(1)                               # small networks: 1 thread (README: Threads)

import plumbing                              # the demos' shared flags and files

from scratchgan import models, optim
from scratchgan.data import ArraySampler
from scratchgan.gan import GANTrainer, normal_noise


def main(argv=None):
    args = plumbing.make_parser(__doc__, iters=20000, sample_every=1000,
                                 images=True, dataset=True).parse_args(argv)
    run = plumbing.ImageRun(args, name=f"{args.dataset}_mlp")   # device and seed first
    images, _ = run.load_data()                                   # moved to the device once

    G, D = models.mlp_gan(latent_dim=args.latent_dim)
    opt_G = optim.Adam(G.parameters(), lr=args.lr, betas=(args.beta1, args.beta2))
    opt_D = optim.Adam(D.parameters(), lr=args.lr, betas=(args.beta1, args.beta2))
    trainer = GANTrainer(G, D, opt_G, opt_D,
                         sample_data=ArraySampler(images),             # x ~ p_data
                         sample_noise=normal_noise(args.latent_dim),   # z ~ N(0, I)
                         k=args.k, batch_size=args.batch_size, g_objective="non_saturating")
    return run.fit(trainer, arch=f"mlp_gan(latent_dim={args.latent_dim})")


if __name__ == "__main__":
    plumbing.run_script(main)
