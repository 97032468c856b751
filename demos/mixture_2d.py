"""Mode collapse benchmarks: a ring of 8 and a 5x5 grid of 25 Gaussians (PacGAN, VEEGAN).

The data has many small, well separated modes.  A collapsing G covers a few of
them; a good G puts samples on every mode, each sample close to its mode.
On 2,500 samples of G we report, as in the papers:

* modes captured: modes receiving at least one high-quality sample,
* high quality: the share of samples within 3 std of their nearest mode,
* reverse KL between the histogram of samples over the modes and uniform.

Remedies (``--remedy``): ``mbstd`` (a minibatch standard-deviation feature
in D, the default), ``pack`` (PacGAN: D judges ``--pack`` samples at once),
``fm`` (feature matching) or ``none`` (the vanilla GAN, for comparison).

    python demos/mixture_2d.py --data ring      # 8 Gaussians on the unit circle, std 0.01
    python demos/mixture_2d.py --data grid      # 25 Gaussians at {-4,-2,0,2,4}^2, std 0.05
"""
import threads                               # BLAS threads, before NumPy loads
threads.use(1)                               # small networks: 1 thread (README: Threads)
import os

import numpy

from plumbing import gan_adam, save_samples_and_curves, make_parser, mlp, positive_int, setup, snapshot_iters

from scratchgan import nn, viz
from scratchgan.optim import lr_scheduler
from scratchgan.data.toy import grid_centres, grid_of_gaussians, ring_centres, ring_of_gaussians
from scratchgan.gan import GANTrainer, MinibatchStdDev, Pack, normal_noise
from scratchgan.metrics import mode_stats

p = make_parser(__doc__.splitlines()[0], iters=15000, batch_size=256, lr=2e-3)
p.add_argument("--data", choices=("ring", "grid"), default="ring")
p.add_argument("--remedy", choices=("mbstd", "pack", "fm", "none"), default="mbstd")
p.add_argument("--pack", type=positive_int, default=4, help="samples per pack for --remedy pack")
args = p.parse_args()
t0 = setup(args)

if args.data == "ring":
    sample_data, centres, std, lim = ring_of_gaussians, ring_centres(), 0.01, (-1.5, 1.5)
else:
    sample_data, centres, std, lim = grid_of_gaussians, grid_centres(), 0.05, (-5.5, 5.5)

# G: z ~ N(0, I_2) -> 128 -> 128 -> (x, y).  D: [remedy] -> 64 -> 64 -> D(x).
G = mlp([2, 128, 128, 2])
if args.remedy == "mbstd":       # D sees each point plus the batch's spread
    D = nn.Sequential(MinibatchStdDev(), *mlp([2 + 1, 64, 64, 1], lambda: nn.LeakyReLU(0.2),
                                              nn.Sigmoid))
elif args.remedy == "pack":      # D sees args.pack points side by side
    D = nn.Sequential(Pack(args.pack), *mlp([2 * args.pack, 64, 64, 1],
                                            lambda: nn.LeakyReLU(0.2), nn.Sigmoid))
else:
    D = mlp([2, 64, 64, 1], lambda: nn.LeakyReLU(0.2), nn.Sigmoid)
opt_G, opt_D = gan_adam(G, args.lr), gan_adam(D, args.lr)

trainer = GANTrainer(G, D, opt_G, opt_D, sample_data, normal_noise(2), k=args.k,
                     batch_size=args.batch_size,
                     # feature matching on the last hidden layer (D without Linear, Sigmoid)
                     feature_matching=-2 if args.remedy == "fm" else None)

# Snapshots.  With mbstd or packing D scores whole batches, not points, so
# there is no D(x, y) to draw as a heat map.
heatmap = args.remedy in ("none", "fm")
real = sample_data(2500)
snap = lambda: viz.snapshot_2d(trainer, real, lim, lim, heatmap=heatmap)  # noqa: E731
snapshots = [snap()]
# Learning rates fall linearly to 0 over the run, so the game settles at the end
# instead of orbiting the equilibrium with a fixed step: a LambdaLR scheduler,
# stepped at every log point (every 100 iterations), as PyTorch code would write it.
LOG_EVERY = 100
schedulers = [lr_scheduler.LambdaLR(opt, lambda t: max(0.0, 1 - t * LOG_EVERY / args.iters))
              for opt in (opt_G, opt_D)]


def callback(trainer, row):
    for s in schedulers:
        s.step()                                 # learning rates -> 0 at the end
    if row["iter"] in snapshot_iters(args.iters):
        snapshots.append(snap())


trainer.train(args.iters, log_every=LOG_EVERY, print_every=2000, callback=callback,
              progress=not args.no_progress)

samples = save_samples_and_curves(trainer, args, t0)
m = mode_stats(samples[:2500], centres, std)
print(f"{args.data}, remedy={args.remedy}: modes captured {m['modes']}/{m['n_modes']}   "
      f"well covered {m['well_covered']}/{m['n_modes']}   "
      f"high quality {m['high_quality']:.1%}   reverse KL {m['reverse_kl']:.3f}")
print("  (captured: at least one sample within 3 std of the mode; well covered: also at "
      "least half of the samples nearest to it within 3 std; worst mode's share "
      f"{numpy.nanmin(m['mode_quality']):.0%})")

out = lambda name: os.path.join(args.out, name)  # noqa: E731
title = (f"{args.data}, remedy={args.remedy}: {m['high_quality']:.0%} of samples within 3 std\n"
         f"modes captured (>= 1 sample within 3 std): {m['modes']}/{m['n_modes']}\n"
         f"well covered (>= half of their samples): {m['well_covered']}/{m['n_modes']}")
viz.plot_2d(snapshots[-1], out("final.png"), title=title)
viz.save_strip(snapshots, viz.draw_2d, out("snapshots.png"), ncols=5,
               suptitle=f"{args.data} of Gaussians, remedy={args.remedy}: real (black) "
                        f"and generated (orange) points over training")
viz.save_snapshot_gif(snapshots, viz.draw_2d, out("training.gif"), size=(5.5, 5))
print(f"pictures: final.png, snapshots.png, training.gif, curves.png in {args.out}")
