"""MICE-style imputation: chained linear regressions, a few rounds.

Start from the column means; then, column by column, fit a linear regression
of column j on all the other columns (on the rows where j is observed) and
replace j's missing cells by its predictions; repeat for a few rounds, each
regression seeing the others' latest fills.  ("Multiple imputation by
chained equations" draws several such fills with noise and pools them; this
is its single, deterministic core.)  In the min-max scaled space, with a
small ridge term so that a constant or collinear column cannot make the
normal equations singular, and predictions clipped to the observed [0, 1]
range.
"""
import numpy

from .missing import MinMax, check_table, mask_of


def impute_mice(X, rounds=5, ridge=1e-3):
    """Missing cells <- chained linear regressions on the other columns."""
    X = check_table(X)
    M = mask_of(X) > 0
    scale = MinMax().fit(X)
    Xn = scale.transform(X).astype(numpy.float64)
    means = numpy.nanmean(Xn, axis=0)
    rows, cols = numpy.nonzero(~M)
    Xn[rows, cols] = means[cols]
    d = X.shape[1]
    for _ in range(rounds):
        for j in numpy.flatnonzero((~M).any(axis=0)):
            A = numpy.hstack([numpy.delete(Xn, j, axis=1), numpy.ones((len(Xn), 1))])
            seen, missing = M[:, j], ~M[:, j]
            As, b = A[seen], Xn[seen, j]
            w = numpy.linalg.solve(As.T @ As + ridge * numpy.eye(d), As.T @ b)
            Xn[missing, j] = numpy.clip(A[missing] @ w, 0, 1)
    out = scale.inverse(Xn.astype(numpy.float32))
    return numpy.where(M, X, out)
