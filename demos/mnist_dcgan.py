"""DCGAN on MNIST (Radford et al. 2016, at 28x28): strided convolutions in D,
transposed convolutions in G, BatchNorm, no pooling, no fully connected hidden layers.

    G: z (100) -> Linear 128*7*7 -> BN -> ReLU -> (128, 7, 7)
         -> ConvT 4x4/2 -> (64, 14, 14) -> BN -> ReLU -> ConvT 4x4/2 -> (1, 28, 28), tanh
    D: Conv 4x4/2 -> (64, 14, 14) -> LeakyReLU -> Conv 4x4/2 -> (128, 7, 7) -> BN
         -> LeakyReLU -> Linear -> sigmoid
    Weights N(0, 0.02); BCE, non-saturating G loss, Adam(lr=2e-4, betas=(0.5, 0.999)),
    m = 64, k = 1

    python demos/mnist_dcgan.py                  # 3,000 iterations (about 10 min on one CPU core)
    python demos/mnist_dcgan.py --device gpu --epochs 20
    python demos/mnist_dcgan.py --resume         # continue an interrupted run

Writes grids/, final_grid.png, progress.gif, losses.png, history.csv,
samples.npy and checkpoint.npz into --out (default out/mnist_dcgan).  Check:
    python demos/score_digits.py out/mnist_dcgan/samples.npy
"""
import threads                               # BLAS threads, before NumPy loads
threads.use("cores")                         # convolutions: all cores (README: Threads)

import plumbing                              # the demos' shared flags and files

from scratchgan import models, optim
from scratchgan.data import ArraySampler
from scratchgan.gan import GANTrainer, normal_noise


def main(argv=None):
    args = plumbing.make_parser(__doc__, iters=3000, sample_every=200,
                                 images=True, dataset=True).parse_args(argv)
    run = plumbing.ImageRun(args, name=f"{args.dataset}_dcgan")  # device and seed first
    images, _ = run.load_data()                                   # moved to the device once

    G, D = models.dcgan28(latent_dim=args.latent_dim)
    opt_G = optim.Adam(G.parameters(), lr=args.lr, betas=(args.beta1, args.beta2))
    opt_D = optim.Adam(D.parameters(), lr=args.lr, betas=(args.beta1, args.beta2))
    trainer = GANTrainer(G, D, opt_G, opt_D,
                         sample_data=ArraySampler(images),             # x ~ p_data
                         sample_noise=normal_noise(args.latent_dim),   # z ~ N(0, I)
                         k=args.k, batch_size=args.batch_size, g_objective="non_saturating")
    return run.fit(trainer, arch=f"dcgan28(latent_dim={args.latent_dim})")


if __name__ == "__main__":
    plumbing.run_script(main)
