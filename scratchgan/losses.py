"""Losses: ``loss = criterion.forward(pred, target)`` then ``dpred = criterion.backward()``.

Every loss here averages over all N elements (PyTorch's ``reduction='mean'``),
so every gradient carries a 1/N.  ``reduction='sum'`` drops it.  ``target``
must have exactly ``pred``'s shape (nothing is silently broadcast), or be a
plain number, which means "this value everywhere" (handy for GAN labels:
1.0 for real, 0.0 for fake, 0.9 for one-sided label smoothing).
"""
import numpy

from . import backend
from .nn.activation import sigmoid
from .nn.module import ShapeError


class _Loss:
    def __init__(self, reduction="mean"):
        if reduction not in ("mean", "sum"):
            raise ValueError(f"{type(self).__name__}: reduction must be 'mean' or "
                             f"'sum', got {reduction!r}")
        self.reduction = reduction
        self._cache = None

    def __call__(self, pred, target):
        return self.forward(pred, target)

    def _prepare(self, pred, target):
        xp = backend.get_array_module(pred)
        if not hasattr(pred, "dtype") or pred.dtype.kind != "f":
            raise TypeError(f"{type(self).__name__}: pred must be a floating-point "
                            f"array, got {getattr(pred, 'dtype', type(pred).__name__)}")
        if isinstance(target, (int, float)):
            target = xp.full(pred.shape, target, dtype=pred.dtype)
        elif target.shape != pred.shape:
            raise ShapeError(f"{type(self).__name__}: target shape {tuple(target.shape)} "
                             f"does not match pred shape {tuple(pred.shape)} (no "
                             f"broadcasting: reshape one of them)")
        else:
            target = target.astype(pred.dtype, copy=False)
        return xp, target

    def _reduce(self, elementwise):
        total = elementwise.sum()
        return total / elementwise.size if self.reduction == "mean" else total

    def _scale(self, n):
        return 1.0 / n if self.reduction == "mean" else 1.0

    def _need_cache(self):
        if self._cache is None:
            raise RuntimeError(f"{type(self).__name__}: backward called before forward")
        return self._cache


class BCELoss(_Loss):
    """Binary cross-entropy on probabilities p in [0, 1] (after a Sigmoid).

    L  = -mean( t log p + (1 - t) log(1 - p) )
    dp = (p - t) / (p (1 - p)) / N

    As PyTorch: each log is clamped at -100 so p = 0 or 1 gives a finite
    loss, and the denominator p (1 - p) is clamped at 1e-12.
    """

    def forward(self, p, t):
        xp, t = self._prepare(p, t)
        with numpy.errstate(divide="ignore"):      # log(0) = -inf, clamped next
            log_p = xp.maximum(xp.log(p), -100)
            log_1mp = xp.maximum(xp.log1p(-p), -100)
        self._cache = (p, t)
        return self._reduce(-(t * log_p + (1 - t) * log_1mp))

    def backward(self):
        p, t = self._need_cache()
        xp = backend.get_array_module(p)
        scale = p.dtype.type(self._scale(p.size))
        return (p - t) / xp.maximum(p * (1 - p), p.dtype.type(1e-12)) * scale


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy on logits x, with the sigmoid folded in (stable).

    L  = mean( max(x, 0) - x t + log(1 + e^{-|x|}) )      (= BCE(sigmoid(x), t))
    dx = (sigmoid(x) - t) / N

    The rewritten form never exponentiates a positive number, so logits of
    +-1e4 give a finite loss and gradient, where sigmoid-then-log would not.
    """

    def forward(self, x, t):
        xp, t = self._prepare(x, t)
        self._cache = (x, t)
        return self._reduce(xp.maximum(x, 0) - x * t + xp.log1p(xp.exp(-xp.abs(x))))

    def backward(self):
        x, t = self._need_cache()
        return (sigmoid(x) - t) * x.dtype.type(self._scale(x.size))


class MSELoss(_Loss):
    """L = mean( (p - t)^2 );  dp = 2 (p - t) / N."""

    def forward(self, p, t):
        _, t = self._prepare(p, t)
        d = p - t
        self._cache = d
        return self._reduce(d * d)

    def backward(self):
        d = self._need_cache()
        return d * d.dtype.type(2 * self._scale(d.size))


class L1Loss(_Loss):
    """L = mean( |p - t| );  dp = sign(p - t) / N   (sign(0) = 0, as PyTorch)."""

    def forward(self, p, t):
        xp, t = self._prepare(p, t)
        d = p - t
        self._cache = d
        return self._reduce(xp.abs(d))

    def backward(self):
        d = self._need_cache()
        xp = backend.get_array_module(d)
        return xp.sign(d) * d.dtype.type(self._scale(d.size))
