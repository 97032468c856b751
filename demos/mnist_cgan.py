"""Conditional GAN on MNIST (Mirza & Osindero 2014): ask G for a digit.

The label y enters both players as a one-hot vector concatenated to their input:
G(z, y) = G_body([z, y]) and D(x, y) = D_body([x, y]).  D learns "is x a *real
image of digit y*?", so to fool it G must draw the digit it was asked for.

D's loss has a third term (the matching-aware discriminator, Reed et al. 2016):
real images paired with a *wrong* label count as fake,

    L_D = BCE(D(x, y), 1) + BCE(D(G(z, y), y), 0) + BCE(D(x, y_wrong), 0),

which teaches D to check the label, not only the image.  --no-mismatched-labels
drops it.

    --arch mlp   (default) models.cgan_mlp: the MLP-GAN bodies, Dropout(0.4) in D
    --arch conv  models.cgan_dcgan28: the DCGAN bodies, y as 10 constant planes in D
    BCE, non-saturating G loss, Adam(lr=2e-4, betas=(0.5, 0.999)), m = 64, k = 1

    python demos/mnist_cgan.py                   # 10,000 iterations (about 9 min on one CPU core)
    python demos/mnist_cgan.py --arch conv --device gpu --epochs 20

The grids are 10x10: row i asks for digit i, column j uses the same z in every
row (one "style" in ten digits).  samples.npy holds 1,000 samples of each digit
and labels.npy the digit asked for each; check them with
    python demos/score_digits.py out/mnist_cgan/samples.npy --labels out/mnist_cgan/labels.npy
"""
import threads                               # BLAS threads, before NumPy loads
threads.use(1)                               # small networks: 1 thread (README: Threads)

import plumbing                              # the demos' shared flags and files

from scratchgan import models, optim
from scratchgan.data import ArraySampler
from scratchgan.gan import GANTrainer, normal_noise


def main(argv=None):
    parser = plumbing.make_parser(__doc__, iters=10000, sample_every=500,
                                  images=True, dataset=True)
    parser.add_argument("--arch", choices=("mlp", "conv"), default="mlp",
                        help="mlp: models.cgan_mlp (default); conv: models.cgan_dcgan28")
    parser.add_argument("--no-mismatched-labels", dest="mismatched_labels",
                        action="store_false",
                        help="drop D's third term, real images with wrong labels as fake")
    args = parser.parse_args(argv)
    run = plumbing.ImageRun(args, name=f"{args.dataset}_cgan", conditional=True)
    images, labels = run.load_data()             # labels: one-hot rows, on the device

    build = models.cgan_mlp if args.arch == "mlp" else models.cgan_dcgan28
    G, D = build(latent_dim=args.latent_dim, n_classes=10)
    opt_G = optim.Adam(G.parameters(), lr=args.lr, betas=(args.beta1, args.beta2))
    opt_D = optim.Adam(D.parameters(), lr=args.lr, betas=(args.beta1, args.beta2))
    trainer = GANTrainer(G, D, opt_G, opt_D,
                         sample_data=ArraySampler(images, labels),     # (x, y) ~ p_data
                         sample_noise=normal_noise(args.latent_dim),   # z ~ N(0, I)
                         k=args.k, batch_size=args.batch_size, g_objective="non_saturating",
                         mismatched_labels=args.mismatched_labels)     # y for G(z, y): the real batch's
    return run.fit(trainer, arch=f"{build.__name__}(latent_dim={args.latent_dim}, n_classes=10)")


if __name__ == "__main__":
    plumbing.run_script(main)
