"""A class-imbalanced copy of a labelled set: keep only a fraction of some classes.

    keep_fraction(labels, classes=[0], keep=0.05, seed=0)

returns the indices of every sample of the other classes and of a random
``keep`` share of each chosen class (at least one), sorted.  BAGAN's
experiments cut one MNIST class to 5% this way.
"""
import numpy


def keep_fraction(labels, classes, keep, seed=0):
    """Indices that keep all samples except a ``keep`` share of ``classes``."""
    labels = numpy.asarray(labels)
    if labels.ndim != 1 or labels.dtype.kind not in "iu":
        raise ValueError(f"keep_fraction: expected a 1-D array of integer labels, got "
                         f"{labels.dtype} {labels.shape}")
    if not 0 < keep <= 1:
        raise ValueError(f"keep_fraction: keep must be in (0, 1], got {keep}")
    classes = [int(c) for c in numpy.atleast_1d(classes)]
    missing = [c for c in classes if not (labels == c).any()]
    if missing:
        raise ValueError(f"keep_fraction: class(es) {missing} do not occur in the labels")
    rng = numpy.random.RandomState(seed)
    keep_mask = ~numpy.isin(labels, classes)
    for c in classes:
        members = numpy.flatnonzero(labels == c)
        n = max(1, int(round(keep * len(members))))
        keep_mask[rng.choice(members, n, replace=False)] = True
    return numpy.flatnonzero(keep_mask)
