"""CycleGAN on MNIST: unpaired translation between digits and thick digits.

Zhu et al. (2017) learn two mappings, G: X -> Y and F: Y -> X, from images of
X and images of Y that are never paired.  Two discriminators judge each
domain; a cycle-consistency loss asks F(G(x)) = x and G(F(y)) = y, so that G
cannot map every x to any one convincing y; an identity loss asks G(y) = y:

    L_GAN(G, D_Y) = mean (D_Y(G(x)) - 1)^2            least squares (LSGAN)
    L_cyc         = |F(G(x)) - x|_1 + |G(F(y)) - y|_1
    L_idt         = |G(y) - y|_1 + |F(x) - x|_1
    L_G,F = L_GAN(G, D_Y) + L_GAN(F, D_X) + 10 L_cyc + 5 L_idt
    L_D_Y = ((D_Y(y) - 1)^2 + D_Y(pool(G(x)))^2) / 2           (D_X likewise)

Domains, from the MNIST digits the loader finds, padded to 32x32: X the
digits as they are, Y thick digits (a plus-shaped grey dilation), each made
from its own half of the data, so no digit is ever seen in both; the true
thick version of each test x is kept only to measure.

Architecture as the paper, scaled to 32x32: ResNet generators (c7s1-16,
d32, d64, 3 residual blocks, u32, u16, c7s1-1; reflection padding,
InstanceNorm), PatchGAN discriminators (4x4 convolutions, a 6x6 map of
scores), image pools of 50, Adam(2e-4, beta1 0.5) with the learning rate
decaying linearly to 0 over the second half.  G and F are updated first,
then the two discriminators.  ``--no-cycle`` and ``--no-identity`` are the
paper's ablations.

    python demos/cyclegan.py                      # 1,500 iterations
    python demos/cyclegan.py --no-cycle --out out/cyclegan_nocycle

Writes into --out: test_x.npy, test_x2y.npy, test_x2y2x.npy, test_y.npy,
test_y2x.npy, test_labels_x.npy, test_labels_y.npy (1,000 held-out digits per
domain), grid.png (x | G(x) | F(G(x)) and y | F(y) | G(F(y))), losses.png,
history.csv, checkpoint.npz (every --sample-every iterations: the four
networks, the three optimizers, both image pools, the generator's state;
--resume continues bit for bit on a CPU) and metrics.json: the class kept through X -> Y (a classifier
trained here on the training digits), the ink share of G(x) against real Y's,
the cycle L1, and the L1 of G(x) to the true thick x.  (The classifier learns
from the training digits of both domains, each thin and thick, so it names
digits of either domain; the test digits are never among them.)

This demo is over 300 lines because CycleGAN's loop is written out, as
PyTorch-GAN's cyclegan.py is, with its ablation (no cycle, no identity) beside it.
"""
import threads                               # BLAS threads, before NumPy loads
threads.use("cores")                         # convolutions: all cores (README: Threads)

import json
import math
import time
from pathlib import Path

import numpy
from tqdm import tqdm

import plumbing                                  # the demos' shared flags and files
from scratchgan import backend, judge, losses, nn, optim, viz
from scratchgan.atomic import atomic_open, save_npy
from scratchgan.data import translation
from scratchgan.gan import History, ImagePool, LossWindow, sampling
from scratchgan.optim import lr_scheduler


# ----------------------------------------------------------------- the networks
def conv_block(c_in, c_out, k, stride, padding, transpose=False):
    """Conv (or ConvTranspose) -> InstanceNorm -> ReLU (the paper's dk and uk)."""
    conv = (nn.ConvTranspose2d(c_in, c_out, k, stride, padding) if transpose
            else nn.Conv2d(c_in, c_out, k, stride, padding))
    return [conv, nn.InstanceNorm2d(c_out), nn.ReLU()]


def residual_block(c):
    """x + [pad, conv 3x3, IN, ReLU, pad, conv 3x3, IN](x)."""
    return nn.Residual(nn.Sequential(
        nn.ReflectionPad2d(1), nn.Conv2d(c, c, 3), nn.InstanceNorm2d(c), nn.ReLU(),
        nn.ReflectionPad2d(1), nn.Conv2d(c, c, 3), nn.InstanceNorm2d(c)))


def resnet_generator(channels=16, blocks=3):
    """c7s1-16, d32, d64, 3 x R64, u32, u16, c7s1-1, tanh; 32x32 -> 8x8 -> 32x32."""
    c = channels
    return nn.Sequential(
        nn.ReflectionPad2d(3), *conv_block(1, c, 7, 1, 0),
        *conv_block(c, 2 * c, 3, 2, 1), *conv_block(2 * c, 4 * c, 3, 2, 1),
        *[residual_block(4 * c) for _ in range(blocks)],
        *conv_block(4 * c, 2 * c, 4, 2, 1, transpose=True),
        *conv_block(2 * c, c, 4, 2, 1, transpose=True),
        nn.ReflectionPad2d(3), nn.Conv2d(c, 1, 7), nn.Tanh())


def patch_discriminator(channels=16):
    """PatchGAN: 32x32 -> a 6x6 map of scores (least squares: no sigmoid)."""
    c = channels
    return nn.Sequential(
        nn.Conv2d(1, c, 4, 2, 1), nn.LeakyReLU(0.2),
        nn.Conv2d(c, 2 * c, 4, 2, 1), nn.InstanceNorm2d(2 * c), nn.LeakyReLU(0.2),
        nn.Conv2d(2 * c, 4 * c, 4, 1, 1), nn.InstanceNorm2d(4 * c), nn.LeakyReLU(0.2),
        nn.Conv2d(4 * c, 1, 4, 1, 1))


# ----------------------------------------------------------------- training
def d_update(D, opt, mse, real, fake):
    """One step of a discriminator: ((D(real) - 1)^2 + D(fake)^2) / 2."""
    opt.zero_grad()
    out_real, out_fake = D(real), D(fake)
    loss = (mse(out_real, 1.0) + mse(out_fake, 0.0)) / 2
    D.backward(mse.backward(out_real) / 2, out_real)
    D.backward(mse.backward(out_fake) / 2, out_fake)
    opt.step()
    return loss


def adversarial_grad(D, mse, fake):
    """(D(fake) - 1)^2 and its gradient with respect to ``fake`` (D's own
    parameters untouched: G needs the gradient through D, not D's)."""
    out = D(fake)
    loss = mse(out, 1.0)
    with nn.frozen(D):
        grad_fake = D.backward(mse.backward(out), out)
    return loss, grad_fake


ARCH = "cyclegan(resnet_generator(16, 3) x2, patch_discriminator(16) x2)"
#: Flags that shape training: a checkpoint made with other values is refused.
CYCLEGAN_KEYS = ("batch_size", "seed", "lambda_cycle", "identity_weight", "no_cycle", "no_identity",
               "iters")


class CycleGAN:
    """The four networks, three optimizers, two pools and the schedules of one run."""

    def __init__(self, args):
        backend.manual_seed(args.seed)
        self.G, self.F = resnet_generator(), resnet_generator()          # G: X -> Y, F: Y -> X
        self.D_X, self.D_Y = patch_discriminator(), patch_discriminator()
        adam_settings = dict(lr=args.lr, betas=(0.5, 0.999))
        self.opt_G = optim.Adam(self.G.parameters() + self.F.parameters(), **adam_settings)
        self.opt_DX = optim.Adam(self.D_X.parameters(), **adam_settings)
        self.opt_DY = optim.Adam(self.D_Y.parameters(), **adam_settings)
        half, rest = args.iters // 2, max(1, args.iters - args.iters // 2)

        def decay(i):                                         # constant, then linear to 0
            return 1.0 if i < half else max(0.0, 1 - (i - half) / rest)
        self.schedulers = [lr_scheduler.LambdaLR(o, decay)
                           for o in (self.opt_G, self.opt_DX, self.opt_DY)]
        self.pool_X, self.pool_Y = ImagePool(50), ImagePool(50)
        self.iteration, self.history = 0, History()

    def models(self):
        return {"G": self.G, "F": self.F, "D_X": self.D_X, "D_Y": self.D_Y}

    def optimizers(self):
        return {"G_F": self.opt_G, "D_X": self.opt_DX, "D_Y": self.opt_DY}

    def save(self, path, config):
        """A checkpoint of everything the next iteration depends on."""
        pools = {name: pool.state_dict() for name, pool in (("X", self.pool_X),
                                                             ("Y", self.pool_Y))}
        plumbing.save_run(path, ARCH, self.iteration, self.models(), self.optimizers(),
                          self.history, config, extra={"pools": pools})

    def resume(self, path, config, seed):
        run = plumbing.load_run(path, ARCH, config, seed, self.models(), self.optimizers())
        self.iteration, self.history = run["iteration"], run["history"]
        for name, pool in (("X", self.pool_X), ("Y", self.pool_Y)):
            pool.load_state_dict(run["extra"]["pools"][name])
        for s in self.schedulers:                             # the learning rates came back
            s.last_epoch = self.iteration                     # with the optimizers


def train(args, run, x_all, y_all, checkpoint=None):
    """Iterations run.iteration + 1 .. args.iters; ``checkpoint()`` every
    --sample-every iterations."""
    G, F, D_X, D_Y = run.G, run.F, run.D_X, run.D_Y
    mse, l1 = losses.MSELoss(), losses.L1Loss()
    w_cyc = 0.0 if args.no_cycle else args.lambda_cycle
    w_idt = 0.0 if args.no_identity else args.identity_weight * args.lambda_cycle
    f = x_all.dtype.type
    window = LossWindow({"g_gan": "generator", "cycle": "generator", "identity": "generator",
                         "d_x": "discriminator", "d_y": "discriminator"}, start=run.iteration)
    log_every = math.gcd(args.sample_every, 50)

    bar = tqdm(range(run.iteration + 1, args.iters + 1), disable=args.no_progress, unit="it",
               initial=run.iteration, total=args.iters)
    for it in bar:
        x = x_all[backend.rng().randint(0, len(x_all), args.batch_size)]   # unpaired draws
        y = y_all[backend.rng().randint(0, len(y_all), args.batch_size)]

        # ---- G and F: adversarial, cycle and identity terms
        run.opt_G.zero_grad()
        fake_y, fake_x = G(x), F(y)                       # G(x), F(y)
        g_gan_y, grad_fake_y = adversarial_grad(D_Y, mse, fake_y)
        g_gan_x, grad_fake_x = adversarial_grad(D_X, mse, fake_x)
        g_loss = g_gan_y + g_gan_x
        if w_cyc:                                         # x -> G -> F -> x and y -> F -> G -> y
            rec_x, rec_y = F(fake_y), G(fake_x)
            cyc = l1(rec_x, x) + l1(rec_y, y)
            grad_fake_y = grad_fake_y + F.backward(f(w_cyc) * l1.backward(rec_x), rec_x)
            grad_fake_x = grad_fake_x + G.backward(f(w_cyc) * l1.backward(rec_y), rec_y)
            window.add(cycle=cyc)
        G.backward(grad_fake_y, fake_y)                      # both paths into G(x), summed
        F.backward(grad_fake_x, fake_x)
        if w_idt:                                         # G(y) = y, F(x) = x
            idt_y, idt_x = G(y), F(x)
            idt = l1(idt_y, y) + l1(idt_x, x)
            G.backward(f(w_idt) * l1.backward(idt_y), idt_y)
            F.backward(f(w_idt) * l1.backward(idt_x), idt_x)
            window.add(identity=idt)
        run.opt_G.step()

        # ---- the discriminators, on real images and on the pools of fakes
        window.add(d_y=d_update(D_Y, run.opt_DY, mse, y, run.pool_Y.query(fake_y)),
                   d_x=d_update(D_X, run.opt_DX, mse, x, run.pool_X.query(fake_x)),
                   g_gan=g_loss)
        for s in run.schedulers:
            s.step()
        run.iteration = it

        if it % log_every == 0 or it == args.iters:      # one host read per log point
            row = window.row(it)                          # the means; a NaN stops the run
            run.history.append(row)
            bar.set_postfix_str(window.text(row))
            if checkpoint is not None and (it % args.sample_every == 0 or it == args.iters):
                checkpoint()
    bar.close()
    return run


def translate(net, images, batch=100):
    """net's outputs for host images (InstanceNorm: no batch statistics to mind)."""
    return numpy.concatenate([sampling.sample_images(net, backend.asarray(images[i:i + batch]))
                              for i in range(0, len(images), batch)])


# ----------------------------------------------------------------- the run
def losses_title(args):
    """Which losses trained this run, for the picture's title (the ablation's runs
    must not look alike): e.g. "cycle x10, identity x5" or "cycle x10, no identity"."""
    cycle = "no cycle" if args.no_cycle else f"cycle x{args.lambda_cycle:g}"
    identity = ("no identity" if args.no_identity
                else f"identity x{args.identity_weight * args.lambda_cycle:g}")
    return f"{args.iters} iterations: {cycle}, {identity}"


def main(argv=None):
    parser = plumbing.make_parser(__doc__, iters=1500, batch_size=8, lr=2e-4, k=None)
    parser.add_argument("--lambda-cycle", type=plumbing.nonnegative_float, default=10.0,
                        help="weight of the cycle loss")
    parser.add_argument("--no-cycle", action="store_true", help="drop the cycle loss")
    parser.add_argument("--identity-weight", type=plumbing.nonnegative_float, default=0.5,
                        help="the identity loss's weight as a share of --lambda-cycle (0.5 as "
                             "the paper's code: 5 for a cycle weight of 10)")
    parser.add_argument("--no-identity", action="store_true", help="drop the identity loss")
    parser.add_argument("--num-test", type=plumbing.positive_int, default=1000,
                        help="held-out digits per domain")
    parser.add_argument("--data-dir", default=None, help="folder holding the MNIST IDX files")
    parser.add_argument("--no-download", action="store_true",
                        help="never download; use only files already present")
    parser.sample_every_default = 250
    parser.add_argument("--sample-every", type=plumbing.positive_int, default=None,
                        help="a checkpoint every this many iterations (default: 250, or "
                             "--iters if fewer)")
    parser.add_argument("--resume", nargs="?", const="auto", default=None, metavar="CHECKPOINT",
                        help="continue from a checkpoint (default <out>/checkpoint.npz) up to "
                             "--iters; on a CPU bit for bit the uninterrupted run")
    args = parser.parse_args(argv)
    t0 = plumbing.setup(args)

    images, labels = plumbing.load_images("mnist", args.data_dir, args.no_download,
                                          args.batch_size)
    n_test = min(args.num_test, len(images) // 4)
    half = (len(images) - 2 * n_test) / len(images) / 2
    train_x, train_y, test_x, test_y = translation.split(
        len(images), (half, half, n_test / len(images), n_test / len(images)), args.seed)
    digits = translation.pad32(images)
    thick = translation.dilate(digits)                  # Y: the thick version of each digit

    # The judge names digits, thin or thick: it learns from both domains'
    # training digits, each thin and thick (training data only; the test
    # digits are unseen, and the judge plays no part in training G and F).
    print("training the judge: a digit classifier on the training digits, thin and thick")
    train_all = numpy.concatenate([train_x, train_y])
    judge_x = numpy.concatenate([images[train_all], translation.dilate(images[train_all])])
    judge_y = numpy.concatenate([labels[train_all], labels[train_all]])
    classifier, accuracy, _ = judge.fit_classifier(
        judge_x, judge_y, epochs=3, holdout=min(1000, len(judge_x) // 5), seed=args.seed,
        verbose=False)

    run = CycleGAN(args)
    config = {k: getattr(args, k) for k in CYCLEGAN_KEYS}
    path = (Path(args.out) / plumbing.CHECKPOINT if args.resume in (None, "auto")
            else Path(args.resume))
    if args.resume:
        run.resume(path, config, args.seed)
        print(f"resumed from {path} at iteration {run.iteration}")
    train(args, run, backend.to_device(digits[train_x]), backend.to_device(thick[train_y]),
          checkpoint=lambda: run.save(Path(args.out) / plumbing.CHECKPOINT, config))
    G, F, history = run.G, run.F, run.history
    x, y = digits[test_x], thick[test_y]
    x2y = translate(G, x)
    x2y2x = translate(F, x2y)
    y2x = translate(F, y)
    for name, array in (("test_x", x), ("test_x2y", x2y), ("test_x2y2x", x2y2x), ("test_y", y),
                        ("test_y2x", y2x), ("test_labels_x", labels[test_x]),
                        ("test_labels_y", labels[test_y])):
        save_npy(f"{args.out}/{name}.npy", array)
    history.to_csv(f"{args.out}/history.csv")
    viz.plot_series({k: (history["iter"], history[k]) for k in history.columns() if k != "iter"},
                    f"{args.out}/losses.png", "CycleGAN losses")

    def kept(images_, labels_):
        p = judge.predict(classifier, images_[:, :, 2:30, 2:30]).argmax(axis=1)
        return float((p == labels_).mean())
    metrics = {
        "iters": args.iters, "cycle": not args.no_cycle, "identity": not args.no_identity,
        "identity_weight": 0.0 if args.no_identity else args.identity_weight,
        "classifier_accuracy": accuracy,
        "class_kept_x_to_y": kept(x2y, labels[test_x]),
        "class_of_real_thick_digits": kept(thick[test_x], labels[test_x]),
        "ink_share_g_x": float((x2y > 0).mean()),
        "ink_share_real_y": float((y > 0).mean()),
        "ink_share_real_x": float((x > 0).mean()),
        "cycle_l1": float(numpy.abs(x2y2x - x).mean()),
        "l1_to_true_thick_x": float(numpy.abs(x2y - thick[test_x]).mean()),
        "l1_identity_mapping": float(numpy.abs(x - thick[test_x]).mean()),
        "seconds": round(time.time() - t0, 1)}
    with atomic_open(f"{args.out}/metrics.json", "w") as fh:
        json.dump(metrics, fh, indent=2)
    rows = 6
    grid = numpy.stack([x[:rows], x2y[:rows], x2y2x[:rows], y[:rows], y2x[:rows],
                        translate(G, y2x[:rows])], axis=1).reshape(-1, *x.shape[1:])
    viz.save_image_grid(grid, f"{args.out}/grid.png", nrow=6,
                        title=f"x | G(x) | F(G(x))  ||  y | F(y) | G(F(y))\n{losses_title(args)}")
    for k in ("class_kept_x_to_y", "class_of_real_thick_digits", "ink_share_g_x",
              "ink_share_real_y", "cycle_l1", "l1_to_true_thick_x", "l1_identity_mapping"):
        print(f"{k:28s} {metrics[k]:.3f}")
    print(f"done in {metrics['seconds']:.0f} s; wrote the test arrays, metrics.json and pictures "
          f"to {args.out}")
    return metrics


if __name__ == "__main__":
    plumbing.run_script(main)
