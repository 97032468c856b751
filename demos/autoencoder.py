"""Can the generator learn by itself?  An auto-encoder, a VAE and a DCGAN on MNIST.

An auto-encoder learns a code z = E(x) and a decoder x' = Dec(z) by making x'
close to x (a pixel loss: the "close" of the lectures).  Its decoder can be
fed new codes, so it can generate; but

* a pixel loss rewards the *average* of the images it cannot tell apart, so
  what it draws is blurry;
* nothing says where the codes of digits lie, so a random code (here: drawn
  from a normal fitted to the training codes) may decode to no digit.

A variational auto-encoder (Kingma & Welling 2014) fixes the second: the
encoder gives a mean and a variance, the code is drawn from them
(reparameterisation), and a KL term pulls every code towards N(0, I), so
z ~ N(0, I) decodes to digits (``scratchgan/vae.py`` derives both gradients).
The first stays: the VAE's loss is still a pixel loss.  A GAN has no pixel
loss at all, only D's judgement.

All three as written out below: MLP encoders 784 -> 512 -> 256 -> d (the VAE's
two heads give mu and log sigma^2, ``nn.TwoHeads``), MLP decoders
d -> 256 -> 512 -> 784 with a sigmoid, the per-image binary cross-entropy as
the pixel loss, Adam(1e-3), batch 128; the DCGAN is ``models.dcgan28`` with
its usual training.

    python demos/autoencoder.py           # about 5 minutes on 2 CPU cores

Writes into --out: reconstructions.png (test digits, the AE's and the VAE's
reconstructions), samples.png (random samples of the AE, the VAE and the
DCGAN), interpolations.png (decoded codes on the line between two test
digits' codes; for the DCGAN between two z), samples_<model>.npy (1,000
each, in [-1, 1]) and metrics.json: per generator the blur measure (share of
pixels in the mid-grey band |v| < 0.5), the classes a digit classifier
finds (each with at least 2% of the samples), its mean confidence, FID
against the test digits on the classifier's features with the real digits'
own FID as the floor, and the Inception Score (notebook 7); and the training
seconds.
"""
import threads                               # BLAS threads, before NumPy loads
threads.use("cores")                         # convolutions: all cores (README: Threads)

import json
import os
import time

import numpy

import plumbing
from scratchgan import backend, judge, losses, models, nn, no_grad, optim, viz
from scratchgan.autoencoder import AutoEncoder
from scratchgan.atomic import atomic_open, save_npy
from scratchgan.data import ArraySampler
from scratchgan.distributions import MultivariateNormal
from scratchgan.metrics import frechet_distance, inception_score
from scratchgan.gan import GANTrainer, normal_noise
from scratchgan.vae import kl_backward, kl_to_standard_normal, reparameterise, \
    reparameterise_backward

PIXELS = 28 * 28


def encoder_trunk():
    return nn.Sequential(nn.Flatten(), nn.Linear(PIXELS, 512), nn.LeakyReLU(0.2),
                         nn.Linear(512, 256), nn.LeakyReLU(0.2))


def decoder(d):
    return nn.Sequential(nn.Linear(d, 256), nn.ReLU(), nn.Linear(256, 512), nn.ReLU(),
                         nn.Linear(512, PIXELS), nn.Sigmoid(), nn.Reshape(1, 28, 28))


def blur(images):
    """Share of pixels in the mid-grey band |v| < 0.5 (images in [-1, 1])."""
    return float((numpy.abs(images) < 0.5).mean())


def main(argv=None):
    p = plumbing.make_parser(__doc__.splitlines()[0], iters=5000, batch_size=128, lr=1e-3,
                             k=None, dataset=True)
    p.add_argument("--latent-dim", type=plumbing.positive_int, default=16,
                   help="size of the code z of the AE and the VAE")
    p.add_argument("--gan-iters", type=plumbing.positive_int, default=1000,
                   help="DCGAN iterations (1,000 take about as long as the AE and VAE "
                        "together on the 2-core test machine)")
    p.add_argument("--num-samples", type=plumbing.positive_int, default=1000,
                   help="samples of each generator scored and saved")
    p.add_argument("--judge-epochs", type=plumbing.positive_int, default=3,
                   help="epochs of the digit classifier that scores the samples")
    args = p.parse_args(argv)
    t0 = plumbing.setup(args)
    d, m = args.latent_dim, args.batch_size
    images, labels = plumbing.load_images(args.dataset, args.data_dir, args.no_download,
                                          args.batch_size)
    rs = numpy.random.RandomState(args.seed)
    order = rs.permutation(len(images))
    test, train = order[:min(1000, len(images) // 5)], order[min(1000, len(images) // 5):]
    x_all = backend.to_device(images[train])
    plumbing.iters_from_epochs(args, len(train))     # --epochs, if given: the AE's and the VAE's
    bce = losses.BCELoss()

    def batch():
        x = x_all[backend.rng().randint(0, len(x_all), size=m)]
        return x, (x + 1) / 2                   # the image, and its [0, 1] target for BCE

    # ---- the auto-encoder: minimise the pixel loss of Dec(E(x)) against x
    #      (scratchgan.autoencoder.AutoEncoder.train_step: z = E(x), x' = Dec(z),
    #      per-image BCE(x', x), backward through Dec then E; BAGAN uses the same class)
    enc_ae = nn.Sequential(encoder_trunk(), nn.Linear(256, d))
    dec_ae = decoder(d)
    ae = AutoEncoder(enc_ae, dec_ae)
    opt = optim.Adam(ae.parameters(), lr=args.lr)
    start = time.time()
    for it in plumbing.progress(range(args.iters), "auto-encoder", args.no_progress):
        x, _ = batch()
        loss = ae.train_step(x, opt)
    ae_seconds = time.time() - start
    print(f"auto-encoder: {args.iters} iterations in {ae_seconds:.0f} s, pixel loss "
          f"{float(loss):.1f} per image")

    # ---- the VAE: the pixel loss plus KL(q(z|x) || N(0, I)), z drawn by reparameterisation
    enc_vae = nn.TwoHeads(encoder_trunk(), nn.Linear(256, d), nn.Linear(256, d))   # mu, log sigma^2
    dec_vae = decoder(d)
    opt = optim.Adam(enc_vae.parameters() + dec_vae.parameters(), lr=args.lr)
    start = time.time()
    for it in plumbing.progress(range(args.iters), "VAE", args.no_progress):
        x, target = batch()
        opt.zero_grad()
        out = enc_vae(x)
        mu, s = out
        z, eps = reparameterise(mu, s)
        x_rec = dec_vae(z)
        recon = bce(x_rec, target) * PIXELS
        kl = kl_to_standard_normal(mu, s)
        dz = dec_vae.backward(bce.backward(x_rec) * PIXELS, x_rec)
        dmu, ds = reparameterise_backward(dz, s, eps)
        kmu, ks = kl_backward(mu, s)
        enc_vae.backward((dmu + kmu, ds + ks), out)
        opt.step()
    vae_seconds = time.time() - start
    print(f"VAE: {args.iters} iterations in {vae_seconds:.0f} s, pixel loss {float(recon):.1f} "
          f"+ KL {float(kl):.1f} per image")

    # ---- the DCGAN, for comparison
    start = time.time()
    G, D = models.dcgan28(latent_dim=100)
    trainer = GANTrainer(G, D, optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999)),
                         optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999)),
                         ArraySampler(x_all), normal_noise(100), batch_size=64, monitor=None)
    trainer.train(args.gan_iters, log_every=100, progress=not args.no_progress)
    gan_seconds = time.time() - start
    print(f"DCGAN: {args.gan_iters} iterations in {gan_seconds:.0f} s")

    # ---- generate: random codes for each
    n = args.num_samples
    draw = numpy.random.RandomState(args.seed + 1)
    x_test = backend.to_device(images[test])
    with no_grad():
        codes = backend.to_host(ae.encode(x_all[:5000]))
        fitted = MultivariateNormal.fit(codes)              # where the AE's codes lie
        samples = {
            "autoencoder": backend.to_host(ae.decode(backend.to_device(fitted.sample(n, draw)))),
            "vae": 2 * backend.to_host(dec_vae(backend.to_device(
                draw.standard_normal((n, d)).astype(numpy.float32)))) - 1,
            "dcgan": trainer.generate(n)}
        rec_ae = 2 * backend.to_host(dec_ae(enc_ae(x_test[:10]))) - 1
        mu_test, _ = enc_vae(x_test[:10])
        rec_vae = 2 * backend.to_host(dec_vae(mu_test)) - 1
        interp = interpolations(images[test], labels[test], enc_ae, dec_ae, enc_vae, dec_vae, G,
                                draw)
    for name, x in samples.items():
        save_npy(os.path.join(args.out, f"samples_{name}.npy"), x.astype(numpy.float32))

    # ---- measure: blur and the classes a digit classifier finds
    print("training the judge: a digit classifier on the training digits")
    judge_net, accuracy, _ = judge.fit_classifier(images[train], labels[train],
                                                     epochs=args.judge_epochs, seed=args.seed,
                                                     holdout=min(1000, len(train) // 5),
                                                     verbose=False)
    metrics = {"judge_accuracy": accuracy, "real": {"blur": blur(images[test])},
               "seconds": {"autoencoder": round(ae_seconds, 1), "vae": round(vae_seconds, 1),
                           "dcgan": round(gan_seconds, 1)},
               "iters": {"autoencoder": args.iters, "vae": args.iters, "dcgan": args.gan_iters}}
    # FID against the test digits, on the judge's features (notebook 7), and the
    # Inception Score; real digits' own FID (training digits, the same number) is the floor
    f_test = judge.features(judge_net, images[test])
    m_real = min(len(train), len(test))
    metrics["real"]["fid"] = frechet_distance(f_test, judge.features(judge_net, images[train][:m_real]))
    for name, x in samples.items():
        probs = judge.predict(judge_net, x)
        share = numpy.bincount(probs.argmax(axis=1), minlength=10) / len(x)
        metrics[name] = {"blur": blur(x), "classes": int((share >= 0.02).sum()),
                         "confidence": float(probs.max(axis=1).mean()),
                         "fid": frechet_distance(f_test, judge.features(judge_net, x[:len(test)])),
                         "inception_score": inception_score(probs)[0]}
    with atomic_open(os.path.join(args.out, "metrics.json"), "w") as fh:
        json.dump(metrics, fh, indent=2)

    # ---- pictures
    viz.save_image_grid(numpy.concatenate([images[test][:10], rec_ae, rec_vae]),
                        os.path.join(args.out, "reconstructions.png"), nrow=10,
                        title="test digits | auto-encoder | VAE",
                        row_labels=["real", "AE", "VAE"])
    viz.save_image_grid(numpy.concatenate([samples[k][:10] for k in ("autoencoder", "vae", "dcgan")]),
                        os.path.join(args.out, "samples.png"), nrow=10,
                        title="random samples: AE (codes from a fitted normal) | VAE | DCGAN",
                        row_labels=["AE", "VAE", "DCGAN"])
    viz.save_image_grid(interp, os.path.join(args.out, "interpolations.png"), nrow=10,
                        title="between two test digits' codes (DCGAN: two z)",
                        row_labels=["AE", "VAE", "DCGAN"])
    print(f"{'':12s} {'blur':>6s} {'classes':>8s} {'confidence':>11s} {'FID':>7s} {'IS':>5s}")
    print(f"{'real':12s} {metrics['real']['blur']:6.3f} {'':8s} {'':11s} {metrics['real']['fid']:7.2f}")
    for name in samples:
        r = metrics[name]
        print(f"{name:12s} {r['blur']:6.3f} {r['classes']:8d} {r['confidence']:11.2f} "
              f"{r['fid']:7.2f} {r['inception_score']:5.2f}")
    print(f"done in {time.time() - t0:.0f} s; wrote reconstructions.png, samples.png, "
          f"interpolations.png, samples_*.npy and metrics.json to {args.out}")
    return metrics


def interpolations(images, labels, enc_ae, dec_ae, enc_vae, dec_vae, G, draw, steps=10):
    """Rows of ``steps`` images on the straight line between two codes."""
    a = int(numpy.flatnonzero(labels == labels[0])[0])
    b = int(numpy.flatnonzero(labels != labels[0])[0])          # a digit of another class
    pair = backend.to_device(images[[a, b]])
    t = numpy.linspace(0, 1, steps, dtype=numpy.float32)[:, None]
    rows = []
    for code, dec in ((enc_ae(pair), dec_ae), (enc_vae(pair)[0], dec_vae)):
        c = backend.to_host(code)
        line = (1 - t) * c[0] + t * c[1]
        rows.append(2 * backend.to_host(dec(backend.to_device(line))) - 1)
    z = draw.standard_normal((2, 100)).astype(numpy.float32)
    G.eval()
    rows.append(backend.to_host(G(backend.to_device((1 - t) * z[0] + t * z[1]))))
    G.train()
    return numpy.concatenate(rows)


if __name__ == "__main__":
    plumbing.run_script(main)
