"""Missing values: the mask, min-max scaling, and the error measure.

A table X (n rows, d columns) has NaN where a value is missing.  Everything
here works with its *mask*

    M[i, j] = 1 if X[i, j] is observed, 0 if it is missing

and, as the GAIN paper's code, with every column scaled to [0, 1] by its
observed minimum and maximum (so that one error number means the same on
every column):

    X_norm = (X - min) / (max - min + 1e-6)

The error of an imputation is the root mean square over the missing cells
only, in that scaled space:

    RMSE = sqrt( sum((1 - M) (X_hat - X_true)^2) / sum(1 - M) )
"""
import numpy


def check_table(X, what="X"):
    """X as a float32 2-D array (a new one), NaN allowed, infinities refused."""
    X = numpy.array(X, dtype=numpy.float32, copy=True)
    if X.ndim != 2 or X.shape[0] < 2 or X.shape[1] < 1:
        raise ValueError(f"{what}: expected a table (rows, columns) with at least 2 rows, "
                         f"got shape {X.shape}")
    if numpy.isinf(X).any():
        raise ValueError(f"{what}: holds infinite values; only NaN may mark a missing cell")
    empty = numpy.isnan(X).all(axis=0)
    if empty.any():
        raise ValueError(f"{what}: column(s) {list(numpy.flatnonzero(empty))} have no observed "
                         f"value at all; nothing can be learnt about them")
    return X


def mask_of(X):
    """M: 1.0 where X is observed, 0.0 where it is NaN (float32)."""
    return (~numpy.isnan(X)).astype(numpy.float32)


def mcar_mask(shape, miss_rate, rng):
    """A mask with each cell missing independently with probability ``miss_rate``
    ("missing completely at random"), from a ``numpy.random.RandomState``."""
    if not 0 <= miss_rate < 1:
        raise ValueError(f"miss_rate must be in [0, 1), got {miss_rate}")
    return (rng.uniform(size=shape) >= miss_rate).astype(numpy.float32)


def with_missing(X, M):
    """A copy of X with NaN where M is 0."""
    out = numpy.array(X, dtype=numpy.float32, copy=True)
    out[M == 0] = numpy.nan
    return out


class MinMax:
    """Column-wise scaling to [0, 1] by the observed min and max (NaN stays NaN)."""

    def fit(self, X):
        self.min = numpy.nanmin(X, axis=0)
        self.range = numpy.nanmax(X, axis=0) - self.min + numpy.float32(1e-6)
        return self

    def transform(self, X):
        return ((X - self.min) / self.range).astype(numpy.float32)

    def inverse(self, Xn):
        return (Xn * self.range + self.min).astype(numpy.float32)


def round_like(imputed, X, max_distinct=20):
    """Round the columns that have fewer than ``max_distinct`` distinct observed
    values in X (categorical or integer columns), as the GAIN code does."""
    out = imputed.copy()
    for j in range(X.shape[1]):
        observed = X[~numpy.isnan(X[:, j]), j]
        if len(numpy.unique(observed)) < max_distinct:
            out[:, j] = numpy.round(out[:, j])
    return out


def rmse(X_true, X_imputed, M):
    """RMSE over the missing cells (M == 0), both tables scaled by X_true's min-max."""
    scale = MinMax().fit(X_true)
    diff = (1 - M) * (scale.transform(X_imputed) - scale.transform(X_true))
    return float(numpy.sqrt((diff.astype(numpy.float64) ** 2).sum() / max((1 - M).sum(), 1)))
