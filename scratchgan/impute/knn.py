"""k-nearest-neighbour imputation: borrow the value from the most similar rows.

For a row with a missing cell in column j, find the k rows closest to it that
*have* column j, and fill in the mean of their values there.  Rows are
compared on the columns both of them have, in the min-max scaled space (so a
column in thousands does not drown one in fractions), and the sum is scaled
up to all d columns, as scikit-learn's ``nan_euclidean`` distance (a row
that shares no column with any donor gets the column's mean):

    dist^2(a, b) = d / |C| * sum_{j in C} (a_j - b_j)^2,   C = columns observed in both

The squared distances of a block of rows to all rows come from three matrix
products (|a - b|^2 = a^2 + b^2 - 2ab, each term masked), not a loop over
pairs.
"""
import numpy

from .missing import MinMax, check_table, mask_of


def impute_knn(X, k=5, block=256):
    """Missing cells <- the mean of the k nearest rows' values (k = 5 by default)."""
    X = check_table(X)
    n, d = X.shape
    if not 1 <= k < n:
        raise ValueError(f"impute_knn: k must be between 1 and the number of rows - 1, got {k}")
    M = mask_of(X).astype(numpy.float64)
    Xn = numpy.nan_to_num(MinMax().fit(X).transform(X)).astype(numpy.float64)  # missing -> 0
    out = X.copy()
    means = numpy.nanmean(X, axis=0)
    incomplete = numpy.flatnonzero(M.min(axis=1) == 0)
    for start in range(0, len(incomplete), block):
        q = incomplete[start:start + block]
        Mq, Xq = M[q], Xn[q]
        # sum over co-observed columns of (a - b)^2, for every pair (query, row)
        d2 = (Xq ** 2) @ M.T + Mq @ (Xn ** 2).T - 2 * Xq @ Xn.T
        shared = Mq @ M.T                                   # |C| for every pair
        with numpy.errstate(divide="ignore", invalid="ignore"):
            d2 = numpy.where(shared > 0, d2 * d / shared, numpy.inf)
        d2[numpy.arange(len(q)), q] = numpy.inf             # a row is not its own neighbour
        for j in numpy.flatnonzero(Mq.min(axis=0) == 0):
            need = numpy.flatnonzero(Mq[:, j] == 0)
            dist = d2[need]
            dist[:, M[:, j] == 0] = numpy.inf               # donors must have column j
            kk = min(k, int(M[:, j].sum()))
            nearest = numpy.argpartition(dist, kk - 1, axis=1)[:, :kk]
            found = numpy.isfinite(numpy.take_along_axis(dist, nearest, axis=1))
            total = numpy.where(found, X[nearest, j], 0).sum(axis=1)
            count = found.sum(axis=1)
            # a row sharing no column with any donor (all its cells missing): the column mean
            out[q[need], j] = numpy.where(count > 0, total / numpy.maximum(count, 1), means[j])
    return out
