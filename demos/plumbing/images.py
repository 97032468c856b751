"""The image demos' data: MNIST or Fashion-MNIST on the host, epochs as
iterations, one-hot labels, and the fixed noise of the pictures."""
import math
import warnings

import numpy

from scratchgan import backend
from scratchgan.data import load_dataset
from scratchgan.data.mnist import TestSplitFallback

from .errors import FlagError


# ------------------------------------------------------------- image demos
def load_images(dataset, data_dir=None, no_download=False, batch_size=None):
    """The training split of MNIST ("mnist") or Fashion-MNIST ("fashion") on the
    host.  A --data-dir given is the only place looked; falling back to the test
    split is said in one plain line, not a warning's echo.  A ``batch_size``
    larger than the data set is refused (``FlagError``)."""
    name = {"mnist": "mnist", "fashion": "fashion-mnist"}[dataset]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", TestSplitFallback)
        images, labels = load_dataset(name, "train", data_dir=data_dir,
                                      download=not no_download,
                                      only_data_dir=data_dir is not None)
    for w in caught:
        if issubclass(w.category, TestSplitFallback):
            print(f"note: {w.message}")
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if batch_size is not None and batch_size > len(images):
        raise FlagError(f"--batch-size {batch_size} is more than the {len(images):,} "
                        f"training images; choose at most {len(images)}")
    return images, labels


def epochs_to_iters(epochs, n_train, batch_size):
    """Iterations of ``epochs`` passes over n_train images: ceil(epochs * n_train / batch size)."""
    return math.ceil(epochs * n_train / batch_size)


def iters_from_epochs(args, n_train):
    """Set and return args.iters: from --epochs, where given (demos without ImageRun)."""
    if getattr(args, "epochs", None) is not None:
        args.iters = epochs_to_iters(args.epochs, n_train, args.batch_size)
        print(f"--epochs {args.epochs:g}: {args.iters} iterations over {n_train} training images")
    return args.iters


def onehot(labels, n_classes=10):
    """Integer labels (N,) -> one-hot rows (N, n_classes) in the default dtype."""
    labels = numpy.asarray(labels)
    return numpy.eye(n_classes, dtype=backend.get_default_dtype())[labels]


CLASS_NAMES = {"mnist": [str(d) for d in range(10)],
               "fashion": ["T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                           "Shirt", "Sneaker", "Bag", "Boot"]}


def fixed_noise(n, dim, seed):
    """n noise vectors from their own RandomState(seed): the same in every run
    and every resume, and drawn without touching ``backend.rng()``."""
    z = numpy.random.RandomState(seed).standard_normal((n, dim))
    return z.astype(backend.get_default_dtype())
