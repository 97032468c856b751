"""A strict stand-in for CuPy that runs on the CPU: the GPU path, tested without a GPU.

CuPy refuses what NumPy forgives, and every refusal is a bug that only a
user with a GPU would meet.  This module plays CuPy's part with NumPy doing
the arithmetic, and refuses the same things:

* ``numpy.asarray(device_array)`` (and anything else that would turn a device
  array into a host array implicitly) raises ``TypeError``, as CuPy's
  ``__array__`` does; ``x.get()`` / ``backend.to_host(x)`` is the way;
* a NumPy function called on a device array raises (use ``xp.<function>``);
* a host array (or a list) mixed into device arithmetic, passed to an ``xp``
  function or assigned into a device array raises ``TypeError``;
* reductions return 0-d device arrays, not Python numbers, as CuPy's do.

Everything that moves data or waits for the device is counted in ``counts``:

    to_host       device -> host copies (x.get(), xp.asnumpy, repr)
    to_device     host -> device copies (xp.asarray(host), host index arrays)
    scalar_reads  float(x), int(x), bool(x), x.item(), f"{x:.3f}": each one a
                  device synchronisation on a real GPU
    syncs         explicit stream synchronisations

so a test can assert that a training step moves nothing to the host and
reads no scalar between log points.  ``record=True`` (``reset(record=True)``)
also keeps where each counted event happened, to find the culprit.

What it proves and what it does not: code that runs under the stand-in
uses the array module it is given, never mixes host and device arrays and
syncs only where counted.  It does not prove that CuPy computes the same
numbers (its kernels, float32 reductions and random streams differ), nor
anything about speed or memory on a GPU: that takes a GPU.

Use it through the backend, in CuPy's place::

    from scratchgan import backend, strict_device
    backend.set_device_module(strict_device)   # set_backend("cupy") now gives this
    backend.set_backend("cupy")

The random generator draws exactly what NumPy's ``RandomState`` draws, and
the one kernel that calls the BLAS directly (``nn/kernels/add_product.py``)
hands it the NumPy arrays inside the stand-in's, so a run under the stand-in
makes the same arithmetic calls as the same run on NumPy and matches it bit
for bit, whichever BLAS kernel the machine runs: any difference is a bug in
the GPU path.

This file is over 300 lines because the stand-in must refuse every way an
array could leave a GPU, and the list is long; each refusal is a few lines.
"""
import traceback

import numpy
from numpy.lib.mixins import NDArrayOperatorsMixin

counts = {"to_host": 0, "to_device": 0, "scalar_reads": 0, "syncs": 0}
events = []                       # (kind, where) when recording
_record = [False]


def reset(record=False):
    """Zero the counters (and start or stop recording where events happen)."""
    for k in counts:
        counts[k] = 0
    events.clear()
    _record[0] = bool(record)


def _count(kind):
    counts[kind] += 1
    if _record[0]:
        events.append((kind, "".join(traceback.format_stack(limit=8)[:-2])))


# ------------------------------------------------------------------ the array
def _unwrap(obj, where):
    """Device arrays -> their NumPy payload; host arrays and lists are refused."""
    if isinstance(obj, ndarray):
        return obj._a
    if isinstance(obj, numpy.ndarray):
        raise TypeError(f"{where}: a NumPy (host) array was mixed into device "
                        "arithmetic; CuPy refuses this (Unsupported type "
                        "<class 'numpy.ndarray'>). Move it with xp.asarray first.")
    if isinstance(obj, (list, tuple)):
        return type(obj)(_unwrap(o, where) for o in obj)
    return obj                    # Python and NumPy scalars, dtypes, slices, None


def _wrap(obj):
    """NumPy results -> device arrays; NumPy scalars -> 0-d device arrays (as CuPy)."""
    if isinstance(obj, numpy.ndarray):
        return ndarray(obj)
    if isinstance(obj, numpy.generic):
        return ndarray(numpy.asarray(obj))
    if isinstance(obj, tuple):
        return tuple(_wrap(o) for o in obj)
    if isinstance(obj, list):
        return [_wrap(o) for o in obj]
    return obj


def _index(key):
    """An index: device arrays unwrapped; host index arrays are copied over (counted)."""
    if isinstance(key, tuple):
        return tuple(_index(k) for k in key)
    if isinstance(key, ndarray):
        return key._a
    if isinstance(key, (numpy.ndarray, list)):
        _count("to_device")
        return numpy.asarray(key)
    return key


class ndarray(NDArrayOperatorsMixin):
    """A device array: a NumPy array that refuses to leave the device implicitly."""

    __slots__ = ("_a", "__weakref__")
    __hash__ = None

    def __init__(self, a):
        self._a = a

    # -- refusals --------------------------------------------------------------
    def __array__(self, dtype=None, copy=None):
        raise TypeError("Implicit conversion to a NumPy array is not allowed. "
                        "Please use `.get()` to construct a NumPy array explicitly "
                        "(scratchgan: backend.to_host(x)).")

    def __array_function__(self, func, types, args, kwargs):
        raise TypeError(f"numpy.{func.__name__} was called on a device array; "
                        f"CuPy arrays need xp.{func.__name__} (xp = "
                        "backend.get_array_module(x))")

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        where = f"numpy.{ufunc.__name__}"
        inputs = _unwrap(inputs, where)
        out = kwargs.get("out")
        if out is not None:
            kwargs["out"] = _unwrap(out, where)
        result = getattr(ufunc, method)(*inputs, **kwargs)
        if out is not None and len(out) == 1 and result is kwargs["out"][0]:
            return out[0]                     # x += y: x stays the same object
        return _wrap(result)

    # -- metadata (no transfer) ----------------------------------------------------
    shape = property(lambda self: self._a.shape)
    dtype = property(lambda self: self._a.dtype)
    ndim = property(lambda self: self._a.ndim)
    size = property(lambda self: self._a.size)
    itemsize = property(lambda self: self._a.itemsize)
    nbytes = property(lambda self: self._a.nbytes)
    strides = property(lambda self: self._a.strides)
    flags = property(lambda self: self._a.flags)
    T = property(lambda self: ndarray(self._a.T))

    def __len__(self):
        return len(self._a)

    def __iter__(self):
        return (_wrap(row) for row in self._a)

    # -- indexing ----------------------------------------------------------------
    def __getitem__(self, key):
        return _wrap(self._a[_index(key)])

    def __setitem__(self, key, value):
        self._a[_index(key)] = _unwrap(value, "ndarray.__setitem__")

    # -- the explicit ways to the host, counted ------------------------------------
    def get(self):
        _count("to_host")
        return self._a.copy()

    def item(self):
        _count("scalar_reads")
        return self._a.item()

    def tolist(self):
        _count("to_host")
        return self._a.tolist()

    def __float__(self):
        _count("scalar_reads")
        return float(self._a)

    def __int__(self):
        _count("scalar_reads")
        return int(self._a)

    def __index__(self):
        _count("scalar_reads")
        return self._a.__index__()

    def __bool__(self):
        _count("scalar_reads")
        return bool(self._a)

    def __format__(self, spec):
        _count("scalar_reads")
        return format(self._a.item() if self._a.ndim == 0 else self._a, spec)

    def __repr__(self):
        _count("to_host")
        return "device:" + repr(self._a)

    __str__ = __repr__


def _method(name):
    def method(self, *args, **kwargs):
        out = getattr(self._a, name)(*_unwrap(args, f"ndarray.{name}"),
                                     **{k: _unwrap(v, f"ndarray.{name}")
                                        for k, v in kwargs.items()})
        if out is self._a:                    # astype(copy=False) and friends: same array
            return self
        return _wrap(out)
    method.__name__ = name
    return method


for _name in ("all", "any", "argmax", "argmin", "astype", "clip", "copy", "cumsum", "dot",
              "fill", "flatten", "max", "mean", "min", "nonzero", "prod", "ravel",
              "repeat", "reshape", "squeeze", "std", "sum", "swapaxes", "take",
              "transpose", "var", "view"):
    setattr(ndarray, _name, _method(_name))


# ------------------------------------------------------------- the module
def asarray(a, dtype=None, order=None):
    """Host data -> a device array (a counted copy); a device array stays."""
    if isinstance(a, ndarray):
        out = a._a if dtype is None else a._a.astype(dtype, copy=False)
        return a if out is a._a else ndarray(out)
    _count("to_device")
    return ndarray(numpy.array(a, dtype=dtype, order=order or "K"))


def array(a, dtype=None, copy=True):
    if isinstance(a, ndarray):
        return ndarray(numpy.array(a._a, dtype=dtype, copy=copy))
    _count("to_device")
    return ndarray(numpy.array(a, dtype=dtype))


def ascontiguousarray(a, dtype=None):
    if not isinstance(a, ndarray):
        _count("to_device")
        return ndarray(numpy.ascontiguousarray(a, dtype=dtype))
    out = numpy.ascontiguousarray(a._a, dtype=dtype)
    return a if out is a._a else ndarray(out)


def asnumpy(a):
    if isinstance(a, ndarray):
        return a.get()
    return numpy.asarray(a)


def get_array_module(*arrays):
    import sys
    if any(isinstance(a, ndarray) for a in arrays):
        return sys.modules[__name__]
    return numpy


class _Function:
    """``xp.f``: NumPy's f on device arrays, refusing host arrays."""

    def __init__(self, f, name):
        self.f, self.name = f, name

    def __call__(self, *args, **kwargs):
        where = f"xp.{self.name}"
        return _wrap(self.f(*_unwrap(args, where),
                            **{k: _unwrap(v, where) for k, v in kwargs.items()}))

    def __getattr__(self, attr):              # ufunc methods: xp.add.at, xp.maximum.reduce
        return _Function(getattr(self.f, attr), f"{self.name}.{attr}")


def __getattr__(name):
    """Every other name of NumPy: functions and ufuncs refuse host arrays,
    constants and dtypes (float32, pi, newaxis) are NumPy's own."""
    value = getattr(numpy, name)
    if callable(value) and not isinstance(value, type):
        return _Function(value, name)
    return value


class lib:
    class stride_tricks:
        @staticmethod
        def as_strided(x, shape=None, strides=None):
            return ndarray(numpy.lib.stride_tricks.as_strided(
                _unwrap(x, "as_strided"), shape=shape, strides=strides))


# ------------------------------------------------------------- randomness
class random:
    class RandomState:
        """CuPy's RandomState API, drawing what NumPy's RandomState(seed) draws."""

        def __init__(self, seed=None):
            self._rs = numpy.random.RandomState(seed)

        def standard_normal(self, size=None, dtype=float):
            return ndarray(numpy.asarray(self._rs.standard_normal(size)).astype(dtype))

        def random_sample(self, size=None, dtype=float):
            return ndarray(numpy.asarray(self._rs.random_sample(size)).astype(dtype))

        def normal(self, loc=0.0, scale=1.0, size=None, dtype=float):
            return ndarray(numpy.asarray(self._rs.normal(loc, scale, size)).astype(dtype))

        def uniform(self, low=0.0, high=1.0, size=None, dtype=float):
            return ndarray(numpy.asarray(self._rs.uniform(low, high, size)).astype(dtype))

        def randint(self, low, high=None, size=None, dtype=int):
            return ndarray(numpy.asarray(self._rs.randint(low, high, size)).astype(dtype))

        def permutation(self, n):
            return ndarray(self._rs.permutation(n))

        def choice(self, a, size=None, replace=True, p=None):
            return ndarray(numpy.asarray(self._rs.choice(_unwrap(a, "choice"), size,
                                                         replace, _unwrap(p, "choice"))))

        def get_state(self):
            raise AttributeError("CuPy's RandomState does not expose its state")


# ------------------------------------------------------------------ cuda
class cuda:
    class runtime:
        @staticmethod
        def getDeviceCount():
            return 1

    class _Stream:
        def synchronize(self):
            _count("syncs")

    @staticmethod
    def get_current_stream():
        return cuda._Stream()

    class Device:
        def __init__(self, index=0):
            self.id = index

        def synchronize(self):
            _count("syncs")
