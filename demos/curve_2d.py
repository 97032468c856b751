"""Learn points on a curve in the plane: a line (t, t) or a sine (t, sin t).

    --data line   (t, t), t ~ U(-1, 1): a 1D manifold with no area at all, so
                  early on D can separate real from fake almost everywhere; the
                  heat map of D(x, y) shows it learning a ridge along the line
                  that pulls G's points onto it
    --data sine   (t, sin t), t ~ U(-pi, pi): a curved manifold, so G must bend
                  the plane of its noise onto it and D must learn a curved ridge

We measure how far the generated points are from the curve and how evenly
they cover it (a KS distance of their position along it against the uniform).

    python demos/curve_2d.py --data line
    python demos/curve_2d.py --data sine
"""
import threads                               # BLAS threads, before NumPy loads
threads.use(1)                               # small networks: 1 thread (README: Threads)
import os
import math

import numpy

from plumbing import gan_adam, save_samples_and_curves, make_parser, mlp, setup, snapshot_iters

from scratchgan import nn, viz
from scratchgan.optim import lr_scheduler
from scratchgan.data.toy import line_2d, sine_2d
from scratchgan.gan import GANTrainer, normal_noise
from scratchgan.metrics import ks_distance


def off_line(samples):
    """Distance to y = x, |y - x| / sqrt 2, and position along it, (x + y) / 2 ~ U(-1, 1)."""
    t = samples.sum(axis=1) / 2
    return (numpy.abs(samples[:, 1] - samples[:, 0]) / numpy.sqrt(2), t,
            lambda u: numpy.clip((u + 1) / 2, 0, 1))


def off_sine(samples):
    """Vertical distance to the curve, |y - sin x|, and position x ~ U(-pi, pi)."""
    return (numpy.abs(samples[:, 1] - numpy.sin(samples[:, 0])), samples[:, 0],
            lambda u: numpy.clip((u + math.pi) / (2 * math.pi), 0, 1))


# Each curve: its sampler, how long it trains, the picture's window and layout.
CURVES = {
    "line": dict(sample=line_2d, off=off_line, iters=5000, print_every=1000,
                 xlim=(-1.5, 1.5), ylim=(-1.5, 1.5), ncols=4, panel=(3.6, 3.2), gif=(5.5, 5)),
    "sine": dict(sample=sine_2d, off=off_sine, iters=10000, print_every=2000,
                 xlim=(-4, 4), ylim=(-2, 2), ncols=3, panel=(5, 3), gif=(7, 4)),
}

p = make_parser(__doc__.splitlines()[0], iters=None, batch_size=64, lr=1e-3)
p.add_argument("--data", choices=sorted(CURVES), default="line",
               help="the curve to learn (line: 5,000 iterations by default, sine: 10,000)")
args = p.parse_args()
curve = CURVES[args.data]
args.iters = args.iters or curve["iters"]            # each curve's own length unless given
t0 = setup(args)

G = mlp([2, 64, 64, 2])                                   # z ~ N(0, I_2) -> (x, y)
D = mlp([2, 64, 64, 1], act=lambda: nn.LeakyReLU(0.2), out=nn.Sigmoid)
opt_G, opt_D = gan_adam(G, args.lr), gan_adam(D, args.lr)
trainer = GANTrainer(G, D, opt_G, opt_D, sample_data=curve["sample"],
                     sample_noise=normal_noise(2), k=args.k, batch_size=args.batch_size)

xlim, ylim = curve["xlim"], curve["ylim"]
real = curve["sample"](1000)
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


trainer.train(args.iters, log_every=LOG_EVERY, print_every=curve["print_every"],
              callback=callback, progress=not args.no_progress)

samples = save_samples_and_curves(trainer, args, t0)
off, position, uniform_cdf = curve["off"](samples)
ks = ks_distance(position, uniform_cdf)
print(f"distance to the {args.data}: mean {off.mean():.4f}, "
      f"95th percentile {numpy.percentile(off, 95):.4f}; "
      f"KS of the position along it vs the uniform: {ks:.4f}")

out = lambda name: os.path.join(args.out, name)  # noqa: E731
viz.plot_2d(snapshots[-1], out("final.png"),
            title=f"iteration {trainer.iteration}: mean distance to the {args.data} {off.mean():.3f}")
viz.save_strip(snapshots, viz.draw_2d, out("snapshots.png"), ncols=curve["ncols"],
               panel_size=curve["panel"],
               suptitle=f"Points on a {args.data}: real, generated, and D(x, y) (red = real)")
viz.save_snapshot_gif(snapshots, viz.draw_2d, out("training.gif"), size=curve["gif"])
print(f"pictures: final.png, snapshots.png, training.gif, curves.png in {args.out}")
