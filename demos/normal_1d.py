"""Learn N(4, 1.25^2) from noise: the smallest GAN, Algorithm 1 on one number.

G maps z ~ N(0, I_8) to a real number; D says how likely a number is to be
real.  The pictures show Goodfellow et al.'s Figure 1 as it happens: the
histograms of p_data and p_g, D(x), and the optimal discriminator
D*(x) = p_data / (p_data + p_g) of Proposition 1 (p_g from a KDE), which
flattens to 1/2 as p_g approaches p_data.  Every 500 iterations it also
computes the lecture's theory on a grid (``scratchgan/theory.py``): the JSD
between p_data and p_g, C(G) = -log 4 + 2 JSD and V(G, D) with the trained D
(theory.png, theory.json).

    python demos/normal_1d.py            # ~20 s on one CPU core; KS 0.012-0.030 on seeds 0-5
"""
import json
import threads                               # BLAS threads, before NumPy loads
threads.use(1)                               # small networks: 1 thread (README: Threads)
import os

from plumbing import gan_adam, save_samples_and_curves, make_parser, mlp, setup, snapshot_iters

import numpy

from scratchgan import backend, nn, no_grad, theory, viz
from scratchgan.optim import lr_scheduler
from scratchgan.atomic import atomic_open
from scratchgan.data.toy import normal_1d
from scratchgan.gan import GANTrainer, normal_noise
from scratchgan.metrics import gaussian_kde, ks_distance, normal_cdf, normal_pdf

MEAN, STD, Z_DIM = 4.0, 1.25, 8

args = make_parser(__doc__.splitlines()[0], iters=20000, batch_size=128, lr=5e-4).parse_args()
t0 = setup(args)

# The two players: small MLPs.  D ends in a Sigmoid, so D(x) is a probability.
G = mlp([Z_DIM, 32, 32, 1])
D = mlp([1, 32, 32, 1], act=lambda: nn.LeakyReLU(0.2), out=nn.Sigmoid)
opt_G, opt_D = gan_adam(G, args.lr), gan_adam(D, args.lr)

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


# The theory as numbers (scratchgan/theory.py), every 500 iterations: on a grid,
# JSD(p_data || p_g) with p_g a KDE of G's samples, C(G) = -log 4 + 2 JSD (the best
# any D can do against this G), and V(G, D) with the D being trained.  G's samples
# here use their own noise generator, so training is exactly as without them.
GRID = numpy.linspace(-2, 10, 601)
theory_rows = []


def measure_theory(trainer):
    z = numpy.random.RandomState(trainer.iteration).standard_normal((5000, Z_DIM))
    with no_grad():
        x_fake = backend.to_host(trainer.G(backend.to_device(z.astype(numpy.float32))))
    p_g = gaussian_kde(x_fake.ravel())(GRID)
    p = normal_pdf(GRID, MEAN, STD)
    d = trainer.discriminate(GRID[:, None]).ravel()
    theory_rows.append({"iter": trainer.iteration, "jsd": theory.jsd(p, p_g, GRID),
                        "C(G)": theory.c_of_g(p, p_g, GRID),
                        "V(G, D)": theory.value(p, p_g, d, GRID)})


measure_theory(trainer)


def callback(trainer, row):
    for s in schedulers:
        s.step()                                 # learning rates -> 0 at the end
    if row["iter"] in snapshot_iters(args.iters):
        snapshots.append(viz.snapshot_1d(trainer, real, -1, 9))
    if row["iter"] % 500 == 0:
        measure_theory(trainer)


trainer.train(args.iters, log_every=LOG_EVERY, print_every=2000, callback=callback,
              progress=not args.no_progress)

# Results: how close is p_g to N(4, 1.25^2)?
samples = save_samples_and_curves(trainer, args, t0)
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
# The theory along training: C(G) falls towards -log 4 as p_g approaches p_data;
# V(G, D) <= C(G), and the gap is how far the trained D is from D*.
its = [r["iter"] for r in theory_rows]
C = numpy.array([r["C(G)"] for r in theory_rows])
V = numpy.array([r["V(G, D)"] for r in theory_rows])
fig = viz.figure(11, 4)
left, right = fig.subplots(1, 2)
left.plot(its, C, label="C(G) = max_D V(G, D) = -log 4 + 2 JSD")
left.plot(its, V, label="V(G, D) with the trained D")
left.axhline(-theory.LOG4, color="black", linestyle="--", label="-log 4: p_g = p_data")
left.set_xlabel("iteration")
left.set_ylabel("nats")
left.legend(fontsize=8)
left.set_title("The value of the game")
right.semilogy(its, numpy.maximum(C + theory.LOG4, 1e-6), label="C(G) + log 4 = 2 JSD(p_data || p_g)")
right.semilogy(its, numpy.maximum(C - V, 1e-6), label="C(G) - V(G, D): how far D is from D*")
right.set_xlabel("iteration")
right.legend(fontsize=8)
right.set_title("Distances to the optimum (log scale)")
viz.save_figure(fig, out("theory.png"))
last = theory_rows[-1]
with atomic_open(out("theory.json"), "w") as fh:
    json.dump(theory_rows, fh, indent=1)
print(f"theory at iteration {last['iter']}: JSD(p_data || p_g) = {last['jsd']:.4f}, "
      f"C(G) = {last['C(G)']:.4f}, V(G, D) = {last['V(G, D)']:.4f}  (-log 4 = {-theory.LOG4:.4f})")
print(f"pictures: final.png, snapshots.png, training.gif, curves.png, theory.png in {args.out}")
