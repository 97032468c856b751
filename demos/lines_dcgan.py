"""DCGAN on synthetic 32x32 images of vertical lines: no download, no data set.

Every real image has 1 to 3 full-height vertical lines (+1) on a -1 background,
drawn fresh for every minibatch (scratchgan.data.vertical_lines).  The
distribution is simple enough to judge by eye: are the lines straight, vertical,
one pixel wide, and are there 1, 2 and 3 of them?

    G, D: models.dcgan32 (the DCGAN-28 pair one stage larger: 8x8 -> 16x16 -> 32x32)
    BCE, non-saturating G loss, Adam(lr=2e-4, betas=(0.5, 0.999)), m = 64, k = 1
    instance noise: D sees its inputs (real and fake) plus N(0, sigma^2) noise,
    sigma = 0.2 decaying linearly to 0 over the first 400 iterations

Why the instance noise: real pixels are exactly -1 or +1, so D can tell any
slightly grey generated pixel from a real one and wins outright within 200
iterations (accuracy 100%); G then learns slowly from a confident D and after
600 iterations still draws streaky noise.  Blurring both distributions for a
while (Sonderby et al. 2017) lets G first find the lines; --instance-noise 0
shows the difference.

    python demos/lines_dcgan.py                  # 1,500 iterations (about 7 min on one CPU core)
    python demos/lines_dcgan.py --device gpu --iters 5000

Writes grids/, final_grid.png, progress.gif, losses.png, history.csv,
samples.npy (N, 1, 32, 32) and checkpoint.npz into --out (default
out/lines_dcgan), and prints how line-like the final samples are.
"""
import threads                               # BLAS threads, before NumPy loads
threads.use("cores")                         # convolutions: all cores (README: Threads)

import plumbing
import numpy

from scratchgan import models, optim
from scratchgan.data import vertical_lines_sampler
from scratchgan.gan import GANTrainer, normal_noise


def line_report(samples):
    """How much the samples look like the data, by three simple measures.

    straight: at least one line, and every column constant from top to bottom
              (a vertical line or background): the mean over columns of the std
              down the column below 0.1 (the real images score exactly 0).  A
              blank image has constant columns too, but no line: not counted.
    clean:    every pixel is near +-1 (within 0.5)
    lines:    count of lit column runs (column mean > 0); real images have 1-3
              (lines drawn next to each other merge into one run)
    """
    x = numpy.asarray(samples)[:, 0]                       # (N, H, W)
    lit = x.mean(axis=1) > 0                               # (N, W): lit columns
    runs = (lit[:, 1:] & ~lit[:, :-1]).sum(axis=1) + lit[:, 0]
    straight = (x.std(axis=1).mean(axis=1) < 0.1) & (runs >= 1)
    clean = (numpy.abs(numpy.abs(x) - 1) < 0.5).all(axis=(1, 2))
    counts = numpy.bincount(numpy.minimum(runs, 5), minlength=6)
    print(f"straight vertical lines: {straight.mean():.1%}   clean +-1 pixels: "
          f"{clean.mean():.1%}   blank (no line): {counts[0] / len(x):.1%}")
    print("lit column runs per image:  " + "  ".join(
        f"{k if k < 5 else '5+'}: {c / len(x):.1%}" for k, c in enumerate(counts)))
    return {"straight": float(straight.mean()), "clean": float(clean.mean()),
            "runs": counts / len(x)}


def main(argv=None):
    parser = plumbing.make_parser(__doc__, images=True, iters=1500, sample_every=100)
    parser.add_argument("--instance-noise", type=plumbing.nonnegative_float, default=0.2,
                        help="instance noise: std of Gaussian noise added to D's inputs, "
                             "decaying linearly to 0")
    parser.add_argument("--noise-decay-iters", type=plumbing.nonnegative_int, default=400,
                        help="iterations over which the instance noise decays")
    parser.add_argument("--real-label", type=plumbing.positive_float, default=1.0,
                        help="D's target for real images; 0.9 is one-sided label smoothing")
    args = parser.parse_args(argv)
    run = plumbing.ImageRun(args, name="lines_dcgan")             # device and seed first

    G, D = models.dcgan32(latent_dim=args.latent_dim)
    opt_G = optim.Adam(G.parameters(), lr=args.lr, betas=(args.beta1, args.beta2))
    opt_D = optim.Adam(D.parameters(), lr=args.lr, betas=(args.beta1, args.beta2))
    trainer = GANTrainer(G, D, opt_G, opt_D,
                         sample_data=vertical_lines_sampler(size=32),  # fresh lines, on the device
                         sample_noise=normal_noise(args.latent_dim),   # z ~ N(0, I)
                         k=args.k, batch_size=args.batch_size, g_objective="non_saturating",
                         instance_noise=args.instance_noise,
                         instance_noise_anneal=args.noise_decay_iters, real_label=args.real_label)
    run.fit(trainer, arch=f"dcgan32(latent_dim={args.latent_dim})")
    if args.num_samples:
        line_report(numpy.load(run.out / "samples.npy"))
    return trainer


if __name__ == "__main__":
    plumbing.run_script(main)
