"""The lecture's MNIST GAN (PyTorch-GAN's gan.py), written out in scratchgan, top to bottom.

Each block carries, as a comment, the line of the lecture's PyTorch code it
replaces.  The one real difference: there is no autograd graph, so where
PyTorch says ``loss.backward()`` we call each network's backward ourselves,
right to left as the chain rule says, naming the forward each gradient
belongs to.  ``GANTrainer`` (demos/mnist_mlp.py) is this loop plus options.

The order of the two steps is a choice.  Algorithm 1 (the default here, and
GANTrainer's) updates D first, on fresh samples of G, then G.  PyTorch-GAN's
gan.py updates G first and lets D judge the very images G was just trained
on (``--order pytorch-gan``).  It matters: at 20,000 iterations the
pytorch-gan order covered 7 and 6 of the 10 digits (seeds 0 and 1), Algorithm
1's order 9 and 8 (demos/score_digits.py; see the README).

    python demos/gan_loop.py --iters 20000 --data-dir DIR     # DIR: MNIST's .gz files, or omit to download
"""
import threads                               # BLAS threads, before NumPy loads
threads.use(1)                               # small networks: 1 thread (README: Threads)

import argparse
import os

import numpy
from tqdm import tqdm

from plumbing import (FlagError, OutputError, add_threads_flag, folder, fraction, load_images,
                      nonnegative_int, positive_float, positive_int, prepare_out, seed_int)
from scratchgan import backend, losses, nn, no_grad, optim, viz
from scratchgan.atomic import save_npy
from scratchgan.data import DataError

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument("--iters", type=positive_int, default=20000, help="training iterations (minibatches)")
p.add_argument("--batch-size", type=positive_int, default=64)
p.add_argument("--lr", type=positive_float, default=0.0002)
p.add_argument("--beta1", type=fraction, default=0.5)
p.add_argument("--beta2", type=fraction, default=0.999)
p.add_argument("--latent-dim", type=positive_int, default=100)
p.add_argument("--order", choices=("algorithm1", "pytorch-gan"), default="algorithm1",
               help="D step then G step (Algorithm 1), or G step first (PyTorch-GAN's gan.py)")
p.add_argument("--k", type=positive_int, default=1,
               help="D steps per G step (Algorithm 1's k; gan.py's order has k = 1)")
p.add_argument("--sample-every", type=positive_int, default=1000, help="iterations between grids")
p.add_argument("--num-samples", type=nonnegative_int, default=10000, help="images in samples.npy")
p.add_argument("--data-dir", default=None, help="where the MNIST .gz files are")
p.add_argument("--no-download", action="store_true")
p.add_argument("--out", type=folder, default=os.path.join("out", "gan_loop"))
p.add_argument("--force", action="store_true", help="move an earlier run in --out aside")
p.add_argument("--seed", type=seed_int, default=0)
p.add_argument("--no-progress", action="store_true")
add_threads_flag(p)
args = p.parse_args()
if args.order == "pytorch-gan" and args.k != 1:
    p.error("argument --k: PyTorch-GAN's order (--order pytorch-gan) takes one D step per G step")
try:
    prepare_out(args.out, force=args.force)          # never overwrite an earlier run
except OutputError as e:
    p.error(str(e))
backend.manual_seed(args.seed)


def block(in_feat, out_feat, normalize=True):                     # def block(in_feat, out_feat, normalize=True):
    layers = [nn.Linear(in_feat, out_feat)]                        #     layers = [nn.Linear(in_feat, out_feat)]
    if normalize:                                                  #     if normalize:
        layers.append(nn.BatchNorm1d(out_feat, 0.8))               #         layers.append(nn.BatchNorm1d(out_feat, 0.8))
    layers.append(nn.LeakyReLU(0.2))                               #     layers.append(nn.LeakyReLU(0.2, inplace=True))
    return layers


generator = nn.Sequential(                                         # self.model = nn.Sequential(
    *block(args.latent_dim, 128, normalize=False), *block(128, 256), *block(256, 512),
    *block(512, 1024), nn.Linear(1024, 28 * 28), nn.Tanh(),       #     ..., nn.Linear(1024, int(np.prod(img_shape))), nn.Tanh())
    nn.Reshape(1, 28, 28))                                         # img = img.view(img.size(0), *img_shape)
discriminator = nn.Sequential(                                     # img_flat = img.view(img.size(0), -1)
    nn.Flatten(), nn.Linear(28 * 28, 512), nn.LeakyReLU(0.2),
    nn.Linear(512, 256), nn.LeakyReLU(0.2), nn.Linear(256, 1), nn.Sigmoid())
adversarial_loss = losses.BCELoss()                                # adversarial_loss = torch.nn.BCELoss()
betas = (args.beta1, args.beta2)
optimizer_G = optim.Adam(generator.parameters(), lr=args.lr, betas=betas)      # torch.optim.Adam(...)
optimizer_D = optim.Adam(discriminator.parameters(), lr=args.lr, betas=betas)

try:                                                               # dataloader = DataLoader(datasets.MNIST(...),
    images, _ = load_images("mnist", args.data_dir, args.no_download,   # shuffle=True), in [-1, 1]
                            args.batch_size)
except (DataError, FlagError) as e:
    p.error(str(e))
rs = numpy.random.RandomState(args.seed)                           # the order of the passes
fixed_z = backend.randn(25, args.latent_dim)


def train_generator(m):
    """G's step; returns g_loss and the images G made."""
    optimizer_G.zero_grad()                                        # optimizer_G.zero_grad()
    z = backend.randn(m, args.latent_dim)                          # z = Variable(Tensor(np.random.normal(0, 1, ...)))
    gen_imgs = generator(z)                                        # gen_imgs = generator(z)
    validity = discriminator(gen_imgs)                             # g_loss = adversarial_loss(discriminator(gen_imgs), valid)
    g_loss = adversarial_loss(validity, 1.0)
    grad_validity = adversarial_loss.backward(validity)            # g_loss.backward(), right to left:
    grad_gen_imgs = discriminator.backward(grad_validity, validity)   # (also adds into D's grads, as PyTorch does)
    generator.backward(grad_gen_imgs, gen_imgs)
    optimizer_G.step()                                             # optimizer_G.step()
    return g_loss, gen_imgs


def train_discriminator(real_imgs, gen_imgs):
    """D's step on real images and G's images; returns d_loss."""
    optimizer_D.zero_grad()                                        # optimizer_D.zero_grad()
    out_real = discriminator(real_imgs)                            # real_loss = adversarial_loss(discriminator(real_imgs), valid)
    real_loss = adversarial_loss(out_real, 1.0)
    out_fake = discriminator(gen_imgs)                             # fake_loss = adversarial_loss(discriminator(gen_imgs.detach()), fake)
    fake_loss = adversarial_loss(out_fake, 0.0)                    #   (detach: we simply never call generator.backward)
    d_loss = real_loss + fake_loss                                 # d_loss = (real_loss + fake_loss) / 2
    # We log the sum, -V(D, G), as the engine does (d_loss means that everywhere
    # here); gan.py halves it, so its gradient is halved, as gan.py's backward:
    discriminator.backward(adversarial_loss.backward(out_real) / 2, out_real)    # d_loss.backward()
    discriminator.backward(adversarial_loss.backward(out_fake) / 2, out_fake)
    optimizer_D.step()                                             # optimizer_D.step()
    return d_loss


m = args.batch_size


def real_batches():
    """Minibatches of m real images: shuffled passes over the data, forever
    (a pass ends when fewer than m images are left)."""
    while True:                                                    # for epoch in range(opt.n_epochs):
        order = rs.permutation(len(images))
        for at in range(0, len(images) - m + 1, m):                #     for i, (imgs, _) in enumerate(dataloader):
            yield backend.asarray(images[order[at:at + m]])


real = real_batches()
bar = tqdm(range(1, args.iters + 1), disable=args.no_progress, unit="it")
for i in bar:
    if args.order == "pytorch-gan":                                # gan.py: G first, then D judges the
        g_loss, gen_imgs = train_generator(m)                      #   images G was just trained on
        d_loss = train_discriminator(next(real), gen_imgs)
    else:                                                          # Algorithm 1:
        for _ in range(args.k):                                    #   for k steps do
            with no_grad():                                        #     sample m noise samples; G is fixed
                gen_imgs = generator(backend.randn(m, args.latent_dim))   # (no cache needed)
            d_loss = train_discriminator(next(real), gen_imgs)     #     m real examples; ascend D
        g_loss, _ = train_generator(m)                             #   then one G step against the updated D

    if i % 200 == 0 or i == 1:                                     # print("[Epoch %d/%d] [Batch %d/%d] [D loss: %f] [G loss: %f]" ...)
        bar.set_postfix_str(f"D loss {float(d_loss):.3f}  G loss {float(g_loss):.3f}")
    if i % args.sample_every == 0 or i == args.iters:              # if batches_done % opt.sample_interval == 0:
        tqdm.write(f"[Batch {i}/{args.iters}] [D loss: {float(d_loss):f}] [G loss: {float(g_loss):f}]")
        with no_grad():                                            #     save_image(gen_imgs.data[:25], "images/%d.png" % batches_done, nrow=5)
            viz.save_image_grid(generator(fixed_z), os.path.join(args.out, "images", f"{i}.png"), nrow=5,
                                title=f"iteration {i}")

with no_grad():                                                    # 10,000 samples of the final G, as the other demos write
    samples = numpy.concatenate([backend.to_host(generator(backend.randn(500, args.latent_dim)))
                                 for _ in range(0, args.num_samples, 500)])[:args.num_samples]
save_npy(os.path.join(args.out, "samples.npy"), samples.astype(numpy.float32))
print(f"wrote samples.npy ({len(samples)} images) and images/ to {args.out}")
