"""Learn points on a sine curve: (t, sin t) with t ~ U(-pi, pi).

A curved 1D manifold: G must bend the plane of its noise onto the curve,
and D(x, y) (the heat map) has to learn a curved ridge to guide it.  We
measure how far the generated points are from the curve and how evenly
they cover it.

    python demos/sine_2d.py
"""
import threads                               # BLAS threads, before NumPy loads
threads.use(1)                               # small networks: 1 thread (README: Threads)
import os
import math

import numpy

from plumbing import adam, finish, make_parser, mlp, setup, snapshot_iters

from scratchgan import nn, viz
from scratchgan.optim import lr_scheduler
from scratchgan.data.toy import sine_2d
from scratchgan.gan import GANTrainer, normal_noise
from scratchgan.metrics import ks_distance

args = make_parser(__doc__.splitlines()[0], iters=10000, batch_size=64, lr=1e-3).parse_args()
t0 = setup(args)

G = mlp([2, 64, 64, 2])                                   # z ~ N(0, I_2) -> (x, y)
D = mlp([2, 64, 64, 1], act=lambda: nn.LeakyReLU(0.2), out=nn.Sigmoid)
opt_G, opt_D = adam(G, args.lr), adam(D, args.lr)
trainer = GANTrainer(G, D, opt_G, opt_D, sample_data=sine_2d, sample_noise=normal_noise(2),
                     k=args.k, batch_size=args.batch_size)

xlim, ylim = (-4, 4), (-2, 2)
real = sine_2d(1000)
snapshots = [viz.snapshot_2d(trainer, real, xlim, ylim, n=1000)]
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
        snapshots.append(viz.snapshot_2d(trainer, real, xlim, ylim, n=1000))


trainer.train(args.iters, log_every=LOG_EVERY, print_every=2000, callback=callback,
              progress=not args.no_progress)

samples = finish(trainer, args, t0)
off = numpy.abs(samples[:, 1] - numpy.sin(samples[:, 0]))        # vertical distance to the curve
ks = ks_distance(samples[:, 0], lambda u: numpy.clip((u + math.pi) / (2 * math.pi), 0, 1))
print(f"|y - sin x|: mean {off.mean():.4f}, 95th percentile {numpy.percentile(off, 95):.4f}; "
      f"KS of x vs U(-pi, pi): {ks:.4f}")

out = lambda name: os.path.join(args.out, name)  # noqa: E731
viz.plot_2d(snapshots[-1], out("final.png"),
            title=f"iteration {trainer.iteration}: mean |y - sin x| = {off.mean():.3f}")
viz.save_strip(snapshots, viz.draw_2d, out("snapshots.png"), ncols=3, panel_size=(5, 3),
               suptitle="Points on a sine curve: real, generated, and D(x, y) (red = real)")
viz.save_snapshot_gif(snapshots, viz.draw_2d, out("training.gif"), size=(7, 4))
print(f"pictures: final.png, snapshots.png, training.gif, curves.png in {args.out}")
