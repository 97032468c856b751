"""The judge: a small convnet, trained on real digits, that names generated ones.

A GAN's losses do not say whether its samples look like digits; an outside
classifier does.  ``fit_classifier`` trains this one on real images (the
demos train it on their own training part; ``demos/score_digits.py`` on
MNIST), ``predict`` gives class probabilities of any images in [-1, 1]:

    Conv 4x4/2 (1 -> 32) -> ReLU -> Conv 4x4/2 (32 -> 64) -> ReLU
      -> Flatten -> Linear 3136 -> 128 -> ReLU -> Linear 128 -> 10 (scores s)
    p = softmax(s),  L = -(1/N) sum_i log p_i[y_i],  dL/ds = (p - onehot(y)) / N

(the loss is ``losses.CrossEntropyLoss``, its gradient derived there), trained
with Adam on digits shifted by up to 2 pixels, 2,000 held out to measure it.
"""
import numpy

from . import backend, losses, nn, optim
from .nn.softmax import softmax

ARCH = "digit_classifier(conv32-conv64-fc128)"
CLASSES = {"mnist": [str(d) for d in range(10)],
           "fashion": ["T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                       "Shirt", "Sneaker", "Bag", "Boot"]}


def classifier():
    """A fresh judge (PyTorch's default initialisation): images -> 10 class scores."""
    return nn.Sequential(
        nn.Conv2d(1, 32, 4, 2, 1), nn.ReLU(),            # (32, 14, 14)
        nn.Conv2d(32, 64, 4, 2, 1), nn.ReLU(),           # (64, 7, 7)
        nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(),
        nn.Linear(128, 10))                              # scores (logits)


def shift(x, rs, max_shift=2):
    """Random translations by up to ``max_shift`` pixels (zero-padded at -1):
    8,000 training digits go further with a little augmentation."""
    n, _, h, w = x.shape
    pad = numpy.pad(x, ((0, 0), (0, 0), (max_shift,) * 2, (max_shift,) * 2),
                    constant_values=-1.0)
    dy, dx = rs.randint(0, 2 * max_shift + 1, size=(2, n))
    rows = (dy[:, None] + numpy.arange(h))[:, None, :, None]      # image i's window: its own
    cols = (dx[:, None] + numpy.arange(w))[:, None, None, :]      # offset (dy_i, dx_i)
    return pad[numpy.arange(n)[:, None, None, None], numpy.arange(x.shape[1])[None, :, None, None],
               rows, cols]


def predict(model, x, batch=500):
    """Class probabilities (N, 10) on the host, in evaluation mode."""
    model.eval()
    with nn.no_grad():                                   # no caches: nothing to back-propagate
        probs = [backend.to_host(softmax(model(backend.asarray(x[i:i + batch]))))
                 for i in range(0, len(x), batch)]
    model.train()
    return numpy.concatenate(probs) if probs else numpy.zeros((0, 10))


def features(model, x, batch=500):
    """The judge's 128 features of each image (N, 128) on the host: the ReLU
    after its hidden Linear layer, the layer before the class scores.  FID
    (``metrics.frechet_distance``) compares real and generated images here,
    as Heusel et al. use Inception-v3's pooled features."""
    if not (isinstance(model, nn.Sequential) and isinstance(model[-1], nn.Linear)):
        raise TypeError("judge.features: expected the judge (judge.classifier()), "
                        f"got {type(model).__name__}")
    body = nn.Sequential(*list(model)[:-1])              # the same layers, without the last
    model.eval()
    with nn.no_grad():
        out = [backend.to_host(body(backend.asarray(x[i:i + batch])))
               for i in range(0, len(x), batch)]
    model.train()
    return numpy.concatenate(out) if out else numpy.zeros((0, model[-1].in_features))


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
    loss_fn = losses.CrossEntropyLoss()                  # softmax + NLL, mean over the batch
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
            loss = loss_fn(scores, y)
            model.backward(loss_fn.backward(scores), scores)
            opt.step()
            total += float(loss)
        if verbose:
            print(f"classifier epoch {epoch + 1}/{epochs}: loss {total / steps:.4f}")
    p = predict(model, images[test])
    accuracy = float((p.argmax(axis=1) == labels[test]).mean())
    confidence = float(p.max(axis=1).mean())
    return model, accuracy, confidence
