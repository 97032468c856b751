"""Can the discriminator generate?  Structured learning against a GAN, on a ring.

A discriminator D: X -> [0, 1] scores how real an object looks.  So why not
generate with D alone, by solving x~ = argmax_x D(x)?  In 2-D the argmax can
be approached by gradient ascent on log D, with the input gradient D's
backward already computes:

    x <- x + eta * d log D(x) / dx          (a few hundred steps from random starts)

(a) A trained GAN's D, climbed from random starts.
(b) The lecture's "general algorithm" for training D without G:

    negatives <- random points
    repeat:   train D on the data (label 1) against the negatives (label 0)
              negatives <- gradient ascent on D from fresh random points
              (the points D now likes best: "D itself generates the negatives")

What happens (seeds 0-5, the defaults, on two BLAS kernels): in round 1 the
negatives are uniform noise, D learns a smooth bump over the ring and 98-100%
of the ascents end in it.  From round 2 on the negatives sit wherever the last ascent ended, D is
pushed down there, and everything no negative visited keeps the score it had:
the next ascent finds that high, wrong region (the outside of the ring, or
its hole), and the share in the ring swings between 0% and 96% from round to
round.  This is the lecture's "in practice you cannot decrease all the x
other than real examples".  A GAN's G is a fast, learned way to solve
argmax_x D(x) for the D of *now*, trained alongside D; its samples (95-99.5%
in the ring on 10 of 12 runs, 60% and 82% on the other two) also cover the
ring evenly, while climbing the GAN's own D gives only 12-70% (near the
equilibrium that D is flat at 1/2).

The number for each: the share of generated points within the ring (radius
1 +- 0.15, three noise stds), from 2,000 random starts or 2,000 samples of G.

    python demos/discriminator_generates.py            # about 20 s on one CPU core

Writes into --out: rounds.png (D's heat map with the ascent paths, round by
round, for (b)), samples.png (data | G(z) | ascent on the GAN's D | ascent on
(b)'s D), metrics.json.
"""
import threads                               # BLAS threads, before NumPy loads
threads.use(1)                               # small networks: 1 thread (README: Threads)
import os
import json
import time

import numpy

from plumbing import gan_adam, make_parser, mlp, positive_int, setup
from scratchgan import backend, losses, nn, no_grad, viz
from scratchgan.atomic import atomic_open
from scratchgan.gan import GANTrainer, normal_noise

LIM = (-2.0, 2.0)
RADIUS, NOISE = 1.0, 0.05


def ring(n, rng=None):
    """Points on the unit circle, radius jittered by N(0, 0.05^2): drawn on the
    device by the backend's generator, or on the host from a RandomState ``rng``."""
    xp = numpy if rng is not None else backend.get_xp()
    rng = rng if rng is not None else backend.rng()
    angle = rng.uniform(0, 2 * numpy.pi, n)
    r = RADIUS + NOISE * rng.standard_normal(n)
    return xp.stack([r * xp.cos(angle), r * xp.sin(angle)], 1).astype(numpy.float32)


def in_support(x):
    """Share of points within 3 noise stds of the circle."""
    r = numpy.hypot(x[:, 0], x[:, 1])
    return float((numpy.abs(r - RADIUS) <= 3 * NOISE).mean())


def discriminator():
    return mlp([2, 64, 64, 1], lambda: nn.LeakyReLU(0.2), nn.Sigmoid)


def ascend(D, starts, steps, eta, keep_path=False):
    """Gradient ascent on log D(x) from ``starts`` (n, 2); returns the end points
    (and the paths).  D's own parameters are frozen: only x moves."""
    x = backend.to_device(starts.astype(numpy.float32))
    path = [backend.to_host(x)]
    D.eval()
    xp = backend.get_xp()
    with nn.frozen(D):
        for _ in range(steps):
            p = D(x)                                     # D(x), (n, 1)
            dx = D.backward(1 / xp.maximum(p, 1e-6), p)  # d log D / dx = (1 / D) dD/dx
            x = xp.clip(x + eta * dx, *LIM)              # stay inside the picture
            if keep_path:
                path.append(backend.to_host(x))
    D.train()
    return (backend.to_host(x), numpy.stack(path, 1)) if keep_path else backend.to_host(x)


def heatmap(D, resolution=100):
    g = numpy.linspace(*LIM, resolution)
    xx, yy = numpy.meshgrid(g, g)
    pts = numpy.stack([xx.ravel(), yy.ravel()], 1).astype(numpy.float32)
    D.eval()
    with no_grad():
        d = backend.to_host(D(backend.to_device(pts))).reshape(resolution, resolution)
    D.train()
    return d


def main(argv=None):
    p = make_parser(__doc__.splitlines()[0], iters=3000, batch_size=256, lr=1e-3, k=None)
    p.add_argument("--rounds", type=positive_int, default=6,
                   help="rounds of (b): train D, then new negatives by ascent")
    p.add_argument("--ascent-steps", type=positive_int, default=200,
                   help="gradient-ascent steps per search for argmax D")
    p.add_argument("--n-starts", type=positive_int, default=2000,
                   help="random starts of each ascent (and samples of G)")
    args = p.parse_args(argv)
    t0 = setup(args)
    rng = numpy.random.RandomState(args.seed)
    eta = 0.01
    bce = losses.BCELoss()
    data = ring(args.n_starts, rng)

    # (a) a GAN: G and D trained together (Algorithm 1), --iters iterations
    start = time.time()
    G = mlp([2, 64, 64, 2])
    D_gan = discriminator()
    trainer = GANTrainer(G, D_gan, gan_adam(G, args.lr), gan_adam(D_gan, args.lr),
                         sample_data=ring, sample_noise=normal_noise(2),
                         batch_size=args.batch_size, monitor=None)
    trainer.train(args.iters, log_every=max(args.iters // 10, 1), progress=not args.no_progress)
    gan_samples = trainer.generate(args.n_starts)
    gan_ascent = ascend(D_gan, rng.uniform(*LIM, (args.n_starts, 2)), args.ascent_steps, eta)
    gan_seconds = time.time() - start

    # (b) D alone: positives vs negatives that D itself generates, round by round;
    # the same number of D updates as the GAN's D got, split over the rounds
    start = time.time()
    D = discriminator()
    opt = gan_adam(D, args.lr)
    negatives = rng.uniform(*LIM, (args.n_starts, 2)).astype(numpy.float32)
    steps_per_round = max(args.iters // args.rounds, 1)
    pictures = []
    for r in range(args.rounds):
        for _ in range(steps_per_round):              # train D: data -> 1, negatives -> 0
            pos = ring(args.batch_size)
            neg = backend.to_device(negatives[rng.randint(0, len(negatives), args.batch_size)])
            opt.zero_grad()
            out_pos, out_neg = D(pos), D(neg)
            bce(out_pos, 1.0)
            bce(out_neg, 0.0)
            D.backward(bce.backward(out_pos), out_pos)
            D.backward(bce.backward(out_neg), out_neg)
            opt.step()
        starts = rng.uniform(*LIM, (args.n_starts, 2))
        negatives, paths = ascend(D, starts, args.ascent_steps, eta, keep_path=True)
        pictures.append({"round": r + 1, "D": heatmap(D), "paths": paths[:25],
                         "ends": negatives, "in_support": in_support(negatives)})
        print(f"(b) round {r + 1}/{args.rounds}: ascent ends in the ring for "
              f"{pictures[-1]['in_support']:.1%} of {args.n_starts} starts")
    structured = negatives
    structured_seconds = time.time() - start

    metrics = {
        "in_support": {"gan_samples": in_support(gan_samples),
                       "ascent_on_gan_D": in_support(gan_ascent),
                       "ascent_on_structured_D": in_support(structured),
                       "per_round": [pic["in_support"] for pic in pictures]},
        "seconds": {"gan": round(gan_seconds, 1), "structured": round(structured_seconds, 1)},
        "iters": args.iters, "rounds": args.rounds, "ascent_steps": args.ascent_steps}
    with atomic_open(os.path.join(args.out, "metrics.json"), "w") as fh:
        json.dump(metrics, fh, indent=2)
    draw_rounds(pictures, data, os.path.join(args.out, "rounds.png"))
    draw_samples(data, gan_samples, gan_ascent, structured, metrics["in_support"],
                 os.path.join(args.out, "samples.png"))
    s = metrics["in_support"]
    print(f"share in the ring: G(z) {s['gan_samples']:.1%}, ascent on the GAN's D "
          f"{s['ascent_on_gan_D']:.1%}, ascent on (b)'s D {s['ascent_on_structured_D']:.1%}; "
          f"done in {time.time() - t0:.0f} s; wrote rounds.png, samples.png, metrics.json "
          f"to {args.out}")
    return metrics


def draw_rounds(pictures, data, path):
    cols = min(3, len(pictures))
    rows = -(-len(pictures) // cols)
    fig = viz.figure(4 * cols, 3.8 * rows)
    axes = numpy.atleast_1d(fig.subplots(rows, cols)).ravel()
    for ax, pic in zip(axes, pictures):
        ax.imshow(pic["D"], origin="lower", extent=(*LIM, *LIM), cmap="RdBu_r", vmin=0, vmax=1)
        ax.scatter(data[:500, 0], data[:500, 1], s=2, c="black", alpha=0.4, linewidths=0)
        for trail in pic["paths"]:
            ax.plot(trail[:, 0], trail[:, 1], color="orange", linewidth=0.8)
            ax.plot(trail[-1, 0], trail[-1, 1], "o", color="orange", markersize=3)
        ax.set_title(f"round {pic['round']}: D and 25 ascents "
                     f"({pic['in_support']:.0%} end in the ring)", fontsize=9)
        ax.set_xlim(*LIM)
        ax.set_ylim(*LIM)
    for ax in axes[len(pictures):]:
        ax.axis("off")
    viz.save_figure(fig, path)


def draw_samples(data, gan, gan_ascent, structured, share, path):
    fig = viz.figure(16, 4.2)
    panels = [("the data", data, None), ("GAN: G(z)", gan, share["gan_samples"]),
              ("ascent on the GAN's D", gan_ascent, share["ascent_on_gan_D"]),
              ("ascent on D trained alone (b)", structured, share["ascent_on_structured_D"])]
    for ax, (title, pts, s) in zip(fig.subplots(1, 4), panels):
        ax.scatter(pts[:, 0], pts[:, 1], s=3, alpha=0.5, linewidths=0,
                   c="black" if s is None else "tab:orange")
        ax.set_title(title + ("" if s is None else f": {s:.0%} in the ring"), fontsize=10)
        ax.set_xlim(*LIM)
        ax.set_ylim(*LIM)
        ax.set_aspect("equal")
    viz.save_figure(fig, path)


if __name__ == "__main__":
    import plumbing
    plumbing.run_script(main)
