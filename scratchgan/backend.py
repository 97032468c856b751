"""The array backend: NumPy on the CPU or CuPy on the GPU, behind one name.

Every layer does its arithmetic through an array module ``xp`` that is either
``numpy`` or ``cupy`` (the idea comes from Chainer's ``get_array_module``).
Two ways to reach it:

* ``get_xp()`` is the module chosen for *new* arrays: parameters, noise,
  buffers (the library always asks through it; ``backend.xp`` is the variable
  it reads).  Choose it with ``set_backend("cupy")`` or the
  environment variable ``SCRATCHGAN_BACKEND=cupy`` before importing.
* ``get_array_module(x)`` answers "which library holds this array?", so code
  that receives an array works on either device without asking.

The default floating dtype is float32, as in PyTorch; ``set_default_dtype``
switches to float64 (the gradient checks do this).  Randomness comes from one
seeded generator per process, ``manual_seed(seed)``, again as in PyTorch.
"""
import os

import numpy

xp = numpy                       # the array module for new arrays
_dtype = numpy.float32           # the default floating dtype
_rng = numpy.random.RandomState(0)

try:                              # CuPy is optional (the `gpu` extra)
    import cupy as _cupy
except Exception:                 # ImportError, or a broken CUDA install
    _cupy = None
_real_cupy = _cupy


class BackendError(RuntimeError):
    """Raised when the requested backend cannot be used here."""


def set_device_module(module=None):
    """Play the GPU with ``module`` instead of CuPy (``None``: CuPy again, if any).

    For tests: ``set_device_module(scratchgan.strict_device)`` makes
    ``set_backend("cupy")`` (and ``--device gpu``) run on a strict CPU stand-in
    that refuses what CuPy refuses and counts host transfers and syncs.
    Switches the current backend back to NumPy.
    """
    global _cupy
    set_backend("numpy")
    _cupy = _real_cupy if module is None else module
    return _cupy


def device_module():
    """The module that plays the GPU: cupy, a stand-in, or None."""
    return _cupy


def gpu_available():
    """True when CuPy imports and sees at least one CUDA device."""
    if _cupy is None:
        return False
    try:
        return _cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False


def set_backend(name):
    """Select ``"numpy"`` (CPU) or ``"cupy"`` (GPU) for new arrays.

    The random generator is re-created on the new device with seed 0; call
    ``manual_seed`` afterwards to choose another seed.
    """
    global xp, _rng
    name = str(name).lower()
    if name in ("numpy", "cpu", "np"):
        xp = numpy
    elif name in ("cupy", "gpu", "cuda", "cp"):
        if _cupy is None:
            raise BackendError(
                "set_backend('cupy'): CuPy is not installed. Install the GPU "
                "extra, e.g. `pip install -e .[gpu]` (cupy-cuda12x) or "
                "`pip install cupy-cuda13x` to match your CUDA version.")
        if not gpu_available():
            raise BackendError(
                "set_backend('cupy'): CuPy is installed but no CUDA GPU is "
                "visible (cupy.cuda.runtime.getDeviceCount() == 0 or failed).")
        xp = _cupy
    else:
        raise BackendError(f"set_backend: unknown backend {name!r}; "
                           "expected 'numpy' or 'cupy'")
    _rng = xp.random.RandomState(0)
    return xp


def get_xp():
    """The array module used for new arrays (numpy or cupy)."""
    return xp


def backend_name():
    """"numpy" or "cupy" (also when a stand-in plays CuPy's part)."""
    return "cupy" if xp is not numpy else "numpy"


def get_array_module(*arrays):
    """numpy or cupy, whichever holds the given arrays (numpy for scalars)."""
    if _cupy is not None:
        return _cupy.get_array_module(*arrays)
    return numpy


def is_gpu_array(x):
    return _cupy is not None and isinstance(x, _cupy.ndarray)


def set_default_dtype(dtype):
    """Set the floating dtype of new parameters and noise (float32 or float64)."""
    global _dtype
    dtype = numpy.dtype(dtype)
    if dtype not in (numpy.float32, numpy.float64):
        raise TypeError(f"set_default_dtype: expected float32 or float64, got {dtype}")
    _dtype = dtype.type


def get_default_dtype():
    return _dtype


def to_host(x):
    """Return a NumPy copy of ``x`` (a no-op for NumPy arrays)."""
    if is_gpu_array(x):
        return x.get()
    return numpy.asarray(x)


def to_device(x, dtype=None):
    """Return ``x`` as an array of the current backend (copying host->GPU if needed)."""
    if dtype is not None:
        return xp.asarray(x, dtype=dtype)
    return xp.asarray(x)


def asarray(x, dtype=None):
    """``x`` on the current backend in ``dtype`` (default: the default dtype)."""
    return xp.asarray(x, dtype=dtype or _dtype)


def synchronize():
    """Wait for queued GPU work (a no-op on the CPU); use only when timing."""
    if xp is not numpy:
        xp.cuda.get_current_stream().synchronize()


# ---------------------------------------------------------------- randomness
def manual_seed(seed):
    """Seed the process-wide generator on the current backend."""
    global _rng
    _rng = xp.random.RandomState(int(seed))


def rng():
    """The process-wide ``RandomState`` (numpy's or cupy's)."""
    return _rng


def get_rng_state():
    """The CPU generator's state as plain arrays (for .npz checkpoints)."""
    if xp is not numpy:
        raise BackendError("get_rng_state: only the NumPy generator's state "
                           "can be saved; CuPy's is not exposed")
    name, keys, pos, has_gauss, cached = _rng.get_state()
    return {"keys": keys, "pos": numpy.int64(pos), "has_gauss": numpy.int64(has_gauss),
            "cached_gaussian": numpy.float64(cached)}


def set_rng_state(state):
    _rng.set_state(("MT19937", numpy.asarray(state["keys"], dtype=numpy.uint32),
                    int(state["pos"]), int(state["has_gauss"]),
                    float(state["cached_gaussian"])))


def randn(*shape, dtype=None):
    """Standard normal samples on the current device in the default dtype."""
    if xp is not numpy:                 # CuPy draws float32 directly
        return _rng.standard_normal(shape, dtype=dtype or _dtype)
    return _rng.standard_normal(shape).astype(dtype or _dtype, copy=False)


def rand(*shape, dtype=None):
    """Uniform [0, 1) samples on the current device in the default dtype."""
    if xp is not numpy:
        return _rng.random_sample(shape, dtype=dtype or _dtype)
    return _rng.random_sample(shape).astype(dtype or _dtype, copy=False)


_env = os.environ.get("SCRATCHGAN_BACKEND")
if _env:
    try:
        set_backend(_env)
    except BackendError as e:             # name the variable: the user set it, not a call
        raise BackendError(f"SCRATCHGAN_BACKEND={_env}: {e} Or unset SCRATCHGAN_BACKEND "
                           f"to run on the CPU.") from None


def keep_freed_memory(keep=True):
    """Ask the C allocator (glibc) to keep freed memory for reuse.

    Why: every layer allocates and frees arrays of several megabytes per step,
    and each backward releases its forward's cache at once.  By default glibc
    hands a large free block at the top of its heap straight back to the
    kernel, and the next step faults the same pages in again, zero-filled:
    measured 20-40% of a DCGAN-28 step at batch 128 on the 2-core test machine.
    With freed blocks of up to 32 MB kept on the heap (and the heap trimmed
    only when 512 MB lie free), the next step reuses them, as PyTorch's and
    CuPy's own allocators reuse theirs.  The process still holds no more than
    its peak.  Linux with glibc only; elsewhere (or if the call fails) nothing
    changes.  Called once at import unless ``SCRATCHGAN_KEEP_MEMORY=0``.
    Returns True when the setting was applied.
    """
    import ctypes
    import sys
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3          # from glibc's malloc.h
    if keep:
        ok = mallopt(M_MMAP_THRESHOLD, 32 << 20) and mallopt(M_TRIM_THRESHOLD, 512 << 20)
    else:                  # glibc's initial values (its dynamic adjustment stays off)
        ok = mallopt(M_MMAP_THRESHOLD, 128 << 10) and mallopt(M_TRIM_THRESHOLD, 128 << 10)
    return bool(ok)


if os.environ.get("SCRATCHGAN_KEEP_MEMORY", "1") != "0":
    keep_freed_memory()
