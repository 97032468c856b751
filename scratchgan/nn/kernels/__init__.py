"""The speed detours, in one place, behind one switch.

Every layer's file shows the math first: its naive twin (loops, float64) and
then the plain array version a reader follows line by line.  The code here is
neither; it computes the same numbers (up to rounding) faster on a CPU, and
the layers take it only while the switch is on:

    gemm.py            A^T B as the tall product (Linear's and the convs' dW)
    shifted_gemm.py    a stride-1 convolution as kh GEMMs, no im2col copies (Conv2d)
    add_product.py     C += A @ B without the temporary: NumPy's own BLAS, beta = 1
    product_col2im.py  col2im(A @ W2) one kernel offset at a time (Conv2d's dx,
                       ConvTranspose2d's forward)
    channel_sum.py     BatchNorm's per-channel sums as a BLAS product
    joint_batch.py     real and fake minibatches through D as one batch (GANSteps)
    (optim)            Adam's cache-sized blocks; the other optimizers' threads

    >>> from scratchgan.nn import kernels
    >>> with kernels.off():          # the plain path everywhere: same numbers
    ...     ...
    >>> kernels.use(False)           # or for the rest of the program

``SCRATCHGAN_KERNELS=off`` in the environment starts a program with them off.
Each kernel names the plain computation it must equal, and the tests compare
the two on every shape the library uses.
"""
import contextlib
import os

_on = os.environ.get("SCRATCHGAN_KERNELS", "on").strip().lower() not in ("off", "0", "false")


def enabled():
    """True while the speed detours are taken (the default)."""
    return _on


def use(flag):
    """Switch the speed detours on (True) or off (False) for the whole program."""
    global _on
    if not isinstance(flag, bool):
        raise TypeError(f"kernels.use: expected True or False, got {flag!r}")
    _on = flag


@contextlib.contextmanager
def off():
    """``with kernels.off():`` runs the plain path, then restores the switch."""
    global _on
    before, _on = _on, False
    try:
        yield
    finally:
        _on = before
