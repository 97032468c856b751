"""BAGAN on imbalanced MNIST: which GAN helps a classifier see a rare digit?

Mariani et al. (2018) restore a rare class with a GAN in four steps:

  1. train an auto-encoder on *all* training images (every class teaches the
     decoder what digits look like, not only the few rare ones);
  2. encode the images and fit a normal N(mu_c, Sigma_c) to each class's codes;
  3. start G as the decoder and D's trunk as the encoder; D gets a (K+1)-way
     head, class K meaning "fake";
  4. train adversarially: G draws z from the normal of the class c it is asked
     for, and wins when D names G(z) as class c:

        L_D = CE(D(x), y) + CE(D(G(z_c)), K)          L_G = CE(D(G(z_c)), c)

The lecture's comparison, on MNIST with one class (--minority, default 0)
cut to --keep (5%) of its training digits and a balanced test part: the same
small classifier (demos/score_digits.py's) trained on

  (a) the imbalanced set                       (b) the rare class oversampled
  (c) + ACGAN's rare digits                    (d) + BAGAN's rare digits
  (e) + a plain GAN's, trained on the rare class alone

each topping the rare class up to the other classes' mean count; reported:
the rare class's recall and the overall accuracy on the balanced test part,
and, for the pictures themselves, the share of each GAN's rare digits that a
judge (the same classifier trained on the uncut training part, all the rare
digits included) reads as the rare class, and how close they lie to the few
kept rare digits (mean distance to the nearest one, divided by the same for
new real digits of the class: well below 1 means G copies what it was shown).
All GANs share the DCGAN-28 backbone (models.dcgan28's G and D convolutions),
Adam(5e-5, beta1 0.5) and batch 32, as the BAGAN authors; ACGAN is trained on
the same imbalanced set (demos/mnist_acgan.py's losses, with this backbone),
the plain GAN with Algorithm 1.  The auto-encoder uses Adam(1e-3), to train in
minutes on a CPU.

    python demos/bagan.py                     # 3 seeds, about 21 minutes on 2 CPU cores

Writes into --out: metrics.json (recall and accuracy per method, and the
judge's share and the copy distance per GAN: each repeat, mean and std), table.md, minority_samples_<method>.npy (generated
rare digits, in [-1, 1]) and minority.png (real rare digits | BAGAN | ACGAN |
plain GAN).  Which method wins is measured, not assumed.

This demo is over 300 lines because the lecture's comparison has five
training sets (a)-(e), each a few lines, and the judge that scores them.
"""
import threads                               # BLAS threads, before NumPy loads
threads.use("cores")                         # convolutions: all cores (README: Threads)

import copy
import json
import os
import time

import numpy

import plumbing
from scratchgan import backend, judge, losses, models, nn, no_grad, optim, viz
from scratchgan.atomic import atomic_open, save_npy
from scratchgan.autoencoder import AutoEncoder
from scratchgan.data import ArraySampler
from scratchgan.data.imbalance import keep_fraction
from scratchgan.distributions import MultivariateNormal
from scratchgan.gan import GANTrainer, normal_noise
from scratchgan.gan.acgan import ACGANSteps, LabelTimesNoise
from scratchgan.gan.sampling import training_mode

K = 10                                                   # classes; D's class K means "fake"
METHODS = ("imbalanced", "oversampled", "ACGAN", "BAGAN", "plain GAN")
GANS = METHODS[2:]


def backbone(latent_dim):
    """(encoder, decoder): the DCGAN-28 D's convolutions + Linear(6272, d), and its G."""
    G, D = models.dcgan28(latent_dim=latent_dim)
    trunk = list(D)[:-2]                                   # up to Flatten: drop Linear, Sigmoid
    encoder = nn.Sequential(*trunk, nn.Linear(128 * 7 * 7, latent_dim))
    return encoder, G


def bagan_adam(net, lr=5e-5):
    return optim.Adam(net.parameters(), lr=lr, betas=(0.5, 0.999))


def class_normals(codes, y):
    """N(mu_c, Sigma_c) fitted to each class's codes; a class with fewer than two
    codes keeps its mean (or the overall mean) with the covariance of all codes."""
    pooled = MultivariateNormal.fit(codes)
    normals = []
    for c in range(K):
        mine = codes[y == c]
        if len(mine) >= 2:
            normals.append(MultivariateNormal.fit(mine))
        else:
            mean = mine.mean(axis=0) if len(mine) else pooled.mean
            normals.append(MultivariateNormal(mean, pooled.cov))
    return normals


def train_bagan(x, y, args, draw):
    """Steps 1-4 of the module doc; returns (G, c -> G(z_c))."""
    encoder, decoder = backbone(args.latent_dim)
    ae = AutoEncoder(encoder, decoder, loss="mse")           # 1. on all the training images
    opt = optim.Adam(ae.parameters(), lr=1e-3)
    for _ in plumbing.progress(range(args.ae_iters), "BAGAN auto-encoder", args.no_progress):
        ae.train_step(x[draw.randint(0, len(x), size=args.batch_size)], opt)
    codes = backend.to_host(ae.encode(x))                    # 2. a normal per class
    normals = class_normals(codes, backend.to_host(y))
    G = copy.deepcopy(decoder)                               # 3. G = decoder, D = encoder + head
    D = nn.Sequential(copy.deepcopy(encoder), nn.Linear(args.latent_dim, K + 1))
    ce = losses.CrossEntropyLoss()
    opt_G, opt_D = bagan_adam(G), bagan_adam(D)
    m = args.batch_size
    rs = numpy.random.RandomState(args.seed)

    def class_codes(c):
        z = numpy.empty((len(c), args.latent_dim), numpy.float32)
        for k in numpy.unique(c):
            z[c == k] = normals[k].sample(int((c == k).sum()), rs)
        return backend.to_device(z)

    for _ in plumbing.progress(range(args.gan_iters), "BAGAN", args.no_progress):   # 4.
        idx = draw.randint(0, len(x), size=m)
        c = rs.randint(0, K, size=m)                          # classes asked for: uniform
        fake_c = backend.to_device(numpy.full(m, K))
        with no_grad():
            fake = G(class_codes(c))
        opt_D.zero_grad()                                     # D: real -> its class, fake -> K
        out_real, out_fake = D(x[idx]), D(fake)
        ce(out_real, y[idx])
        ce(out_fake, fake_c)
        D.backward(ce.backward(out_real), out_real)
        D.backward(ce.backward(out_fake), out_fake, input_grad=False)
        opt_D.step()
        opt_G.zero_grad()                                     # G: D should name G(z_c) as c
        c = rs.randint(0, K, size=m)
        x_fake = G(class_codes(c))
        out = D(x_fake)
        ce(out, backend.to_device(c))
        with nn.frozen(D):
            dx = D.backward(ce.backward(out), out)
        G.backward(dx, x_fake)
        opt_G.step()
    return G, lambda c: G(class_codes(c))


def train_acgan(x, y, args, draw):
    """ACGAN with the same backbone: G(emb(c) * z), D with a real/fake and a class head;
    returns (G, c -> G(emb(c) * z))."""
    G = models.dcgan28(latent_dim=args.latent_dim)[0]
    emb = nn.Embedding(K, args.latent_dim)
    _, D_plain = models.dcgan28(latent_dim=args.latent_dim)
    D = nn.TwoHeads(nn.Sequential(*list(D_plain)[:-2]),
                    nn.Sequential(nn.Linear(128 * 7 * 7, 1), nn.Sigmoid()),
                    nn.Linear(128 * 7 * 7, K))
    G_c = LabelTimesNoise(emb, G)                             # G(z, c) = G(emb(c) * z)
    steps = ACGANSteps(G_c, D, bagan_adam(G_c), bagan_adam(D))   # acgan.py's iteration
    m = args.batch_size
    for _ in plumbing.progress(range(args.gan_iters), "ACGAN", args.no_progress):
        idx = draw.randint(0, len(x), size=m)
        c = draw.randint(0, K, size=m)
        steps.step(x[idx], y[idx], backend.randn(m, args.latent_dim), c)
    return G_c, lambda c: G_c(backend.randn(len(c), args.latent_dim), backend.to_device(c))


def draw_rare(G, generate, args):
    """args.n_generate digits of the rare class from a class-conditional G, on the host.

    Drawn in evaluation mode (PyTorch's G.eval()): BatchNorm uses the running
    statistics gathered over the training batches, which mixed all classes.  In
    training mode it would normalise this batch, all of the rare class, with its
    own mean and variance, and what makes the batch that class would be
    normalised away: after a short run, 26% of BAGAN's digits drawn so were read
    as the rare class by an independent classifier, against 89% in evaluation mode.
    """
    with training_mode(G, False), no_grad():
        return backend.to_host(generate(numpy.full(args.n_generate, args.minority)))


def train_plain_gan(x_minority, args):
    """A DCGAN on the rare class's few digits alone (Algorithm 1)."""
    G, D = models.dcgan28(latent_dim=args.latent_dim)
    trainer = GANTrainer(G, D, bagan_adam(G), bagan_adam(D), ArraySampler(x_minority),
                         normal_noise(args.latent_dim), batch_size=args.batch_size, monitor=None)
    trainer.train(args.gan_iters, log_every=max(args.gan_iters // 10, 1),
                  progress=not args.no_progress)
    return trainer.generate(args.n_generate)


def nearest_distance(a, b):
    """Mean over the images a of the L2 distance to the nearest of the images b.

    ||a_i - b_j||^2 = ||a_i||^2 - 2 a_i . b_j + ||b_j||^2, all pairs in one product.
    """
    a, b = a.reshape(len(a), -1).astype(numpy.float64), b.reshape(len(b), -1).astype(numpy.float64)
    d2 = (a * a).sum(axis=1)[:, None] - 2 * a @ b.T + (b * b).sum(axis=1)[None, :]
    return float(numpy.sqrt(numpy.maximum(d2, 0)).min(axis=1).mean())


def evaluate(train_x, train_y, test_x, test_y, args):
    """(recall of the rare class, overall accuracy) of the classifier trained on (train_x, train_y)."""
    model, _, _ = judge.fit_classifier(train_x, train_y, epochs=args.clf_epochs,
                                              seed=args.seed, holdout=1, verbose=False)
    pred = judge.predict(model, test_x).argmax(axis=1)
    rare = test_y == args.minority
    return float((pred[rare] == args.minority).mean()), float((pred == test_y).mean())


def main(argv=None):
    p = plumbing.make_parser(__doc__.splitlines()[0], iters=2000, batch_size=32, lr=5e-5,
                             k=None, dataset=True)
    p.add_argument("--minority", type=int, choices=range(10), default=0, help="the rare class")
    p.add_argument("--keep", type=plumbing.positive_float, default=0.05,
                   help="share of the rare class's training digits kept")
    p.add_argument("--latent-dim", type=plumbing.positive_int, default=100)
    p.add_argument("--ae-iters", type=plumbing.positive_int, default=1500,
                   help="auto-encoder iterations (BAGAN's step 1)")
    p.add_argument("--clf-epochs", type=plumbing.positive_int, default=3,
                   help="epochs of each classifier")
    p.add_argument("--test-per-class", type=plumbing.positive_int, default=100,
                   help="digits of each class in the balanced test part")
    p.add_argument("--repeats", type=plumbing.positive_int, default=3,
                   help="runs with seeds seed, seed+1, ...: mean and std")
    args = p.parse_args(argv)
    if not 0 < args.keep <= 1:
        p.error(f"--keep must be in (0, 1], got {args.keep}")
    t0 = plumbing.setup(args)
    images, labels = plumbing.load_images(args.dataset, args.data_dir, args.no_download,
                                          args.batch_size)
    results = {m: {"recall": [], "accuracy": []} for m in METHODS}
    for m in GANS:
        results[m].update(judged_rare=[], judge_confidence=[], copy_distance=[])
    first_samples = None
    base_seed = args.seed
    for r in range(args.repeats):
        args.seed = base_seed + r
        backend.manual_seed(args.seed)
        rs = numpy.random.RandomState(args.seed)
        order = rs.permutation(len(images))                      # a balanced test part
        test = numpy.concatenate([order[labels[order] == c][:args.test_per_class]
                                  for c in range(K)])
        rest = numpy.setdiff1d(order, test)
        train = rest[keep_fraction(labels[rest], [args.minority], args.keep, seed=args.seed)]
        x, y = images[train], labels[train]
        args.gan_iters = plumbing.iters_from_epochs(args, len(train))   # --epochs, if given
        counts = numpy.bincount(y, minlength=K)
        target = int(round(numpy.delete(counts, args.minority).mean()))
        args.n_generate = max(target - counts[args.minority], 1)
        print(f"repeat {r + 1}: {len(train)} training digits, class {args.minority} cut to "
              f"{counts[args.minority]} (others: {target} on average); test: "
              f"{args.test_per_class} of each class")
        xd, yd = backend.to_device(x), backend.to_device(y)
        draw = backend.rng()
        start = time.time()
        generated = {"BAGAN": draw_rare(*train_bagan(xd, yd, args, draw), args),
                     "ACGAN": draw_rare(*train_acgan(xd, yd, args, draw), args),
                     "plain GAN": train_plain_gan(xd[yd == args.minority], args)}
        print(f"three GANs trained in {time.time() - start:.0f} s")
        rare = x[y == args.minority]
        sets = {"imbalanced": (x, y),
                "oversampled": (numpy.concatenate([x, rare[rs.randint(0, len(rare),
                                                                      args.n_generate)]]),
                                numpy.concatenate([y, numpy.full(args.n_generate,
                                                                 args.minority)]))}
        for name, fake in generated.items():
            sets[name] = (numpy.concatenate([x, fake.astype(numpy.float32)]),
                          numpy.concatenate([y, numpy.full(len(fake), args.minority)]))
        # An outside judge of the pictures themselves: the same classifier trained
        # on the uncut training part (all the 0s); it reads each GAN's rare digits.
        judge_net, _, _ = judge.fit_classifier(images[rest], labels[rest],
                                                  epochs=args.clf_epochs, seed=args.seed,
                                                  holdout=1, verbose=False)
        # Copying: how close G's rare digits lie to the few kept ones, against
        # how close new real digits of the class lie to them (the test part's).
        real_new = images[test][labels[test] == args.minority]
        reference = nearest_distance(real_new, rare)
        for name, fake in generated.items():
            results[name]["copy_distance"].append(nearest_distance(fake, rare) / reference)
            p_fake = judge.predict(judge_net, fake.astype(numpy.float32))
            results[name]["judged_rare"].append(float((p_fake.argmax(axis=1) == args.minority).mean()))
            results[name]["judge_confidence"].append(float(p_fake.max(axis=1).mean()))
        for name in METHODS:
            recall, accuracy = evaluate(*sets[name], images[test], labels[test], args)
            results[name]["recall"].append(recall)
            results[name]["accuracy"].append(accuracy)
            judged = (f"   judge reads {results[name]['judged_rare'][-1]:.1%} of its digits as "
                      f"{args.minority}" if name in GANS else "")
            print(f"  {name:12s} recall of class {args.minority}: {recall:.1%}   "
                  f"accuracy: {accuracy:.1%}{judged}")
        if first_samples is None:
            first_samples = (rare, generated)
    args.seed = base_seed

    rare, generated = first_samples
    for name, fake in generated.items():
        save_npy(os.path.join(args.out, f"minority_samples_{name.replace(' ', '_')}.npy"),
                 fake.astype(numpy.float32))
    rows = [rare[:10]] + [generated[n][:10] for n in ("BAGAN", "ACGAN", "plain GAN")]
    viz.save_image_grid(numpy.concatenate([numpy.resize(r, (10, 1, 28, 28)) for r in rows]),
                        os.path.join(args.out, "minority.png"), nrow=10,
                        title=f"class {args.minority}: real (the few kept) | BAGAN | ACGAN | "
                              f"plain GAN", row_labels=["real", "BAGAN", "ACGAN", "GAN"])
    summary = {m: {k: {"each": v, "mean": float(numpy.mean(v)), "std": float(numpy.std(v))}
                   for k, v in results[m].items()} for m in METHODS}
    metrics = {"minority": args.minority, "keep": args.keep, "repeats": args.repeats,
               "gan_iters": args.gan_iters, "ae_iters": args.ae_iters,
               "results": summary, "seconds": round(time.time() - t0, 1)}
    with atomic_open(os.path.join(args.out, "metrics.json"), "w") as fh:
        json.dump(metrics, fh, indent=2)
    table = ["| training set | recall of the rare class | accuracy | generated digits read "
             "as the rare class by the judge | distance to the nearest kept digit "
             "(new real ones = 1) |", "|---|---|---|---|---|"]
    for m in METHODS:
        s = summary[m]
        judged = (f"{s['judged_rare']['mean']:.1%} ± {s['judged_rare']['std']:.1%} | "
                  f"{s['copy_distance']['mean']:.2f} ± {s['copy_distance']['std']:.2f}"
                  if m in GANS else "– | –")
        table.append(f"| {m} | {s['recall']['mean']:.1%} ± {s['recall']['std']:.1%} | "
                     f"{s['accuracy']['mean']:.1%} ± {s['accuracy']['std']:.1%} | {judged} |")
    with atomic_open(os.path.join(args.out, "table.md"), "w") as fh:
        fh.write("\n".join(table) + "\n")
    print("\n".join(table))
    print(f"done in {metrics['seconds']:.0f} s; wrote metrics.json, table.md, minority.png and "
          f"minority_samples_*.npy to {args.out}")
    return metrics


if __name__ == "__main__":
    plumbing.run_script(main)
