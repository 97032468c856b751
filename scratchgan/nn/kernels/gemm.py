"""The one matrix product every weight gradient needs: A^T B.

Linear's dW = dy^T x and the convolutions' dW2 = dy2^T cols are all "A^T B"
with A, B sharing their long first axis (the batch, or every pixel of it).
Mathematically (A^T B) = (B^T A)^T; numerically the two orders give the same
numbers, but not the same speed: OpenBLAS (NumPy's usual BLAS) is much slower
when the result has fewer rows than columns, e.g. 326 ms vs 11 ms for a
16x64 result over 12,544 pixels, measured on the 2-core test machine.  So for
a long shared axis (the convolutions' pixels) we compute the taller of the two
and return a transposed view; for a short one (Linear's batch) the plain order
(see ``at_b``).
"""
from . import enabled


SHORT = 4096      # a shared axis up to this long: the plain order (see at_b)


def at_b(a, b):
    """A^T B for A (K, M) and B (K, N), computed as the tall product.

    The plain version, taken with the kernels off: ``a.T @ b``.  Also taken
    when K is short (Linear's dW = dy^T x, K the batch): then both orders run
    at the same speed, and the plain one returns C-ordered memory, which adds
    into the C-ordered gradient without a strided pass (MLP-GAN's step, one
    thread, batch 64: 29.9 ms against 32.1 with the transposed view)."""
    if not enabled() or a.shape[0] <= SHORT or a.shape[1] >= b.shape[1]:
        return a.T @ b
    return (b.T @ a).T
