"""Learn points on a line: (t, t) with t ~ U(-1, 1), a 1D manifold in the plane.

The data has no area at all, so early on D can separate real from fake
almost everywhere; the heat map of D(x, y) shows it learning a ridge along
the line that pulls G's points onto it.  We measure how far the generated
points are from the line and how evenly they cover it.

    python demos/line_2d.py
"""
import threads                               # BLAS threads, before NumPy loads
threads.use(1)                               # small networks: 1 thread (README: Threads)
import os

import numpy

from plumbing import adam, finish, make_parser, mlp, setup, snapshot_iters

from scratchgan import nn, viz
from scratchgan.optim import lr_scheduler
from scratchgan.data.toy import line_2d
from scratchgan.gan import GANTrainer, normal_noise
from scratchgan.metrics import ks_distance

args = make_parser(__doc__.splitlines()[0], iters=5000, batch_size=64, lr=1e-3).parse_args()
t0 = setup(args)

G = mlp([2, 64, 64, 2])                                   # z ~ N(0, I_2) -> (x, y)
D = mlp([2, 64, 64, 1], act=lambda: nn.LeakyReLU(0.2), out=nn.Sigmoid)
opt_G, opt_D = adam(G, args.lr), adam(D, args.lr)
trainer = GANTrainer(G, D, opt_G, opt_D, sample_data=line_2d, sample_noise=normal_noise(2),
                     k=args.k, batch_size=args.batch_size)

lim = (-1.5, 1.5)
real = line_2d(1000)
snapshots = [viz.snapshot_2d(trainer, real, lim, lim, n=1000)]
# Learning rates fall linearly to 0 over the run, so the game settles at the end
# instead of orbiting the equilibrium with a fixed step: a LambdaLR scheduler,
# stepped at every log point (every 50 iterations), as PyTorch code would write it.
LOG_EVERY = 50
schedulers = [lr_scheduler.LambdaLR(opt, lambda t: max(0.0, 1 - t * LOG_EVERY / args.iters))
              for opt in (opt_G, opt_D)]


def callback(trainer, row):
    for s in schedulers:
        s.step()                                 # learning rates -> 0 at the end
    if row["iter"] in snapshot_iters(args.iters):
        snapshots.append(viz.snapshot_2d(trainer, real, lim, lim, n=1000))


trainer.train(args.iters, log_every=LOG_EVERY, print_every=1000, callback=callback,
              progress=not args.no_progress)

samples = finish(trainer, args, t0)
# distance from (x, y) to the line y = x is |y - x| / sqrt 2; position along it is (x + y) / 2
off = numpy.abs(samples[:, 1] - samples[:, 0]) / numpy.sqrt(2)
t = samples.sum(axis=1) / 2
ks = ks_distance(t, lambda u: numpy.clip((u + 1) / 2, 0, 1))     # against U(-1, 1)
print(f"distance to the line: mean {off.mean():.4f}, "
      f"95th percentile {numpy.percentile(off, 95):.4f}; "
      f"KS of the position along the line vs U(-1, 1): {ks:.4f}")

out = lambda name: os.path.join(args.out, name)  # noqa: E731
viz.plot_2d(snapshots[-1], out("final.png"),
            title=f"iteration {trainer.iteration}: mean distance to the line {off.mean():.3f}")
viz.save_strip(snapshots, viz.draw_2d, out("snapshots.png"), ncols=4,
               suptitle="Points on a line: real, generated, and D(x, y) (red = real)")
viz.save_snapshot_gif(snapshots, viz.draw_2d, out("training.gif"), size=(5.5, 5))
print(f"pictures: final.png, snapshots.png, training.gif, curves.png in {args.out}")
