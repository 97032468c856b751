"""C += A @ B in place: the BLAS routine NumPy already ships, called directly.

Every BLAS computes C <- alpha A B + beta C; NumPy's ``matmul`` exposes only
beta = 0, so ``C += A @ B`` writes the product to a temporary and then adds
it, one more pass over C-sized memory.  Where several products accumulate
into one output (a stride-1 convolution sums one product per kernel row, its
input gradient adds one per kernel row into overlapping rows) those passes
were a fifth of the layer.  Here the same OpenBLAS that NumPy's wheels carry
is called through ``ctypes`` with beta = 1: no compiled code of ours, no new
dependency, and the plain ``C += A @ B`` wherever it cannot be used:

* NumPy built against another BLAS (Accelerate, MKL, a distribution's
  OpenBLAS): only the wheels' 64-bit-integer OpenBLAS, whose routines are
  named ``scipy_cblas_sgemm64_`` / ``scipy_cblas_dgemm64_``, is looked for;
* CuPy arrays, other dtypes than float32/float64, mixed dtypes, strides a
  BLAS cannot read (each operand must be row- or column-major with a leading
  dimension), C overlapping A or B, or the kernels switched off.

The strict stand-in for CuPy (``scratchgan/strict_device.py``) keeps a NumPy
array inside each of its arrays; when all three operands are the stand-in's,
their NumPy arrays are handed to the same BLAS call.  So a run under the
stand-in makes the very calls the NumPy run makes and matches it bit for bit
on any BLAS kernel (``C + AB`` rounded once here and twice in ``C += A @ B``
would otherwise differ by an ulp, and by how much depends on the kernel).

The numbers are the BLAS's own, as NumPy's product gives them; the order of
the final additions differs (C + AB in one rounding instead of two), so they
agree to rounding, and tests compare the two on every layout taken here.
"""
import ctypes
import glob
import os

import numpy

from ... import strict_device
from . import enabled

_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112


def _find_gemms():
    """{dtype: the cblas_?gemm function} of the OpenBLAS inside NumPy's wheel, or {}."""
    here = os.path.dirname(numpy.__file__)
    paths = (glob.glob(os.path.join(here, os.pardir, "numpy.libs", "*openblas64*"))
             + glob.glob(os.path.join(here, ".dylibs", "*openblas64*")))
    i64, c_int, P = ctypes.c_int64, ctypes.c_int, ctypes.c_void_p
    for path in paths:
        try:
            lib = ctypes.CDLL(path)        # already loaded by NumPy: the same library, same threads
            found = {}
            for dtype, letter, scalar in ((numpy.float32, "s", ctypes.c_float),
                                          (numpy.float64, "d", ctypes.c_double)):
                fn = getattr(lib, f"scipy_cblas_{letter}gemm64_")
                fn.argtypes = [c_int, c_int, c_int, i64, i64, i64, scalar, P, i64, P, i64,
                               scalar, P, i64]
                fn.restype = None
                found[numpy.dtype(dtype)] = fn
            return found
        except (OSError, AttributeError):
            continue
    return {}


_GEMMS = _find_gemms()


def available():
    """True where ``add_product`` can call the BLAS itself (NumPy's OpenBLAS wheel)."""
    return bool(_GEMMS)


def _operand(a):
    """(transposed?, leading dimension) for BLAS, or None if its strides do not fit."""
    item = a.itemsize
    (r, c), (sr, sc) = a.shape, a.strides
    if sc == item and sr % item == 0 and sr // item >= max(c, 1):
        return _NO_TRANS, sr // item                 # row-major, rows sr apart
    if sr == item and sc % item == 0 and sc // item >= max(r, 1):
        return _TRANS, sc // item                    # a transposed row-major array
    return None


def _numpy_arrays(C, A, B):
    """The NumPy arrays holding C, A and B, or None where BLAS cannot be handed them.

    NumPy arrays are themselves; the strict stand-in's arrays hand over the
    NumPy array inside them (all three must be the stand-in's: a host array
    mixed in takes the plain path, where the stand-in refuses it as CuPy
    would); CuPy's and anything else: None."""
    kinds = {type(C), type(A), type(B)}
    if kinds == {numpy.ndarray}:
        return C, A, B
    if kinds == {strict_device.ndarray}:
        return C._a, A._a, B._a
    return None


def add_product(C, A, B):
    """C += A @ B, in place, for 2-D C (M, N), A (M, K), B (K, N).

    The plain version, taken wherever the BLAS cannot be called: ``C += A @ B``."""
    fn = _GEMMS.get(C.dtype) if enabled() else None
    arrays = _numpy_arrays(C, A, B) if fn is not None else None
    if arrays is None:
        C += A @ B
        return C
    C_given, (C, A, B) = C, arrays     # the caller's C: returned, as C += A @ B returns it
    if (C.ndim != 2 or A.ndim != 2 or B.ndim != 2
            or A.dtype != C.dtype or B.dtype != C.dtype or not C.flags.writeable
            or A.shape[1] != B.shape[0] or C.shape != (A.shape[0], B.shape[1]) or C.size == 0
            or A.shape[1] == 0 or numpy.may_share_memory(C, A) or numpy.may_share_memory(C, B)):
        C += A @ B
        return C_given
    out, a, b = _operand(C), _operand(A), _operand(B)
    if out is None or out[0] != _NO_TRANS or a is None or b is None:
        C += A @ B
        return C_given
    (M, K), N = A.shape, B.shape[1]
    fn(_ROW_MAJOR, a[0], b[0], M, N, K, 1.0, A.ctypes.data, a[1], B.ctypes.data, b[1],
       1.0, C.ctypes.data, out[1])
    return C_given
