"""pix2pix on MNIST: paired image-to-image translation, "close", "GAN" and "GAN + close".

Isola et al. (2017) translate an input image x into an output image with a
U-Net G, judged by a PatchGAN D that scores every patch of the pair (x, G(x)):

    L_D = BCE(D(x, y), 1) + BCE(D(x, G(x)), 0)                      (halved, as the paper)
    L_G = BCE(D(x, G(x)), 1) + lambda * |G(x) - y|_1                lambda = 100

The lecture's lesson, on one slide: trained with the "close" (L1) loss alone
the output is blurry, the average of the images the input could have come
from; with the GAN alone it is sharp but may drift from the input; with
"GAN + close" it is sharp and right.  ``--compare`` trains all three from the
same seed and draws that slide from held-out test pairs.

Tasks (``--task``), from MNIST's digits, padded to 32x32:
    tophalf   input: the top half of a digit; target: the whole digit.  Ambiguous
              (a 7 or a 9?), so L1 alone must blur
    edges     input: the strokes' outline; target: the digit

    python demos/pix2pix.py --compare                 # all three losses, ~2.5 min on 2 cores
    python demos/pix2pix.py --loss l1 --task edges

Writes into --out: test_inputs.npy, test_targets.npy, test_labels.npy,
test_outputs_<loss>.npy (1,000 held-out pairs, N x 1 x 32 x 32 in [-1, 1]),
comparison.png (with --compare) or outputs_<loss>.png, losses_<loss>.png,
history_<loss>.csv and metrics.json: per loss, the L1 distance to the target,
the blur measure (share of pixels in the mid-grey band |v| < 0.5), the ink
share (pixels brighter than mid-grey) and the class kept (a classifier
trained here on the training part of the real digits names each output's
digit).
"""
import threads                               # BLAS threads, before NumPy loads
threads.use("cores")                         # convolutions: all cores (README: Threads)

import json
import time

import numpy
from tqdm import tqdm

import plumbing                                  # the demos' shared flags and files
from scratchgan import backend, judge, losses, nn, optim, viz
from scratchgan.atomic import atomic_open, save_npy
from scratchgan.data import translation
from scratchgan.gan import History, LossWindow, sampling

LOSSES = ("l1", "gan", "gan+l1")
TITLES = {"l1": "close (L1)", "gan": "GAN", "gan+l1": "GAN + close"}
SHORT = {"l1": "L1", "gan": "GAN", "gan+l1": "GAN+L1"}


# ----------------------------------------------------------------- the networks
def unet(channels=16, dropout=0.5):
    """A 4-level U-Net for 1 x 32 x 32 images, as pix2pix's UnetGenerator:

        down: Conv 4x4/2 (+ BatchNorm), LeakyReLU(0.2) before each inner one
        up:   ReLU, ConvTranspose 4x4/2, BatchNorm (+ Dropout(0.5) in the inner
              decoder blocks: pix2pix's noise), tanh at the outermost
        skip: each inner level returns [x, up(inner(down(x)))] (``SkipConcat``)

    32 -> 16 -> 8 -> 4 -> 2 and back; channels 16, 32, 64, 64.
    """
    c1, c2, c3 = channels, 2 * channels, 4 * channels
    innermost = nn.SkipConcat(nn.Sequential(                          # 4x4 -> 2x2 -> 4x4
        nn.LeakyReLU(0.2), nn.Conv2d(c3, c3, 4, 2, 1),
        nn.ReLU(), nn.ConvTranspose2d(c3, c3, 4, 2, 1), nn.BatchNorm2d(c3)))
    level3 = nn.SkipConcat(nn.Sequential(                             # 8x8 -> 4x4 -> 8x8
        nn.LeakyReLU(0.2), nn.Conv2d(c2, c3, 4, 2, 1), nn.BatchNorm2d(c3), innermost,
        nn.ReLU(), nn.ConvTranspose2d(2 * c3, c2, 4, 2, 1), nn.BatchNorm2d(c2),
        nn.Dropout(dropout)))
    level2 = nn.SkipConcat(nn.Sequential(                             # 16x16 -> 8x8 -> 16x16
        nn.LeakyReLU(0.2), nn.Conv2d(c1, c2, 4, 2, 1), nn.BatchNorm2d(c2), level3,
        nn.ReLU(), nn.ConvTranspose2d(2 * c2, c1, 4, 2, 1), nn.BatchNorm2d(c1),
        nn.Dropout(dropout)))
    return nn.Sequential(                                             # 32x32 -> 16x16 -> 32x32
        nn.Conv2d(1, c1, 4, 2, 1), level2,
        nn.ReLU(), nn.ConvTranspose2d(2 * c1, 1, 4, 2, 1), nn.Tanh())


def patch_discriminator(channels=16):
    """PatchGAN on the pair [x, y] (2 x 32 x 32): a 6 x 6 map of logits, each
    judging one 22 x 22 patch, real or fake."""
    c1, c2, c3 = channels, 2 * channels, 4 * channels
    return nn.Sequential(
        nn.Conv2d(2, c1, 4, 2, 1), nn.LeakyReLU(0.2),                  # 16x16
        nn.Conv2d(c1, c2, 4, 2, 1), nn.BatchNorm2d(c2), nn.LeakyReLU(0.2),   # 8x8
        nn.Conv2d(c2, c3, 4, 1, 1), nn.BatchNorm2d(c3), nn.LeakyReLU(0.2),   # 7x7
        nn.Conv2d(c3, 1, 4, 1, 1))                                    # 6x6 logits


# ----------------------------------------------------------------- one variant
def train(loss, data, args):
    """Train G (and D) with ``loss`` in ("l1", "gan", "gan+l1"); returns (G, history)."""
    use_gan, use_l1 = loss in ("gan", "gan+l1"), loss in ("l1", "gan+l1")
    backend.manual_seed(args.seed)                 # every variant from the same start
    G, D = unet(), patch_discriminator()
    opt_G = optim.Adam(G.parameters(), lr=args.lr, betas=(0.5, 0.999))
    opt_D = optim.Adam(D.parameters(), lr=args.lr, betas=(0.5, 0.999))
    bce, l1 = losses.BCEWithLogitsLoss(), losses.L1Loss()
    x_all, y_all = data
    history, log_every = History(), max(1, min(50, args.iters // 20))
    window = LossWindow({"d_loss": "discriminator", "g_gan": "generator", "g_l1": "generator"})
    bar = tqdm(range(1, args.iters + 1), disable=args.no_progress, unit="it", desc=TITLES[loss])
    for it in bar:
        idx = backend.rng().randint(0, len(x_all), args.batch_size)   # drawn on the device
        x, y = x_all[idx], y_all[idx]
        fake = G(x)                                                 # G(x)

        if use_gan:                                                 # ---- D step
            opt_D.zero_grad()
            real_pair, _ = nn.concat(x, y)
            fake_pair, _ = nn.concat(x, fake)      # (no G.backward: fake is held fixed here)
            out_real, out_fake = D(real_pair), D(fake_pair)
            d_loss = bce(out_real, 1.0) + bce(out_fake, 0.0)           # logged as the sum (-V) ...
            D.backward(bce.backward(out_real) / 2, out_real)        # ... but D's objective halved (the paper)
            D.backward(bce.backward(out_fake) / 2, out_fake)
            opt_D.step()
            window.add(d_loss=d_loss)

        opt_G.zero_grad()                                           # ---- G step
        dfake = 0.0
        if use_gan:                                # BCE(D(x, G(x)), 1): through D to G(x)
            pair, split = nn.concat(x, fake)
            out = D(pair)
            window.add(g_gan=bce(out, 1.0))
            with nn.frozen(D):                     # G needs dL/dG(x), not D's gradients
                _, dfake = split(D.backward(bce.backward(out), out))
        if use_l1:                                 # lambda |G(x) - y|_1
            window.add(g_l1=l1(fake, y))
            dfake = dfake + fake.dtype.type(args.lambda_l1) * l1.backward(fake)
        G.backward(dfake, fake)
        opt_G.step()

        if it % log_every == 0 or it == args.iters:                # one host read per log
            row = window.row(it)                                    # the means; NaN stops it
            history.append(row)
            bar.set_postfix_str(window.text(row))
    bar.close()
    return G, history


def translate(G, x, batch=100):
    """G's outputs for the test inputs, as pix2pix tests: in training mode (dropout
    and the batch's statistics), with no side effect on G."""
    return numpy.concatenate([sampling.sample_images(G, backend.asarray(x[i:i + batch]))
                              for i in range(0, len(x), batch)])


def measures(outputs, targets, labels, classifier):
    """L1 to the target, the mid-grey share (blur), the ink share (strokes kept:
    pixels brighter than mid-grey), the class kept."""
    crop = outputs[:, :, 2:30, 2:30]                                  # back to 28x28
    predicted = judge.predict(classifier, crop).argmax(axis=1)
    return {"l1_to_target": float(numpy.abs(outputs - targets).mean()),
            "mid_grey_share": float((numpy.abs(outputs) < 0.5).mean()),
            "ink_share": float((outputs > 0).mean()),
            "class_kept": float((predicted == labels).mean())}


# ----------------------------------------------------------------- the run
def main(argv=None):
    parser = plumbing.make_parser(__doc__, iters=800, batch_size=32, lr=2e-4, k=None)
    parser.add_argument("--task", choices=sorted(translation.TASKS), default="tophalf",
                        help="tophalf: draw the digit from its top half; edges: from its outline")
    parser.add_argument("--loss", choices=LOSSES, default="gan+l1",
                        help="G's loss: l1 ('close'), gan, or gan+l1 (pix2pix)")
    parser.add_argument("--compare", action="store_true",
                        help="train all three losses from the same seed and draw the slide")
    parser.add_argument("--lambda-l1", type=plumbing.nonnegative_float, default=100.0,
                        help="weight of the L1 ('close') term")
    parser.add_argument("--num-test", type=plumbing.positive_int, default=1000,
                        help="held-out test pairs")
    parser.add_argument("--data-dir", default=None, help="folder holding the MNIST IDX files")
    parser.add_argument("--no-download", action="store_true",
                        help="never download; use only files already present")
    args = parser.parse_args(argv)
    t0 = plumbing.setup(args)

    images, labels = plumbing.load_images("mnist", args.data_dir, args.no_download,
                                          args.batch_size)
    train_idx, test_idx = translation.split(len(images), (1 - args.num_test / len(images),
                                                          args.num_test / len(images)), args.seed)
    inputs, targets = (translation.pad32(a) for a in translation.paired(images, args.task))
    save_npy(f"{args.out}/test_inputs.npy", inputs[test_idx])
    save_npy(f"{args.out}/test_targets.npy", targets[test_idx])
    save_npy(f"{args.out}/test_labels.npy", labels[test_idx])

    print("training the judge: a digit classifier on the training part of the real digits")
    classifier, accuracy, _ = judge.fit_classifier(
        images[train_idx], labels[train_idx], epochs=2, holdout=min(1000, len(train_idx) // 5),
        seed=args.seed, verbose=False)
    metrics = {"task": args.task, "iters": args.iters, "classifier_accuracy": accuracy,
               "real": measures(targets[test_idx], targets[test_idx], labels[test_idx],
                                classifier)}

    data = (backend.to_device(inputs[train_idx]), backend.to_device(targets[train_idx]))
    outputs = {}
    for loss in (LOSSES if args.compare else (args.loss,)):
        start = time.time()
        G, history = train(loss, data, args)
        outputs[loss] = translate(G, inputs[test_idx])
        save_npy(f"{args.out}/test_outputs_{loss}.npy", outputs[loss])
        history.to_csv(f"{args.out}/history_{loss.replace('+', '_')}.csv")
        plot_losses(history, f"{args.out}/losses_{loss.replace('+', '_')}.png", TITLES[loss])
        metrics[loss] = {**measures(outputs[loss], targets[test_idx], labels[test_idx],
                                    classifier), "seconds": round(time.time() - start, 1)}

    print(f"\n{'':14s} {'L1 to target':>12s} {'mid-grey':>9s} {'ink':>6s} {'class kept':>10s}")
    for name in ("real", *outputs):
        m = metrics[name]
        print(f"{TITLES.get(name, 'real digits'):14s} {m['l1_to_target']:12.3f} "
              f"{m['mid_grey_share']:9.3f} {m['ink_share']:6.3f} {m['class_kept']:10.1%}")
    with atomic_open(f"{args.out}/metrics.json", "w") as f:
        json.dump(metrics, f, indent=2)
    draw(inputs[test_idx], targets[test_idx], outputs, args)
    print(f"done in {time.time() - t0:.0f} s; wrote the test arrays, metrics.json and "
          f"pictures to {args.out}")
    return metrics


def plot_losses(history, path, title):
    series = {name: (history["iter"], history[name]) for name in ("d_loss", "g_gan", "g_l1")
              if any(history[name])}
    viz.plot_series(series, path, f"pix2pix, {title}: losses")


def draw(inputs, targets, outputs, args, rows=8):
    """The lecture's slide: input | each loss's output | target, one test pair per row."""
    columns = [inputs[:rows]] + [outputs[k][:rows] for k in outputs] + [targets[:rows]]
    grid = numpy.stack(columns, axis=1).reshape(-1, *inputs.shape[1:])
    names = ["input"] + [SHORT[k] for k in outputs] + ["target"]
    name = ("comparison.png" if len(outputs) > 1
            else f"outputs_{next(iter(outputs)).replace('+', '_')}.png")
    viz.save_image_grid(grid, f"{args.out}/{name}", nrow=len(columns),
                        title=f"{args.task}:  " + " | ".join(names))


if __name__ == "__main__":
    plumbing.run_script(main)
