"""The demos' one policy for NumPy's BLAS threads, applied before NumPy loads.

Every demo starts with two lines, before any other import::

    import threads
    threads.use(default=1)          # or default="cores"

and takes ``--threads N``.  The rule behind each default, measured on an idle
2-core machine: small matrices (the toy demos, the MLP GANs, GAIN) run
fastest on 1 thread, where extra threads only spin, and on a *busy* machine
cost up to 7.6x; the convolutional demos' larger GEMMs gain ~25% from a
second core, so they use all of them.  On a shared or busy machine, pass
``--threads 1``.  An ``OPENBLAS_NUM_THREADS`` (or ``OMP_NUM_THREADS``,
``MKL_NUM_THREADS``) you set yourself wins over both.

OpenBLAS reads its thread count once, when NumPy is first imported, which is
why this cannot wait for argparse: ``--threads`` is read from ``sys.argv``
here, and argparse checks it again (and reports a bad value) afterwards.
"""
import os
import sys

VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")

#: What ``use`` chose: the demo's default ("1" or "cores") and the threads now set.
default, chosen = 1, None


def cores():
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:                   # not Linux
        return os.cpu_count() or 1


def requested(argv):
    """The N of ``--threads N`` (or ``--threads=N``) if it is a positive integer."""
    for i, arg in enumerate(argv):
        text = argv[i + 1] if arg == "--threads" and i + 1 < len(argv) else (
            arg.split("=", 1)[1] if arg.startswith("--threads=") else None)
        if text is not None:
            return int(text) if text.isdigit() and int(text) >= 1 else None
    return None


def use(default_threads=1):
    """Set the BLAS threads from --threads, else ``default_threads`` (1 or
    "cores"), unless the user set one of ``VARIABLES``; returns the number set
    (None: the user's own setting stands)."""
    global default, chosen
    default = default_threads
    if any(v in os.environ for v in VARIABLES):
        return None
    if "numpy" in sys.modules:       # too late for this process (a test importing the demo):
        return None                  # setting the variables would only leak into its children
    n = requested(sys.argv[1:])
    if n is None:
        n = cores() if default_threads == "cores" else int(default_threads)
    for v in VARIABLES:
        os.environ[v] = str(n)
    chosen = n
    return n
