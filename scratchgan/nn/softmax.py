"""Softmax and LogSoftmax over one axis (the class axis, 1 by default).

    softmax(x)_i     = e^{x_i} / sum_j e^{x_j}
    log_softmax(x)_i = x_i - log sum_j e^{x_j}

Both are computed after subtracting max_j x_j, which changes nothing
mathematically (the factor e^{-max} cancels) but keeps every exponent <= 0,
so logits of +-1e4 neither overflow nor give NaN.

Backward, with y the output and dy its gradient (sums over the same axis):

    Softmax:     dx = y * (dy - sum(dy * y))          (the Jacobian diag(y) - y y^T)
    LogSoftmax:  dx = dy - softmax(x) * sum(dy)       (the Jacobian I - 1 softmax^T)
"""
from .. import backend
from .module import Module, ShapeError


def log_softmax(x, axis=1):
    """x - logsumexp(x) along ``axis``, stably."""
    xp = backend.get_array_module(x)
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))


def softmax(x, axis=1):
    """e^x / sum e^x along ``axis``, stably."""
    xp = backend.get_array_module(x)
    e = xp.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


class _OverAxis(Module):
    def __init__(self, dim=1):
        super().__init__()
        self.dim = int(dim)

    def _check(self, x):
        if not hasattr(x, "dtype") or x.dtype.kind != "f":
            raise TypeError(f"{self!r}: expected a floating-point array, got "
                            f"{getattr(x, 'dtype', type(x).__name__)}")
        if not -x.ndim <= self.dim < x.ndim:
            raise ShapeError(f"{self!r}: dim {self.dim} is out of range for an input of "
                             f"shape {tuple(x.shape)}")

    def _check_grad(self, dy, y):
        if tuple(dy.shape) != tuple(y.shape):
            raise ShapeError(f"{self!r}: backward expected grad of shape {tuple(y.shape)}, "
                             f"got {tuple(dy.shape)}")

    def extra_repr(self):
        return f"dim={self.dim}"


class Softmax(_OverAxis):
    """``torch.nn.Softmax(dim)``: y = softmax(x);  dx = y * (dy - sum(dy * y))."""

    def forward(self, x):
        self._check(x)
        return self.remember(softmax(x, self.dim))

    def backward(self, dy, output=None):
        y, _ = self.recall(output)
        self._check_grad(dy, y)
        return y * (dy - (dy * y).sum(axis=self.dim, keepdims=True))


class LogSoftmax(_OverAxis):
    """``torch.nn.LogSoftmax(dim)``: y = log_softmax(x);  dx = dy - e^y * sum(dy)."""

    def forward(self, x):
        self._check(x)
        return self.remember(log_softmax(x, self.dim))

    def backward(self, dy, output=None):
        y, _ = self.recall(output)
        self._check_grad(dy, y)
        xp = backend.get_array_module(y)
        return dy - xp.exp(y) * dy.sum(axis=self.dim, keepdims=True)
