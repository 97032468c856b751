"""The common ways: fill each missing cell with a statistic of its column.

Every missing cell of column j gets the same value (the column's mean,
median or most frequent observed value), so the imputed column's
distribution collapses onto a spike there, and nothing is learnt from the
row's other columns.
"""
import numpy

from .missing import check_table


def _fill(X, values):
    X = check_table(X)
    rows, cols = numpy.nonzero(numpy.isnan(X))
    X[rows, cols] = numpy.asarray(values, dtype=numpy.float32)[cols]
    return X


def impute_mean(X):
    """Missing cells <- the column's mean of observed values."""
    X = check_table(X)
    return _fill(X, numpy.nanmean(X, axis=0))


def impute_median(X):
    """Missing cells <- the column's median of observed values."""
    X = check_table(X)
    return _fill(X, numpy.nanmedian(X, axis=0))


def most_frequent(column):
    """The most frequent value among a column's observed values (the smallest on ties)."""
    values, counts = numpy.unique(column[~numpy.isnan(column)], return_counts=True)
    return values[numpy.argmax(counts)]


def impute_most_frequent(X):
    """Missing cells <- the column's most frequent observed value."""
    X = check_table(X)
    return _fill(X, [most_frequent(X[:, j]) for j in range(X.shape[1])])
