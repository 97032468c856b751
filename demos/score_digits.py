"""Score generated digits with an independent classifier, trained here with scratchgan.

A GAN's losses do not say whether its samples look like digits.  An outside
judge does: a small convnet trained on real MNIST classifies every generated
image.  Three numbers come out:

* the class histogram: a GAN that covers all of MNIST gives about 10% to each
  digit; a collapsed one piles into a few classes;
* the mean confidence, the classifier's mean max-probability: recognisable
  digits score close to what real held-out digits score, smudges lower;
* for a conditional GAN (``--labels``): the share classified as the digit that
  was asked for, overall and per digit.

The classifier (about 1 min on a CPU) is trained on the MNIST training split,
or on the 10,000-image test split when that is all there is; 2,000 images are
held out and its accuracy on them is printed.  ``--classifier PATH`` saves it
after training and loads it next time.

    python demos/score_digits.py out/mnist_mlp/samples.npy
    python demos/score_digits.py out/mnist_cgan/samples.npy --labels out/mnist_cgan/labels.npy
    python demos/score_digits.py out/fashion_dcgan/samples.npy --dataset fashion

The classifier, trained with Adam on the softmax cross-entropy (written below):

    Conv 4x4/2 (1 -> 32) -> ReLU -> Conv 4x4/2 (32 -> 64) -> ReLU
      -> Flatten -> Linear 3136 -> 128 -> ReLU -> Linear 128 -> 10 (scores s)
    p = softmax(s),  L = -(1/N) sum_i log p_i[y_i],  dL/ds = (p - onehot(y)) / N
"""
import threads                               # BLAS threads, before NumPy loads
threads.use("cores")                         # convolutions: all cores (README: Threads)

import argparse
from pathlib import Path

import numpy

from plumbing import add_threads_flag, load_images, positive_int, run_script, seed_int
from scratchgan import backend, nn, optim
from scratchgan.checkpoint import load_checkpoint, save_checkpoint
from scratchgan.data import DataError

ARCH = "digit_classifier(conv32-conv64-fc128)"
CLASSES = {"mnist": [str(d) for d in range(10)],
           "fashion": ["T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                       "Shirt", "Sneaker", "Bag", "Boot"]}


def classifier():
    return nn.Sequential(
        nn.Conv2d(1, 32, 4, 2, 1), nn.ReLU(),            # (32, 14, 14)
        nn.Conv2d(32, 64, 4, 2, 1), nn.ReLU(),           # (64, 7, 7)
        nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(),
        nn.Linear(128, 10))                              # scores (logits)


def softmax(s):
    xp = backend.get_array_module(s)
    e = xp.exp(s - s.max(axis=1, keepdims=True))         # shifted: no overflow
    return e / e.sum(axis=1, keepdims=True)


class SoftmaxCrossEntropy:
    """L = -(1/N) sum_i log softmax(s_i)[y_i], with dL/ds = (softmax(s) - onehot(y)) / N.

    Used as ``loss = ce.forward(s, y); ds = ce.backward()``: one pending forward.
    """

    def forward(self, s, y):
        xp = backend.get_array_module(s)
        self.p, self.y = softmax(s), y
        return -xp.log(self.p[xp.arange(len(y)), y] + 1e-12).mean()

    def backward(self):
        xp = backend.get_array_module(self.p)
        grad = self.p.copy()
        grad[xp.arange(len(self.y)), self.y] -= 1
        self.p = None                      # one backward per forward
        return grad / len(self.y)


def shift(x, rs, max_shift=2):
    """Random translations by up to ``max_shift`` pixels (zero-padded at -1):
    8,000 training digits go further with a little augmentation."""
    n, _, h, w = x.shape
    pad = numpy.pad(x, ((0, 0), (0, 0), (max_shift,) * 2, (max_shift,) * 2),
                    constant_values=-1.0)
    dy, dx = rs.randint(0, 2 * max_shift + 1, size=(2, n))
    out = numpy.empty_like(x)
    for i in range(n):                                   # one slice per image: cheap
        out[i] = pad[i, :, dy[i]:dy[i] + h, dx[i]:dx[i] + w]
    return out


def predict(model, x, batch=500):
    """Class probabilities (N, 10) on the host, in evaluation mode."""
    model.eval()
    with nn.no_grad():                                   # no caches: nothing to back-propagate
        probs = [backend.to_host(softmax(model(backend.asarray(x[i:i + batch]))))
                 for i in range(0, len(x), batch)]
    model.train()
    return numpy.concatenate(probs) if probs else numpy.zeros((0, 10))


def train_classifier(dataset, data_dir=None, epochs=6, batch_size=64, lr=1e-3, seed=0,
                     holdout=2000, verbose=True):
    """Train the classifier; returns (model, held-out accuracy, held-out confidence).
    A ``data_dir`` is the only folder looked in (no download); a fallback to the
    test split is said in one line."""
    images, labels = load_images(dataset, data_dir, no_download=data_dir is not None)
    return fit_classifier(images, labels, epochs, batch_size, lr, seed, holdout, verbose)


def fit_classifier(images, labels, epochs=6, batch_size=64, lr=1e-3, seed=0, holdout=2000,
                   verbose=True):
    """Train the classifier on (N, 1, 28, 28) images in [-1, 1] and their labels,
    holding out ``holdout`` of them; returns (model, held-out accuracy and confidence)."""
    rs = numpy.random.RandomState(seed)
    order = rs.permutation(len(images))
    test, train = order[:holdout], order[holdout:]
    backend.manual_seed(seed)
    model = classifier()
    opt = optim.Adam(model.parameters(), lr=lr)
    loss_fn = SoftmaxCrossEntropy()
    steps = len(train) // batch_size
    for epoch in range(epochs):
        perm = train[rs.permutation(len(train))]
        total = 0.0
        for b in range(steps):
            idx = perm[b * batch_size:(b + 1) * batch_size]
            x = backend.asarray(shift(images[idx], rs))
            y = backend.to_device(labels[idx])
            opt.zero_grad()
            scores = model(x)
            loss = loss_fn.forward(scores, y)
            model.backward(loss_fn.backward(), scores)
            opt.step()
            total += float(loss)
        if verbose:
            print(f"classifier epoch {epoch + 1}/{epochs}: loss {total / steps:.4f}")
    p = predict(model, images[test])
    accuracy = float((p.argmax(axis=1) == labels[test]).mean())
    confidence = float(p.max(axis=1).mean())
    return model, accuracy, confidence


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
    return score(predict(model, samples), labels, CLASSES[args.dataset])


if __name__ == "__main__":
    run_script(main)                    # bad input: one line and exit status 2
