"""Score generated digits with an independent classifier, trained here with scratchgan.

A GAN's losses do not say whether its samples look like digits.  An outside
judge does: a small convnet trained on real MNIST classifies every generated
image.  Three numbers come out:

* the class histogram: a GAN that covers all of MNIST gives about 10% to each
  digit; a collapsed one piles into a few classes;
* the mean confidence, the classifier's mean max-probability: recognisable
  digits score close to what real held-out digits score, smudges lower;
* for a conditional GAN (``--labels``): the share classified as the digit that
  was asked for, overall and per digit;
* FID and Inception Score (``metrics.frechet_distance``, ``metrics.inception_score``),
  on the judge's 128 features and its class probabilities, with real digits'
  own FID (one half of the real images against the other, the same sizes) as
  the floor.  Notebook 7 shows what they measure and what they miss.

The classifier (about 1 min on a CPU) is trained on the MNIST training split,
or on the 10,000-image test split when that is all there is; 2,000 images are
held out and its accuracy on them is printed.  ``--classifier PATH`` saves it
after training and loads it next time.

    python demos/score_digits.py out/mnist_mlp/samples.npy
    python demos/score_digits.py out/mnist_cgan/samples.npy --labels out/mnist_cgan/labels.npy
    python demos/score_digits.py out/fashion_dcgan/samples.npy --dataset fashion

The classifier is the library's judge (``scratchgan/judge.py``): two
convolutions and two linear layers, trained with Adam on the cross-entropy.
"""
import threads                               # BLAS threads, before NumPy loads
threads.use("cores")                         # convolutions: all cores (README: Threads)

import argparse
from pathlib import Path

import numpy

from plumbing import add_threads_flag, load_images, positive_int, run_script, seed_int
from scratchgan import backend, metrics
from scratchgan.checkpoint import load_checkpoint, save_checkpoint
from scratchgan.judge import ARCH, CLASSES, classifier, features, fit_classifier, predict
from scratchgan.data import DataError

def train_classifier(dataset, data_dir=None, epochs=6, batch_size=64, lr=1e-3, seed=0,
                     holdout=2000, verbose=True):
    """Train the classifier; returns (model, held-out accuracy, held-out confidence).
    A ``data_dir`` is the only folder looked in (no download); a fallback to the
    test split is said in one line."""
    images, labels = load_images(dataset, data_dir, no_download=data_dir is not None)
    return fit_classifier(images, labels, epochs, batch_size, lr, seed, holdout, verbose)


def score(probs, labels=None, names=None):
    """The numbers of the module doc, as a dict (and printed)."""
    names = names or [str(i) for i in range(10)]
    pred = probs.argmax(axis=1)
    hist = numpy.bincount(pred, minlength=10) / max(len(pred), 1)
    result = {"histogram": hist, "confidence": float(probs.max(axis=1).mean())}
    print("class histogram (share of samples classified as each class):")
    print("  " + "  ".join(f"{n}: {h:5.1%}" for n, h in zip(names, hist)))
    print(f"classes with >= 2% of the samples: {(hist >= 0.02).sum()} of 10")
    print(f"mean confidence (max probability): {result['confidence']:.3f}")
    if labels is not None:
        labels = numpy.asarray(labels).astype(numpy.int64)
        right = pred == labels
        per_class = numpy.array([right[labels == k].mean() if (labels == k).any() else numpy.nan
                                 for k in range(10)])
        result.update(accuracy=float(right.mean()), per_class=per_class)
        print(f"classified as the requested class: {right.mean():.1%}")
        print("  per requested class: " + "  ".join(
            f"{n}: {a:.0%}" for n, a in zip(names, per_class)))
    return result


def load_npy(path, what):
    """An .npy array from a file, or DataError naming the file (never pickles)."""
    try:
        return numpy.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise DataError(f"{path}: no such {what} file") from None
    except (OSError, ValueError, EOFError) as e:
        raise DataError(f"{path}: not a readable .npy {what} file ({e})") from None


def load_samples(path):
    x = load_npy(path, "samples")
    if not numpy.issubdtype(x.dtype, numpy.number):
        raise DataError(f"{path}: holds {x.dtype} values, expected images")
    if x.ndim == 3:
        x = x[:, None]
    if x.ndim != 4 or x.shape[1:] != (1, 28, 28):
        raise DataError(f"{path}: expected images of shape (N, 1, 28, 28), got {x.shape}")
    if not numpy.isfinite(x).all() or x.min() < -1.001 or x.max() > 1.001:
        raise DataError(f"{path}: values in [{x.min():.2f}, {x.max():.2f}], "
                        "expected [-1, 1] (tanh outputs)")
    return x.astype(backend.get_default_dtype(), copy=False)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("samples", nargs="?", help="samples.npy: (N, 1, 28, 28) in [-1, 1]")
    p.add_argument("--labels", help="labels.npy: the class requested for each sample (cGAN)")
    p.add_argument("--dataset", choices=("mnist", "fashion"), default="mnist")
    p.add_argument("--data-dir", default=None,
                   help="folder holding the IDX files: the only place looked, no download")
    p.add_argument("--classifier", default=None,
                   help="load the classifier from this .npz, or train it and save it there")
    p.add_argument("--epochs", type=positive_int, default=6, help="classifier epochs (default: 6)")
    p.add_argument("--seed", type=seed_int, default=0)
    p.add_argument("--device", choices=("cpu", "gpu"), default="cpu")
    add_threads_flag(p)
    args = p.parse_args(argv)
    backend.set_backend("cupy" if args.device == "gpu" else "numpy")
    samples = load_samples(args.samples) if args.samples else None   # fail early
    labels = load_npy(args.labels, "labels") if args.labels else None
    if labels is not None and samples is not None and len(labels) != len(samples):
        raise DataError(f"{args.labels}: {len(labels)} labels for {len(samples)} samples")

    arch = f"{ARCH}:{args.dataset}"
    path = Path(args.classifier) if args.classifier else None
    if path is not None and path.exists():
        model = classifier()
        info = load_checkpoint(path, models={"classifier": model}, arch=arch)
        accuracy, confidence = info["extra"]["accuracy"], info["extra"]["confidence"]
        print(f"classifier loaded from {path}")
    else:
        model, accuracy, confidence = train_classifier(args.dataset, args.data_dir,
                                                       epochs=args.epochs, seed=args.seed)
        if path is not None:
            save_checkpoint(path, models={"classifier": model}, arch=arch,
                            extra={"accuracy": accuracy, "confidence": confidence})
    print(f"classifier: {accuracy:.1%} accuracy on 2,000 held-out real images "
          f"(their mean confidence {confidence:.3f})")
    if samples is None:
        return None
    print(f"{args.samples}: {len(samples)} samples")
    probs = predict(model, samples)
    result = score(probs, labels, CLASSES[args.dataset])
    result.update(fid_and_is(model, samples, probs, args))
    return result


def fid_and_is(model, samples, probs, args):
    """FID of the samples against real images, the real-vs-real floor at the same
    size, and the Inception Score (all on the judge): printed and returned."""
    out = {}
    if len(samples) >= 10:
        out["inception_score"], out["inception_score_std"] = metrics.inception_score(probs)
        print(f"Inception Score (judge): {out['inception_score']:.2f} "
              f"+- {out['inception_score_std']:.2f} (at most 10)")
    try:
        real, _ = load_images(args.dataset, args.data_dir, no_download=args.data_dir is not None)
    except DataError as e:
        print(f"FID: skipped, no real images to compare with ({e})")
        return out
    n = min(len(samples), len(real) // 2)
    if n < 2:
        print("FID: skipped, too few samples")
        return out
    order = numpy.random.RandomState(args.seed).permutation(len(real))
    f_a = features(model, real[order[:n]])
    out["fid"] = metrics.frechet_distance(f_a, features(model, samples[:n]))
    out["fid_real_floor"] = metrics.frechet_distance(f_a, features(model, real[order[n:2 * n]]))
    print(f"FID (judge features, {n} samples against {n} real images): {out['fid']:.2f}; "
          f"real against real at the same size: {out['fid_real_floor']:.2f}")
    return out


if __name__ == "__main__":
    run_script(main)                    # bad input: one line and exit status 2
