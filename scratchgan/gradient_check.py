"""Check hand-written gradients against central finite differences.

For a module y = f(x; W) and a random upstream gradient dy, define the scalar
L = sum(y * dy).  Its exact derivatives are what backward computes:
dL/dx = backward(dy) and dL/dW = W.grad.  Numerically, for each entry v of x
or W,

    dL/dv ~ (L(v + h) - L(v - h)) / (2 h)        error O(h^2)

in float64 with h = 1e-6.  We compare the two per tensor with a relative
error in the style of CS231n, taken over the tensor's max-norm so that entries
whose true gradient is exactly zero do not divide by zero:

    rel_error = max|a - n| / (max|a| + max|n|)

``gradcheck`` floors that denominator at 1e-3 times the module's largest
gradient entry (``ABSOLUTE_FLOOR``): a tensor whose true gradient is zero (a
bias right before BatchNorm, which subtracts it straight back out) would
otherwise compare two kinds of rounding noise and read ~1.0.

Guide (float64): ~1e-7 or below is right for smooth layers (Linear, Tanh,
BatchNorm, losses); kinked ones (ReLU, LeakyReLU, L1) are right too when no
input sits within h of a kink.  Anything above ~1e-4 is a bug.  Tests here
assert 1e-6.

Both functions work on a float64 deep copy, so the caller's module and arrays
are never changed.
"""
import copy

import numpy

from . import backend
from .nn.forward_caches import no_grad


def rel_error(a, n):
    """max|a - n| / (max|a| + max|n|), in float64 on the host: the one relative
    error of this library and its tests (0 when both are all zeros)."""
    a, n = backend.to_host(a).astype(numpy.float64), backend.to_host(n).astype(numpy.float64)
    denom = numpy.abs(a).max(initial=0.0) + numpy.abs(n).max(initial=0.0)
    if denom == 0.0:
        return 0.0
    return float(numpy.abs(a - n).max() / denom)


#: A tensor whose gradient is tiny next to the module's largest one (a bias
#: right before BatchNorm: its true gradient is exactly zero) is judged on an
#: absolute scale: its error is divided by at least this share of the largest
#: gradient entry of any tensor, so finite-difference noise of 1e-10 over a true
#: zero reads ~1e-7, not 1.0.
ABSOLUTE_FLOOR = 1e-3


def _errors(analytic, numeric):
    """rel_error per tensor, the denominator floored at ABSOLUTE_FLOOR times the
    largest |gradient| of the whole module."""
    scale = max((float(numpy.abs(backend.to_host(v)).max(initial=0.0))
                 for pair in (analytic, numeric) for v in pair.values() if v is not None),
                default=0.0)
    floor = ABSOLUTE_FLOOR * scale
    errors = {}
    for k in analytic:
        a = backend.to_host(analytic[k]).astype(numpy.float64)
        n = backend.to_host(numeric[k]).astype(numpy.float64)
        denom = max(numpy.abs(a).max(initial=0.0) + numpy.abs(n).max(initial=0.0), floor)
        errors[k] = 0.0 if denom == 0.0 else float(numpy.abs(a - n).max() / denom)
    return errors


def numeric_grad(f, v, h=1e-6):
    """Central differences of the scalar function f() w.r.t. array v, in place."""
    grad = numpy.zeros(v.shape, dtype=numpy.float64)
    flat = v.reshape(-1)                      # a view: writing it perturbs v
    g = grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i].item()
        flat[i] = old + h
        plus = f()
        flat[i] = old - h
        minus = f()
        flat[i] = old
        g[i] = (plus - minus) / (2 * h)
    return grad


def gradcheck(module, x, *extra, h=1e-6, seed=None, return_grads=False):
    """Max relative error of ``module``'s gradients, per tensor.

    Args:
        module: any Module; copied and cast to float64 (the original is untouched).
        x: the input whose gradient ``backward`` returns.  A module whose
            forward returns a tuple (two heads) gets a tuple of upstream
            gradients, one per output, as its backward's first argument.
        *extra: further forward arguments held constant (e.g. a condition).
        h: finite-difference step.
        seed: for random modules (Dropout), re-seed the generator with this
            before every forward so each one sees the same mask.
    Returns:
        {"input": err, "<param name>": err, ...}; with ``return_grads`` also the
        analytic and numeric gradients, {name: (analytic, numeric)}.
    """
    m = copy.deepcopy(module).to(dtype=numpy.float64)
    xp = backend.get_array_module(x)
    x = x.astype(xp.float64).copy()
    extra = [e.astype(xp.float64) if getattr(e, "dtype", None) is not None
             and e.dtype.kind == "f" else e for e in extra]

    def forward():
        if seed is not None:
            backend.manual_seed(seed)
        return m.forward(x, *extra)

    y = forward()
    # A module with several outputs (two heads) returns a tuple: one dy each,
    # and L = sum_i sum(y_i * dy_i).
    several = isinstance(y, tuple)
    rs = numpy.random.RandomState(0)
    dy = tuple(xp.asarray(rs.standard_normal(yi.shape)) for yi in (y if several else (y,)))
    m.zero_grad()
    analytic = {"input": m.backward(dy if several else dy[0], y)}
    for name, p in m.named_parameters():
        analytic[name] = p.grad.copy()

    def loss():
        with no_grad():                   # the perturbed forwards need no backward
            out = forward()
            return sum(float((yi * dyi).sum())
                       for yi, dyi in zip(out if several else (out,), dy))

    # finite differences run on the host copy, then are compared
    numeric = {"input": numeric_grad(loss, x, h)}
    for name, p in m.named_parameters():
        numeric[name] = numeric_grad(loss, p.data, h)
    errors = _errors(analytic, numeric)
    if return_grads:
        return errors, {k: (analytic[k], numeric[k]) for k in analytic}
    return errors


def gradcheck_loss(loss_fn, pred, target, h=1e-6, **kwargs):
    """Relative error of ``loss_fn.backward()`` against finite differences.

    Returns {"input": err}, the gradient w.r.t. ``pred``.  ``kwargs`` (e.g. a
    per-element ``weight``) are passed to every call of the loss.
    """
    xp = backend.get_array_module(pred)
    pred = pred.astype(xp.float64).copy()
    if hasattr(target, "astype"):
        target = target.astype(xp.float64)
    kwargs = {k: v.astype(xp.float64) if hasattr(v, "astype") else v for k, v in kwargs.items()}
    loss_fn(pred, target, **kwargs)
    analytic = loss_fn.backward(pred)

    def loss():
        with no_grad():
            return float(loss_fn(pred, target, **kwargs))
    numeric = numeric_grad(loss, pred, h)
    return {"input": rel_error(analytic, numeric)}
