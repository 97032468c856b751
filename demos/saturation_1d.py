"""Why the non-saturating generator loss: minimax vs non-saturating from the same start.

Goodfellow et al. (2014, section 3): "Early in learning, when G is poor, D can
reject samples with high confidence ... log(1 - D(G(z))) saturates.  Rather
than training G to minimize log(1 - D(G(z))) we can train G to maximize
log D(G(z))."  With a = D's logit, D(G(z)) = sigmoid(a), the gradient of G's
loss with respect to a is

    minimax         L = log(1 - D(G(z))):   dL/da = -D(G(z))         -> 0 when D(G(z)) -> 0
    non-saturating  L = -log D(G(z)):       dL/da = -(1 - D(G(z)))  -> -1 when D(G(z)) -> 0

We give D a head start (it learns to reject G's poor samples), copy that
starting point, and train it twice with SGD with momentum (as in the
paper; Adam would rescale the vanishing gradient and hide it), once per
loss.  saturation.png shows G's gradient norm: about 70 times smaller for
minimax (seed 0: 0.042 vs 2.8 over the first 50 iterations), so G sits
still for ~200 iterations while the non-saturating G
walks to the data at once.  (At the end, in this run, the non-saturating G
is too narrow: at the optimal D its loss is KL(p_g || p_data) - 2 JSD
(Arjovsky & Bottou 2017), and the reverse KL is mode-seeking.)

    python demos/saturation_1d.py
"""
import copy
import threads                               # BLAS threads, before NumPy loads
threads.use(1)                               # small networks: 1 thread (README: Threads)
import os

import numpy

from plumbing import save_samples_and_curves, fraction, make_parser, mlp, nonnegative_int, setup

from scratchgan import backend, nn, optim, viz
from scratchgan.atomic import save_npy
from scratchgan.optim import lr_scheduler
from scratchgan.data.toy import normal_1d
from scratchgan.gan import GANTrainer, normal_noise
from scratchgan.metrics import ks_distance, normal_cdf, normal_pdf

MEAN, STD, Z_DIM = 4.0, 1.25, 8
p = make_parser(__doc__.splitlines()[0], iters=3000, batch_size=64, lr=0.01,
                optimizer="SGD with momentum")
p.add_argument("--head-start", type=nonnegative_int, default=500, help="D-only steps before the race")
p.add_argument("--momentum", type=fraction, default=0.5, help="SGD momentum")
args = p.parse_args()
t0 = setup(args)

# One starting point: a fresh G and a D trained alone to reject G's samples.
G0 = mlp([Z_DIM, 32, 32, 1])
D0 = mlp([1, 32, 32, 1], act=lambda: nn.LeakyReLU(0.2), out=nn.Sigmoid)
data, noise = (lambda m: normal_1d(m, MEAN, STD)), normal_noise(Z_DIM)
head = GANTrainer(G0, D0, optim.SGD(G0.parameters(), lr=0.0),
                  optim.SGD(D0.parameters(), lr=args.lr, momentum=args.momentum), data, noise,
                  batch_size=args.batch_size)
for _ in range(args.head_start):
    head.d_step()
print(f"after D's head start of {args.head_start} steps: mean D(x) = "
      f"{head.discriminate(data(1000)).mean():.3f}, mean D(G(z)) = "
      f"{head.discriminate(head.generate(1000)).mean():.3f}")

# The race: the same G, D and data stream, two generator losses.
runs, early = {}, {}
real = data(10000)
for g_objective in ("minimax", "non_saturating"):
    G, D = copy.deepcopy(G0), copy.deepcopy(D0)
    opt_G = optim.SGD(G.parameters(), lr=args.lr, momentum=args.momentum)
    opt_D = optim.SGD(D.parameters(), lr=args.lr, momentum=args.momentum)
    trainer = GANTrainer(G, D, opt_G, opt_D, data, noise, k=args.k,
                         batch_size=args.batch_size, g_objective=g_objective, monitor=None)
    print(f"--- G loss: {g_objective}")
    backend.manual_seed(args.seed)               # same seed: the same minibatches for both
    # learning rates fall linearly to 0, stepped at every log point (every 5 iterations)
    schedulers = [lr_scheduler.LambdaLR(opt, lambda t: max(0.0, 1 - t * 5 / args.iters))
                  for opt in (opt_G, opt_D)]

    def callback(trainer, row, g_objective=g_objective, schedulers=schedulers):
        for s in schedulers:
            s.step()
        if row["iter"] == min(50, args.iters):   # early: has G started to move?
            early[g_objective] = viz.snapshot_1d(trainer, real, -1, 9)

    trainer.train(args.iters, log_every=5, print_every=1000, progress=not args.no_progress,
                  callback=callback)
    runs[g_objective] = trainer

out = lambda name: os.path.join(args.out, name)  # noqa: E731
final_std = {}
for g_objective, trainer in runs.items():
    s = trainer.generate(10000)
    final_std[g_objective] = float(s.std())
    ks = ks_distance(s, lambda x: normal_cdf(x, MEAN, STD))
    h = trainer.history
    escape = next((r["iter"] for r in h if r["D_G_z"] > 0.1), None)    # out of saturation
    print(f"{g_objective:>15}: ||grad G|| over the first 50 iterations "
          f"{numpy.mean(h['g_grad_norm'][:10]):.2e}; D(G(z)) > 0.1 first at iteration "
          f"{escape}; final KS {ks:.3f}, mean {s.mean():.3f}, std {s.std():.3f}")
    if g_objective == "minimax":
        save_npy(out("samples_minimax.npy"), s)
        trainer.to_csv(out("history_minimax.csv"))
norms = {g: numpy.mean(t.history["g_grad_norm"][:10]) for g, t in runs.items()}
print(f"the minimax G's gradient is {norms['non_saturating'] / norms['minimax']:.0f} times "
      f"smaller than the non-saturating G's over the first 50 iterations")
if final_std["non_saturating"] < final_std["minimax"]:
    # The loss that wins the start need not win the end: say why, not only that.
    print(f"at the end the non-saturating G is the narrower (std {final_std['non_saturating']:.2f} "
          f"vs {final_std['minimax']:.2f}, data {STD}): its gain is the start, not the end. At "
          "the optimal D its loss is KL(p_g || p_data) - 2 JSD (Arjovsky & Bottou 2017), and "
          "that reverse KL punishes samples where the data has none far more than data it "
          "misses, so it pulls p_g inward (mode-seeking)")
save_samples_and_curves(runs["non_saturating"], args, t0)        # samples.npy, history.csv: non-saturating

# The picture: the two losses as functions of D(G(z)), and what happened in training.
fig = viz.figure(13, 3.8)
ax = fig.subplots(1, 3)
d = numpy.linspace(1e-3, 1 - 1e-3, 500)
ax[0].plot(d, numpy.log(1 - d), label="minimax: log(1 - D)")
ax[0].plot(d, -numpy.log(d), label="non-saturating: -log D")
ax[0].axvspan(0, 0.1, color="grey", alpha=0.2, label="early training: D(G(z)) ~ 0")
ax[0].set(xlabel="D(G(z))", ylabel="G's loss", title="G's loss (both decrease as D is fooled)")
ax[0].legend(fontsize=8)
for g_objective, trainer in runs.items():
    h = trainer.history
    ax[1].loglog(h["iter"], h["g_grad_norm"], label=g_objective)
    ax[2].semilogx(h["iter"], h["D_G_z"], label=g_objective)
ax[1].set(xlabel="iteration (log scale: early training)", ylabel="||grad theta_G||",
          title="G's gradient norm")
ax[2].set(xlabel="iteration (log scale)", ylabel="mean D(G(z))", title="Does G fool D?",
          ylim=(-0.02, 1.02))
ax[1].legend()
ax[2].legend()
fig.suptitle("The minimax G loss saturates when D rejects G's samples; "
             "the non-saturating one does not")
fig.savefig(out("saturation.png"))

# p_data, p_g and D early (iteration 50) and at the end, for both losses
fig = viz.figure(13, 7.5)
axes = fig.subplots(2, 2)
for row, g_objective in enumerate(runs):
    for col, snap in enumerate([early[g_objective], viz.snapshot_1d(runs[g_objective], real, -1, 9)]):
        viz.draw_1d(axes[row, col], snap, p_data=lambda x: normal_pdf(x, MEAN, STD),
                    ylim=(0, 0.8), legend=(row, col) == (0, 1),
                    title=f"{g_objective} G loss, iteration {snap['iter']}")
fig.savefig(out("final.png"))
print(f"pictures: saturation.png, final.png, curves.png in {args.out}")
