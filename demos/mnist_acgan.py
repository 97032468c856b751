"""ACGAN on MNIST (Odena et al. 2017): a discriminator that also names the digit.

PyTorch-GAN's acgan.py, written out in scratchgan top to bottom; each block
carries the line of the lecture's PyTorch code it replaces.

G(z, c) gets the label as a learned vector multiplied into the noise,
emb(c) * z.  D has one trunk and two heads (``nn.TwoHeads``): P(real) and
the class logits.  Both players also minimise the cross-entropy of the class
head, on real digits (D) and on G's digits with the class G was asked for
(D and G), so G is paid for digits whose class D can read:

    L_G = 1/2 [BCE(D_adv(G(z, c)), 1) + CE(D_cls(G(z, c)), c)]
    L_D = 1/2 { 1/2 [BCE(D_adv(x), 1) + CE(D_cls(x), y)]
              + 1/2 [BCE(D_adv(G(z, c)), 0) + CE(D_cls(G(z, c)), c)] }

Differences from acgan.py, each on purpose: the class head ends in raw logits
given to CrossEntropyLoss (acgan.py puts a Softmax before CrossEntropyLoss,
which applies log-softmax again: a double softmax that flattens the class
gradient); images are 28x28, not resized to 32 (the trunk then ends at 2x2,
as acgan.py's at 32).  BatchNorm2d(n, 0.8) is kept: in acgan.py the 0.8 is
eps, not momentum (the second positional argument), and we port it as is.
The order is acgan.py's: G's step first, then D's on the same G(z, c).

    python demos/mnist_acgan.py                  # 6,000 iterations, about 55 min on 2 CPU cores
    python demos/mnist_acgan.py --iters 3000     # half the time: 88.6% instead of 95.4%

Writes into --out: samples.npy (1,000 samples of each digit, 28x28, in
[-1, 1]) and labels.npy (the digit asked for each), grid.png (one row per
digit, the same z in each column), images/<iteration>.png, history.csv and
losses.png (losses; the class head's accuracy on held-out real digits and on
G's digits, per log point), metrics.json and checkpoint.npz (both players and
their optimizers, for scratchgan.checkpoint.load_checkpoint).  Score the samples with

    python demos/score_digits.py out/mnist_acgan/samples.npy --labels out/mnist_acgan/labels.npy
"""
import threads                               # BLAS threads, before NumPy loads
threads.use("cores")                         # convolutions: all cores (README: Threads)

import json
import os
import time

import numpy
from tqdm import tqdm

import plumbing
from scratchgan import backend, losses, nn, no_grad, optim, viz
from scratchgan.atomic import atomic_open, save_npy
from scratchgan.checkpoint import save_checkpoint
from scratchgan.gan import History

N_CLASSES = 10


def generator_net(latent_dim, channels=1):
    """G(z, c): label_emb(c) * z -> Linear -> (128, 7, 7) -> 2 x (Upsample, Conv, BN, LReLU) -> Conv, Tanh."""
    label_emb = nn.Embedding(N_CLASSES, latent_dim)                  # self.label_emb = nn.Embedding(n_classes, latent_dim)
    mul = nn.Multiply()                                              # gen_input = torch.mul(self.label_emb(labels), noise)
    body = nn.Sequential(
        nn.Linear(latent_dim, 128 * 7 * 7), nn.Reshape(128, 7, 7),   # self.l1; out.view(out.shape[0], 128, init_size, init_size)
        nn.BatchNorm2d(128),                                         # self.conv_blocks = nn.Sequential(nn.BatchNorm2d(128),
        nn.Upsample(scale_factor=2),                                 #   nn.Upsample(scale_factor=2),
        nn.Conv2d(128, 128, 3, stride=1, padding=1),                 #   nn.Conv2d(128, 128, 3, stride=1, padding=1),
        nn.BatchNorm2d(128, 0.8), nn.LeakyReLU(0.2),                 #   nn.BatchNorm2d(128, 0.8), nn.LeakyReLU(0.2, inplace=True),
        nn.Upsample(scale_factor=2),                                 #   nn.Upsample(scale_factor=2),
        nn.Conv2d(128, 64, 3, stride=1, padding=1),                  #   nn.Conv2d(128, 64, 3, stride=1, padding=1),
        nn.BatchNorm2d(64, 0.8), nn.LeakyReLU(0.2),                  #   nn.BatchNorm2d(64, 0.8), nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(64, channels, 3, stride=1, padding=1), nn.Tanh())  #   nn.Conv2d(64, channels, 3, stride=1, padding=1), nn.Tanh())
    return label_emb, mul, body


def discriminator_net(channels=1):
    """D(x) -> (P(real), class logits): 4 stride-2 conv blocks, then two heads."""
    def block(in_filters, out_filters, bn=True):                     # def discriminator_block(in_filters, out_filters, bn=True):
        layers = [nn.Conv2d(in_filters, out_filters, 3, 2, 1),       #     block = [nn.Conv2d(in_filters, out_filters, 3, 2, 1),
                  nn.LeakyReLU(0.2), nn.Dropout2d(0.25)]             #              nn.LeakyReLU(0.2, inplace=True), nn.Dropout2d(0.25)]
        if bn:
            layers.append(nn.BatchNorm2d(out_filters, 0.8))          #     if bn: block.append(nn.BatchNorm2d(out_filters, 0.8))
        return layers
    trunk = nn.Sequential(*block(channels, 16, bn=False), *block(16, 32),   # 28 -> 14 -> 7 -> 4 -> 2
                          *block(32, 64), *block(64, 128), nn.Flatten())   # out.view(out.shape[0], -1)
    adv_head = nn.Sequential(nn.Linear(128 * 2 * 2, 1), nn.Sigmoid())       # self.adv_layer
    cls_head = nn.Linear(128 * 2 * 2, N_CLASSES)                            # self.aux_layer (logits: see the docstring)
    return nn.TwoHeads(trunk, adv_head, cls_head)


def weights_init_normal(module):
    """acgan.py's init: conv weights N(0, 0.02); BatchNorm2d gamma N(1, 0.02), beta 0."""
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            m.weight.data[...] = backend.randn(*m.weight.shape) * 0.02
        elif isinstance(m, nn.BatchNorm2d):
            m.weight.data[...] = 1 + backend.randn(*m.weight.shape) * 0.02
            m.bias.data[...] = 0


def main(argv=None):
    parser = plumbing.make_parser(__doc__.splitlines()[0], iters=6000, batch_size=64, lr=2e-4,
                                  k=None, dataset=True)
    parser.add_argument("--beta1", type=plumbing.fraction, default=0.5, help="Adam's beta1")
    parser.add_argument("--beta2", type=plumbing.fraction, default=0.999, help="Adam's beta2")
    parser.add_argument("--latent-dim", type=plumbing.positive_int, default=100,
                        help="dimension of z")
    parser.add_argument("--sample-every", type=plumbing.positive_int, default=500,
                        help="a 10x10 grid of samples every this many iterations")
    parser.add_argument("--log-every", type=plumbing.positive_int, default=100,
                        help="losses and the class head's accuracies every this many iterations")
    parser.add_argument("--num-samples", type=plumbing.positive_int, default=1000,
                        help="samples of each digit in samples.npy")
    parser.add_argument("--held-out", type=plumbing.positive_int, default=1000,
                        help="real digits kept out of training, to score the class head")
    args = parser.parse_args(argv)
    t0 = plumbing.setup(args)

    images, labels = plumbing.load_images(args.dataset, args.data_dir, args.no_download,
                                          args.batch_size)
    rs = numpy.random.RandomState(args.seed)
    order = rs.permutation(len(images))                      # a held-out part the class head never trains on
    held = order[:args.held_out]
    train = order[args.held_out:]
    x_held, y_held = backend.to_device(images[held]), backend.to_device(labels[held])
    x_train, y_train = backend.to_device(images[train]), backend.to_device(labels[train])
    plumbing.iters_from_epochs(args, len(train))             # --epochs, if given

    label_emb, mul, gen_body = generator_net(args.latent_dim)
    discriminator = discriminator_net()
    for net in (gen_body, discriminator):
        weights_init_normal(net)                             # generator.apply(weights_init_normal), ...
    g_params = label_emb.parameters() + gen_body.parameters()
    adversarial_loss = losses.BCELoss()                      # adversarial_loss = torch.nn.BCELoss()
    auxiliary_loss = losses.CrossEntropyLoss()               # auxiliary_loss = torch.nn.CrossEntropyLoss()
    betas = (args.beta1, args.beta2)
    optimizer_G = optim.Adam(g_params, lr=args.lr, betas=betas)
    optimizer_D = optim.Adam(discriminator.parameters(), lr=args.lr, betas=betas)

    def generator(z, c):
        """G(z, c) and what its backward needs."""
        e = label_emb(c)
        g_in = mul(e, z)
        return gen_body(g_in), (e, g_in)

    def generator_backward(d_img, img, saved):
        e, g_in = saved
        de, _ = mul.backward(gen_body.backward(d_img, img), g_in)     # z needs no gradient
        label_emb.backward(de, e)

    fixed_z = backend.randn(10, args.latent_dim)             # one "style" per column of the grids
    fixed_z = backend.get_xp().tile(fixed_z, (N_CLASSES, 1))
    fixed_c = backend.get_xp().repeat(backend.get_xp().arange(N_CLASSES), 10)
    history = History()
    m = args.batch_size
    draw = backend.rng()

    def head_accuracy(x, c):
        """Share of x whose class D's class head names as c (eval mode: no dropout)."""
        discriminator.eval()
        with no_grad():
            correct = 0.0
            for s in range(0, len(x), 500):
                _, logits = discriminator(x[s:s + 500])
                correct = correct + (logits.argmax(axis=1) == c[s:s + 500]).sum()
        discriminator.train()
        return float(correct) / len(x)

    bar = tqdm(range(1, args.iters + 1), disable=args.no_progress, unit="it")
    for i in bar:
        idx = draw.randint(0, len(x_train), size=m)          # for i, (imgs, labels) in enumerate(dataloader):
        real_imgs, real_labels = x_train[idx], y_train[idx]

        # ---- Train Generator
        optimizer_G.zero_grad()                              # optimizer_G.zero_grad()
        z = backend.randn(m, args.latent_dim)                # z = Variable(FloatTensor(np.random.normal(0, 1, ...)))
        gen_labels = draw.randint(0, N_CLASSES, size=m)      # gen_labels = Variable(LongTensor(np.random.randint(0, n_classes, batch_size)))
        gen_imgs, saved = generator(z, gen_labels)           # gen_imgs = generator(z, gen_labels)
        out = discriminator(gen_imgs)                        # validity, pred_label = discriminator(gen_imgs)
        validity, pred_label = out
        g_loss = 0.5 * (adversarial_loss(validity, 1.0)      # g_loss = 0.5 * (adversarial_loss(validity, valid)
                        + auxiliary_loss(pred_label, gen_labels))   #  + auxiliary_loss(pred_label, gen_labels))
        with nn.frozen(discriminator):                       # g_loss.backward(), right to left; D's own gradients
            grad_gen_imgs = discriminator.backward((adversarial_loss.backward(validity) * 0.5,   # are not needed here
                                            auxiliary_loss.backward(pred_label) * 0.5), out)
        generator_backward(grad_gen_imgs, gen_imgs, saved)
        optimizer_G.step()                                   # optimizer_G.step()

        # ---- Train Discriminator
        optimizer_D.zero_grad()                              # optimizer_D.zero_grad()
        out_real = discriminator(real_imgs)                  # real_pred, real_aux = discriminator(real_imgs)
        real_pred, real_aux = out_real
        d_real_loss = (adversarial_loss(real_pred, 1.0) + auxiliary_loss(real_aux, real_labels)) / 2
        out_fake = discriminator(gen_imgs)                   # fake_pred, fake_aux = discriminator(gen_imgs.detach())
        fake_pred, fake_aux = out_fake                       #   (detach: we never call G's backward for it)
        d_fake_loss = (adversarial_loss(fake_pred, 0.0) + auxiliary_loss(fake_aux, gen_labels)) / 2
        d_loss = d_real_loss + d_fake_loss                   # d_loss = (d_real_loss + d_fake_loss) / 2
        #   (logged as the sum, the meaning of d_loss everywhere here; the gradient is acgan.py's:)
        for o, pred, aux in ((out_real, real_pred, real_aux), (out_fake, fake_pred, fake_aux)):
            discriminator.backward((adversarial_loss.backward(pred) * 0.25,         # d_loss.backward():
                                    auxiliary_loss.backward(aux) * 0.25), o,        # each term has weight 1/4
                                   input_grad=False)
        optimizer_D.step()                                   # optimizer_D.step()

        if i % args.log_every == 0 or i == args.iters:
            gt = backend.get_xp().concatenate([real_labels, gen_labels])        # d_acc = np.mean(np.argmax(pred, axis=1) == gt)
            d_acc = (backend.get_xp().concatenate([real_aux, fake_aux]).argmax(axis=1) == gt).mean()
            row = {"iter": i, "d_loss": float(d_loss), "g_loss": float(g_loss),
                   "d_acc_batch": float(d_acc), "cls_acc_real_heldout": head_accuracy(x_held, y_held),
                   "cls_acc_generated": float((fake_aux.argmax(axis=1) == gen_labels).mean())}
            history.append(row)
            if not numpy.isfinite(row["d_loss"]) or not numpy.isfinite(row["g_loss"]):
                bad = "discriminator" if not numpy.isfinite(row["d_loss"]) else "generator"
                raise plumbing.TrainingDiverged(i, bad, None, row[bad[0] + "_loss"],
                                                hint="lower --lr")
            bar.set_postfix_str(f"D {row['d_loss']:.3f}  G {row['g_loss']:.3f}  "
                                f"acc real {row['cls_acc_real_heldout']:.1%}")
        if i % args.sample_every == 0 or i == args.iters:   # sample_image(n_row=10, batches_done)
            with no_grad():
                grid, _ = generator(fixed_z, fixed_c)
            viz.save_image_grid(grid, os.path.join(args.out, "images", f"{i}.png"), nrow=10,
                                title=f"iteration {i}", row_labels=[str(d) for d in range(10)])

    # ---- The trained players, saved before drawing (drawing in training mode
    #      moves BatchNorm's running statistics)
    save_checkpoint(os.path.join(args.out, "checkpoint.npz"), iteration=args.iters,
                    models={"label_emb": label_emb, "G": gen_body, "D": discriminator},
                    optimizers={"G": optimizer_G, "D": optimizer_D},
                    arch=f"acgan_mnist(latent_dim={args.latent_dim})")

    # ---- The final G: samples of every digit, and the numbers
    with no_grad():
        grid, _ = generator(fixed_z, fixed_c)
        viz.save_image_grid(grid, os.path.join(args.out, "grid.png"), nrow=10,
                            title=f"ACGAN, {args.iters} iterations: row = digit asked for",
                            row_labels=[str(d) for d in range(10)])
        # Every batch mixes the ten digits, as the training batches did: G's
        # BatchNorm normalises with the statistics of the batch it is given, and
        # a batch of one digit would have what makes it that digit normalised away.
        asked = numpy.arange(N_CLASSES * args.num_samples) % N_CLASSES
        samples = []
        for s in range(0, len(asked), m):
            c = backend.to_device(asked[s:s + m])
            img, _ = generator(backend.randn(len(c), args.latent_dim), c)
            samples.append(backend.to_host(img))
    samples = numpy.concatenate(samples).astype(numpy.float32)
    save_npy(os.path.join(args.out, "samples.npy"), samples)
    save_npy(os.path.join(args.out, "labels.npy"), asked.astype(numpy.int64))
    history.to_csv(os.path.join(args.out, "history.csv"))
    viz.plot_series({k: (history["iter"], history[k]) for k in history.columns() if k != "iter"},
                    os.path.join(args.out, "losses.png"), "ACGAN: losses and the class head's accuracy")
    last = history[-1]
    metrics = {"iters": args.iters, "batch_size": m, "seed": args.seed,
               "cls_acc_real_heldout": last["cls_acc_real_heldout"],
               "cls_acc_generated": last["cls_acc_generated"],
               "seconds": round(time.time() - t0, 1)}
    with atomic_open(os.path.join(args.out, "metrics.json"), "w") as fh:
        json.dump(metrics, fh, indent=2)
    print(f"class head: {metrics['cls_acc_real_heldout']:.1%} on held-out real digits, "
          f"{metrics['cls_acc_generated']:.1%} on G's digits; done in {metrics['seconds']:.0f} s; "
          f"wrote samples.npy, labels.npy, grid.png, losses.png, metrics.json and checkpoint.npz "
          f"to {args.out}")
    return metrics


if __name__ == "__main__":
    plumbing.run_script(main)
