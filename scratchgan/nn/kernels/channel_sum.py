"""BatchNorm's per-channel sums as a matrix-vector product.

The plain version is ``a.sum(axis=(0, 2, 3))``.  NumPy's generic reduction
is several times slower than BLAS on the same numbers, so where the memory
layout allows a free 2-D/3-D view the sum is a product with a vector of ones:
(M, C) rows for the HWNC layout of the conv outputs, (N, C, L) for plain
C-contiguous arrays.  Same numbers, up to rounding.
"""
from ... import backend
from . import enabled


def channel_sum(a):
    """Per-channel sums of an (N, C, ...) array: a.sum over every axis but 1."""
    plain_axes = (0,) + tuple(range(2, a.ndim))
    if not enabled():
        return a.sum(axis=plain_axes)
    xp = backend.get_array_module(a)
    C = a.shape[1]
    if a.ndim == 2:
        return xp.ones(a.shape[0], dtype=a.dtype) @ a
    last = a.transpose(*range(2, a.ndim), 0, 1)            # (..., N, C)
    if last.flags.c_contiguous:
        return xp.ones(a.size // C, dtype=a.dtype) @ last.reshape(-1, C)
    if a.flags.c_contiguous:
        a3 = a.reshape(a.shape[0], C, -1)
        return (a3 @ xp.ones(a3.shape[2], dtype=a.dtype)).sum(axis=0)
    return a.sum(axis=plain_axes)
