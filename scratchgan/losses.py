"""Losses: ``loss = criterion(pred, target)`` then ``dpred = criterion.backward(pred)``.

By default every loss averages over all N elements (PyTorch's
``reduction='mean'``), so every gradient carries a 1/N.  ``reduction='sum'``
drops it; ``reduction='none'`` returns the elementwise losses, and then
backward needs their upstream gradient (as PyTorch's does).  ``target`` must
have exactly ``pred``'s shape (nothing is silently broadcast), or be a plain
number, which means "this value everywhere" (handy for GAN labels: 1.0 for
real, 0.0 for fake, 0.9 for one-sided label smoothing).

``BCELoss`` and ``MSELoss`` also take a per-element ``weight`` of pred's shape
(as PyTorch's functional ``binary_cross_entropy(p, t, weight=w)``): each
element's loss is multiplied by its weight before the reduction, and so is
its gradient.  A 0/1 weight is a mask: ``mse(g, x, weight=m)`` is
``mean(m * (g - x)^2)``, averaged over *all* elements (divide by ``mean(m)``
for the mean over the masked ones, as GAIN does).

A loss follows the layers' contract (``nn/module.py``): it may be called
several times before any backward; each call files its cache under ``pred``,
and ``backward(pred)`` uses the cache of the call that was given that very
array (``pred`` may be left out when exactly one call is pending)::

    out_real = D(x_real); loss_real = bce(out_real, 1.0)
    out_fake = D(x_fake); loss_fake = bce(out_fake, 0.0)
    d_loss = loss_real + loss_fake
    D.backward(bce.backward(out_real), out_real)
    D.backward(bce.backward(out_fake), out_fake)

The cache lives as long as ``pred`` does, so keep the prediction in a
variable until its backward (``bce(D(x), 1.0)`` frees D's output at once).
"""
import numpy

from . import backend
from .nn.activation import sigmoid
from .nn.softmax import log_softmax
from .nn.forward_caches import ForwardCaches
from .nn.module import ShapeError, array_mover


class _Loss:
    def __init__(self, reduction="mean"):
        if reduction not in ("mean", "sum", "none"):
            raise ValueError(f"{type(self).__name__}: reduction must be 'mean', 'sum' "
                             f"or 'none', got {reduction!r}")
        self.reduction = reduction
        self._caches = ForwardCaches()

    def __call__(self, pred, target, **kwargs):
        return self.forward(pred, target, **kwargs)

    def __repr__(self):
        return f"{type(self).__name__}(reduction={self.reduction!r})"

    # -- devices, as PyTorch's criterion.cuda() / .to(device) -------------------
    def to(self, device=None, dtype=None):
        """Move the loss's own arrays (a class ``weight``) to ``"cpu"``/``"gpu"``;
        a loss without arrays has nothing to move.  No GPU: a clear error."""
        convert = array_mover(device, dtype, f"{type(self).__name__}.to")
        if getattr(self, "weight", None) is not None:
            self.weight = convert(self.weight)
        return self

    def cuda(self):
        return self.to("gpu")

    def cpu(self):
        return self.to("cpu")

    # -- the contract, as for layers, with pred as the key ---------------------
    def _file_cache(self, pred, cache, value):
        self._caches.put(pred, cache, self)
        return value

    def _take_cache(self, pred):
        return self._caches.take(pred, self, what="pred")

    def pending_forwards(self):
        return len(self._caches)

    # -- helpers ----------------------------------------------------------------
    def _prepare(self, pred, target):
        name = type(self).__name__
        if not hasattr(pred, "dtype") or pred.dtype.kind != "f":
            raise TypeError(f"{name}: pred must be a floating-point array, got "
                            f"{getattr(pred, 'dtype', type(pred).__name__)}")
        xp = backend.get_array_module(pred)
        if isinstance(target, (bool, numpy.bool_)) or not (
                isinstance(target, (int, float, numpy.number)) or hasattr(target, "shape")):
            raise TypeError(f"{name}: target must be a number (e.g. 1.0 for real) or an "
                            f"array of pred's shape {tuple(pred.shape)}, got "
                            f"{type(target).__name__}")
        if not hasattr(target, "shape") or target.shape == ():
            target = xp.full(pred.shape, float(target), dtype=pred.dtype)
        elif target.shape != pred.shape:
            raise ShapeError(f"{name}: target shape {tuple(target.shape)} "
                             f"does not match pred shape {tuple(pred.shape)} (no "
                             f"broadcasting: reshape one of them)")
        else:
            target = target.astype(pred.dtype, copy=False)
        return xp, target

    def _weight(self, pred, weight):
        """The per-element weight as pred's dtype, or None; its shape must be pred's."""
        if weight is None:
            return None
        if not hasattr(weight, "shape") or tuple(weight.shape) != tuple(pred.shape):
            raise ShapeError(f"{type(self).__name__}: weight must be an array of pred's shape "
                             f"{tuple(pred.shape)}, got "
                             f"{tuple(weight.shape) if hasattr(weight, 'shape') else weight!r}")
        return weight.astype(pred.dtype, copy=False)

    def _reduce(self, elementwise):
        if self.reduction == "none":
            return elementwise
        total = elementwise.sum()
        return total / elementwise.size if self.reduction == "mean" else total

    def _upstream(self, grad_out, shape, dtype):
        """dL/dpred = (d loss / d pred) * grad_out: the scale every gradient carries.

        mean: 1/N times grad_out (a number, default 1); sum: grad_out;
        none: grad_out is required and has pred's shape.
        """
        if self.reduction == "none":
            if grad_out is None or not hasattr(grad_out, "shape") or grad_out.shape != shape:
                raise ShapeError(
                    f"{self!r}.backward: with reduction='none' the loss is an array, so "
                    f"backward needs its upstream gradient, an array of shape "
                    f"{tuple(shape)} (backward(pred, grad_out)), got "
                    f"{tuple(grad_out.shape) if hasattr(grad_out, 'shape') else grad_out!r}")
            return grad_out.astype(dtype, copy=False)
        g = 1.0 if grad_out is None else float(grad_out)
        n = 1
        for s in shape:
            n *= s
        return dtype.type(g / n if self.reduction == "mean" else g)


class BCELoss(_Loss):
    """Binary cross-entropy on probabilities p in [0, 1] (after a Sigmoid).

    L  = -mean( w (t log p + (1 - t) log(1 - p)) )       (w = 1 without ``weight``)
    dp = w (p - t) / (p (1 - p)) / N

    As PyTorch: each log is clamped at -100 so p = 0 or 1 gives a finite
    loss, and the denominator p (1 - p) is clamped at 1e-12.  A p outside
    [0, 1] raises on the CPU (PyTorch raises too: use ``BCEWithLogitsLoss``
    on raw scores); on the GPU that check would cost a device sync every
    step, so there such a p gives a NaN loss, which the trainer reports.
    NaN passes through everywhere, for the trainer's divergence check.
    """

    def forward(self, p, t, weight=None):
        xp, t = self._prepare(p, t)
        w = self._weight(p, weight)
        if xp is numpy and ((p < 0) | (p > 1)).any():
            raise ValueError(
                f"{self!r}: pred must be probabilities in [0, 1], got values from "
                f"{float(numpy.nanmin(p)):.4g} to {float(numpy.nanmax(p)):.4g}; for raw "
                f"scores (logits) use BCEWithLogitsLoss, or end the network in Sigmoid")
        with numpy.errstate(divide="ignore", invalid="ignore"):   # log(0) = -inf, clamped
            log_p = xp.maximum(xp.log(p), -100)
            log_1mp = xp.maximum(xp.log1p(-p), -100)
        elementwise = -(t * log_p + (1 - t) * log_1mp)
        if w is not None:
            elementwise = elementwise * w
        return self._file_cache(p, (t, w), self._reduce(elementwise))

    def backward(self, pred=None, grad_out=None):
        p, (t, w) = self._take_cache(pred)
        xp = backend.get_array_module(p)
        scale = self._upstream(grad_out, p.shape, p.dtype)
        dp = (p - t) / xp.maximum(p * (1 - p), p.dtype.type(1e-12)) * scale
        return dp if w is None else dp * w


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy on logits x, with the sigmoid folded in (stable).

    L  = mean( max(x, 0) - x t + log(1 + e^{-|x|}) )      (= BCE(sigmoid(x), t))
    dx = (sigmoid(x) - t) / N

    The rewritten form never exponentiates a positive number, so logits of
    +-1e4 give a finite loss and gradient, where sigmoid-then-log would not.
    """

    def forward(self, x, t):
        xp, t = self._prepare(x, t)
        value = self._reduce(xp.maximum(x, 0) - x * t + xp.log1p(xp.exp(-xp.abs(x))))
        return self._file_cache(x, (t,), value)

    def backward(self, pred=None, grad_out=None):
        x, (t,) = self._take_cache(pred)
        return (sigmoid(x) - t) * self._upstream(grad_out, x.shape, x.dtype)


class MSELoss(_Loss):
    """L = mean( w (p - t)^2 );  dp = 2 w (p - t) / N   (w = 1 without ``weight``)."""

    def forward(self, p, t, weight=None):
        _, t = self._prepare(p, t)
        w = self._weight(p, weight)
        d = p - t if w is None else (p - t) * w      # w (p - t): the gradient's factor
        elementwise = d * d if w is None else d * (p - t)
        return self._file_cache(p, (d,), self._reduce(elementwise))

    def backward(self, pred=None, grad_out=None):
        _, (d,) = self._take_cache(pred)
        return d * (2 * self._upstream(grad_out, d.shape, d.dtype))


class L1Loss(_Loss):
    """L = mean( |p - t| );  dp = sign(p - t) / N   (sign(0) = 0, as PyTorch)."""

    def forward(self, p, t):
        xp, t = self._prepare(p, t)
        d = p - t
        return self._file_cache(p, (d,), self._reduce(xp.abs(d)))

    def backward(self, pred=None, grad_out=None):
        _, (d,) = self._take_cache(pred)
        xp = backend.get_array_module(d)
        return xp.sign(d) * self._upstream(grad_out, d.shape, d.dtype)


class CrossEntropyLoss(_Loss):
    """Cross-entropy of integer class targets under logits, as ``torch.nn.CrossEntropyLoss``.

    Shapes:  x (N, C) raw scores (logits),  t (N,) integers in [0, C),
             weight (C,) optional: a weight per class

        l_i = -w[t_i] log softmax(x_i)[t_i]
        L   = sum_i l_i / sum_i w[t_i]      ('mean': the weighted mean, PyTorch's rule)
        dx_i = w[t_i] (softmax(x_i) - onehot(t_i)) / sum_i w[t_i]

    The log-softmax is taken after subtracting each row's max (``nn/softmax.py``),
    so logits of +-1e4 give a finite loss and gradient.  Without ``weight``
    every w is 1 and 'mean' is the plain mean over the N samples.
    """

    def __init__(self, weight=None, reduction="mean"):
        super().__init__(reduction)
        if weight is not None and (not hasattr(weight, "ndim") or weight.ndim != 1):
            raise ShapeError(f"CrossEntropyLoss: weight must be a 1-D array with one weight "
                             f"per class, got {getattr(weight, 'shape', weight)!r}")
        self.weight = weight

    def forward(self, x, t):
        if not hasattr(x, "dtype") or x.dtype.kind != "f" or x.ndim != 2:
            raise ShapeError(f"{self!r}: expected logits of shape (N, C) in floating point, got "
                             f"{getattr(x, 'dtype', type(x).__name__)} "
                             f"{tuple(getattr(x, 'shape', ()))}")
        N, C = x.shape
        if not hasattr(t, "dtype") or t.dtype.kind not in "iu" or tuple(t.shape) != (N,):
            raise ShapeError(f"{self!r}: expected integer class targets of shape ({N},), got "
                             f"{getattr(t, 'dtype', type(t).__name__)} "
                             f"{tuple(getattr(t, 'shape', ()))}")
        if self.weight is not None and tuple(self.weight.shape) != (C,):
            raise ShapeError(f"{self!r}: weight has {self.weight.shape[0]} entries but the "
                             f"logits have {C} classes")
        xp = backend.get_array_module(x)
        if xp is numpy and N and (t.min() < 0 or t.max() >= C):
            raise ValueError(f"{self!r}: targets must lie in [0, {C}), got values from "
                             f"{int(t.min())} to {int(t.max())}")
        logp = log_softmax(x, axis=1)
        rows = xp.arange(N)
        w = (xp.ones(N, dtype=x.dtype) if self.weight is None
             else self.weight.astype(x.dtype, copy=False)[t])
        losses_i = -w * logp[rows, t]
        if self.reduction == "none":
            value = losses_i
        elif self.reduction == "sum":
            value = losses_i.sum()
        else:
            value = losses_i.sum() / w.sum()
        return self._file_cache(x, (t, w, logp), value)

    def backward(self, pred=None, grad_out=None):
        x, (t, w, logp) = self._take_cache(pred)
        xp = backend.get_array_module(x)
        N = x.shape[0]
        if self.reduction == "none":
            scale = self._upstream(grad_out, (N,), x.dtype) * w
        elif self.reduction == "sum":
            scale = self._upstream(grad_out, (), x.dtype) * w
        else:
            scale = self._upstream(grad_out, (), x.dtype) * w / w.sum()
        dx = xp.exp(logp)                                 # softmax(x)
        dx[xp.arange(N), t] -= 1                          # - onehot(t)
        return dx * scale[:, None]

    def __repr__(self):
        return (f"CrossEntropyLoss(weight={'None' if self.weight is None else 'per class'}, "
                f"reduction={self.reduction!r})")
