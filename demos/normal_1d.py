"""Learn N(4, 1.25^2) from noise: the smallest GAN, Algorithm 1 on one number.

G maps z ~ N(0, I_8) to a real number; D says how likely a number is to be
real.  The pictures show Goodfellow et al.'s Figure 1 as it happens: the
histograms of p_data and p_g, D(x), and the optimal discriminator
D*(x) = p_data / (p_data + p_g) of Proposition 1 (p_g from a KDE), which
flattens to 1/2 as p_g approaches p_data.

    python demos/normal_1d.py            # ~17 s on one CPU core; KS 0.029 at seed 0 (<= 0.05)
"""
import os
# These networks are tiny: extra BLAS threads only spin (and on a busy machine
# slow a run down tenfold).  This must come before NumPy is imported.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from plumbing import adam, finish, make_parser, mlp, setup, snapshot_iters

from scratchgan import nn, viz
from scratchgan.optim import lr_scheduler
from scratchgan.data.toy import normal_1d
from scratchgan.gan import GANTrainer, normal_noise
from scratchgan.metrics import ks_distance, normal_cdf, normal_pdf

MEAN, STD, Z_DIM = 4.0, 1.25, 8

args = make_parser(__doc__.splitlines()[0], iters=20000, batch_size=128, lr=5e-4).parse_args()
t0 = setup(args)

# The two players: small MLPs.  D ends in a Sigmoid, so D(x) is a probability.
G = mlp([Z_DIM, 32, 32, 1])
D = mlp([1, 32, 32, 1], act=lambda: nn.LeakyReLU(0.2), out=nn.Sigmoid)
opt_G, opt_D = adam(G, args.lr), adam(D, args.lr)

trainer = GANTrainer(G, D, opt_G, opt_D,
                     sample_data=lambda m: normal_1d(m, MEAN, STD),   # x ~ p_data
                     sample_noise=normal_noise(Z_DIM),                # z ~ p(z)
                     k=args.k, batch_size=args.batch_size)

# Pictures: snapshots of p_data, p_g, D and D* at iterations 0, 100, 200, 500, ...
real = normal_1d(10000, MEAN, STD)
snapshots = [viz.snapshot_1d(trainer, real, -1, 9)]
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
        snapshots.append(viz.snapshot_1d(trainer, real, -1, 9))


trainer.train(args.iters, log_every=LOG_EVERY, print_every=2000, callback=callback,
              progress=not args.no_progress)

# Results: how close is p_g to N(4, 1.25^2)?
samples = finish(trainer, args, t0)
ks = ks_distance(samples, lambda x: normal_cdf(x, MEAN, STD))
print(f"KS distance to N({MEAN}, {STD}^2): {ks:.4f}   "
      f"mean {samples.mean():.3f} (target {MEAN})   std {samples.std():.3f} (target {STD})")

p_data = lambda x: normal_pdf(x, MEAN, STD)      # noqa: E731
out = lambda name: os.path.join(args.out, name)  # noqa: E731
viz.plot_1d(viz.snapshot_1d(trainer, real, -1, 9), out("final.png"), p_data=p_data,
            title=f"iteration {trainer.iteration}: KS = {ks:.3f}")
viz.save_strip(snapshots, viz.draw_1d, out("snapshots.png"), ncols=3, p_data=p_data,
               ylim=(0, 0.6), suptitle="p_data, p_g, D(x) and D*(x) over training")
viz.save_snapshot_gif(snapshots, viz.draw_1d, out("training.gif"), p_data=p_data,
                      ylim=(0, 0.6))
print(f"pictures: final.png, snapshots.png, training.gif, curves.png in {args.out}")
