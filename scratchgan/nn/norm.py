"""Batch normalisation (Ioffe & Szegedy 2015), as PyTorch does it.

One channel c at a time, over the M values that share it (M = N for an
(N, C) input, N*L for (N, C, L), N*H*W for (N, C, H, W)):

    mu    = (1/M) sum_k x_k
    var   = (1/M) sum_k (x_k - mu)^2          (biased: this one normalises)
    sigma = sqrt(var + eps)
    xhat  = (x - mu) / sigma
    y     = gamma * xhat + beta

BatchNorm2d over (N, C, H, W) *is* BatchNorm1d over the (N*H*W, C) matrix
obtained by moving channels last and flattening; here it is computed by
reducing over the axes (0, 2, 3) directly, which gives the same numbers
without the transpose copy.

Backward in training mode (the batch statistics depend on x).  Write
g = dL/dxhat = gamma * dy for one channel.  From

    d var  / dx_i = (2/M)(x_i - mu)            (the mu-term sums to zero)
    d sigma/ dx_i = (x_i - mu) / (M sigma) = xhat_i / M
    d xhat_j / dx_i = (1/sigma) [delta_ij - 1/M - xhat_i xhat_j / M]

the chain rule dx_i = sum_j g_j d xhat_j / dx_i gives the compact formula

    dx = (1 / (M sigma)) * (M g - sum(g) - xhat * sum(g * xhat))
       = (gamma / (M sigma)) * (M dy - sum(dy) - xhat * sum(dy * xhat))

and the parameter gradients

    dgamma = sum(dy * xhat),   dbeta = sum(dy)

so dx = (gamma / sigma) * (dy - dbeta/M - xhat * dgamma/M): three reductions
share two sums.  (PyTorch's CPU kernel computes it in this last form too.)

The naive twin, the chain rule one node at a time (dxhat -> dvar -> dmu ->
dx), is ``batchnorm_backward_simple`` below; the tests check that
the two agree.

In evaluation mode the running statistics are constants, the layer is the
per-channel affine map y = gamma * (x - running_mean) / sqrt(running_var + eps)
+ beta, and dx = gamma * dy / sqrt(running_var + eps).

Running statistics, PyTorch's update (momentum 0.1 by default):

    running_mean = (1 - momentum) * running_mean + momentum * mu
    running_var  = (1 - momentum) * running_var  + momentum * var * M / (M - 1)

(the *unbiased* batch variance), and ``num_batches_tracked`` (an int64 0-d
array) counts training forwards.  With ``momentum=None`` the factor is
1 / num_batches_tracked: a cumulative average.
"""
import numpy

from .. import backend
from .module import Module, Parameter, ShapeError
from . import init
from .kernels.channel_sum import channel_sum     # the plain version: x.sum(axis=(0, 2, 3))


# -- the naive twin: the chain rule one node at a time -----------------------------------
# (read it first: the fast path below is tested against it)
def batchnorm_forward_simple(x, gamma, beta, eps=1e-5):
    """Training-mode batch norm of (N, C) (or (N, C, ...): statistics over every
    axis but 1), one named step at a time.  Returns (y, cache)."""
    x = numpy.asarray(x, numpy.float64)
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    mu = x.mean(axis=axes, keepdims=True)                     # mu = (1/M) sum x
    xmu = x - mu
    var = (xmu ** 2).mean(axis=axes, keepdims=True)           # var = (1/M) sum (x - mu)^2
    sigma = numpy.sqrt(var + eps)
    xhat = xmu / sigma                                        # xhat = (x - mu) / sigma
    y = numpy.asarray(gamma).reshape(shape) * xhat + numpy.asarray(beta).reshape(shape)
    return y, (x, xmu, var, sigma, xhat, numpy.asarray(gamma, numpy.float64), eps, axes, shape)


def batchnorm_backward_simple(dy, cache):
    """The chain rule through ``batchnorm_forward_simple`` one node at a time:
    dgamma, dbeta, then dxhat -> dvar -> dmu -> dx.  Returns (dx, dgamma, dbeta).

    (The fast layer folds these into dx = (gamma / sigma) * (dy - mean(dy)
    - xhat * mean(dy * xhat)); the tests check that the two agree.)
    """
    x, xmu, var, sigma, xhat, gamma, eps, axes, shape = cache
    dy = numpy.asarray(dy, numpy.float64)
    M = x.size // x.shape[1]                                   # values per channel
    dgamma = (dy * xhat).sum(axis=axes)                        # y = gamma * xhat + beta
    dbeta = dy.sum(axis=axes)
    dxhat = dy * gamma.reshape(shape)
    # xhat = xmu / sigma, sigma = sqrt(var + eps), var = mean(xmu^2), xmu = x - mu
    dsigma = (dxhat * xmu * -1 / sigma ** 2).sum(axis=axes, keepdims=True)
    dvar = dsigma * 0.5 / numpy.sqrt(var + eps)
    dxmu = dxhat / sigma + dvar * 2 * xmu / M                  # both paths into xmu
    dmu = -dxmu.sum(axis=axes, keepdims=True)
    dx = dxmu + dmu / M                                        # mu = mean(x)
    return dx, dgamma, dbeta



class BatchNorm1d(Module):
    """``torch.nn.BatchNorm1d``: per-feature normalisation of (N, C) or (N, C, L).

    Shapes:  x (N, C) or (N, C, L)  ->  y, same shape
             weight = gamma (C,) init 1,  bias = beta (C,) init 0
             buffers running_mean (C,) init 0, running_var (C,) init 1,
             num_batches_tracked () int64

    Statistics per channel over axis 0 (and 2).  Training on one value per
    channel (a batch of 1 for (1, C)) raises, as in PyTorch: the variance
    would be 0 and xhat meaningless.

    Forward (training):  xhat = (x - mean(x)) / sqrt(var(x) + eps),  y = gamma xhat + beta
    Backward (training): dx = (gamma / sigma) (dy - mean(dy) - xhat mean(dy xhat)),
                         dgamma = sum(dy xhat),  dbeta = sum(dy)
    (derived in the module docstring; the step-by-step twin is
    ``batchnorm_backward_simple``).  BatchNorm2d is this class over (N, C, H, W).
    """

    buffer_names = ("running_mean", "running_var", "num_batches_tracked")
    _ranks = (2, 3)
    _what = "(N, C) or (N, C, L)"

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True):
        super().__init__()
        self.num_features = int(num_features)
        if self.num_features <= 0:
            raise ValueError(f"{type(self).__name__}: num_features must be positive, "
                             f"got {num_features}")
        self.eps = float(eps)
        self.momentum = None if momentum is None else float(momentum)
        self.affine = bool(affine)
        self.track_running_stats = bool(track_running_stats)
        C = self.num_features
        self.weight = Parameter(init.ones((C,))) if self.affine else None    # gamma
        self.bias = Parameter(init.zeros((C,))) if self.affine else None     # beta
        if self.track_running_stats:
            self.running_mean = init.zeros((C,))
            self.running_var = init.ones((C,))
            self.num_batches_tracked = backend.get_xp().zeros((), dtype="int64")
        else:                       # like PyTorch: no buffers in the state dict
            self.buffer_names = ()
            self.running_mean = self.running_var = self.num_batches_tracked = None

    # -- helpers -------------------------------------------------------------
    def _check_input(self, x):
        if not hasattr(x, "ndim"):
            raise TypeError(f"{self!r}: expected an array, got {type(x).__name__}")
        if x.ndim not in self._ranks:
            raise ShapeError(f"{self!r}: expected a "
                             f"{' or '.join(f'{r}-D' for r in self._ranks)} input "
                             f"{self._what}, got shape {tuple(x.shape)}")
        if x.shape[1] != self.num_features:
            raise ShapeError(f"{self!r}: expected {self.num_features} channels in "
                             f"dimension 1 of the input {self._what}, got shape "
                             f"{tuple(x.shape)}")
        like = self.weight.data if self.affine else self.running_mean
        if like is not None:
            self._check_dtype(x, like)

    # -- the two passes --------------------------------------------------------
    def forward(self, x):
        self._check_input(x)
        shape = (1, -1) + (1,) * (x.ndim - 2)          # broadcast a (C,) vector
        M = x.size // self.num_features                # values per channel
        xp = backend.get_array_module(x)
        use_batch = self.training or not self.track_running_stats
        if use_batch:
            if M <= 1:
                raise ValueError(f"{self!r}: Expected more than 1 value per channel "
                                 f"when training, got input size {tuple(x.shape)} "
                                 f"(use a batch of at least 2, or call .eval())")
            mean = channel_sum(x) / M
            xhat = x - mean.reshape(shape)             # x - mu (becomes xhat below)
            var = channel_sum(xhat * xhat) / M        # biased
            invstd = 1.0 / xp.sqrt(var + self.eps)     # 1 / sigma
            xhat *= invstd.reshape(shape)              # in place: one temporary fewer
            if self.training and self.track_running_stats:
                self.num_batches_tracked += 1
                rate = (1.0 / float(self.num_batches_tracked) if self.momentum is None
                        else self.momentum)
                self.running_mean *= 1 - rate
                self.running_mean += rate * mean
                self.running_var *= 1 - rate
                self.running_var += (rate * M / (M - 1)) * var   # unbiased
        else:
            invstd = 1.0 / xp.sqrt(self.running_var + self.eps)
            xhat = x - self.running_mean.reshape(shape)
            xhat *= invstd.reshape(shape)
        cache = (use_batch, xhat, invstd, shape, M)
        if not self.affine:
            return self.remember(xhat.copy(), cache)  # the cache must stay intact
        y = xhat * self.weight.data.reshape(shape)     # gamma * xhat + beta
        y += self.bias.data.reshape(shape)
        return self.remember(y, cache)

    def backward(self, dy, output=None):
        _, (use_batch, xhat, invstd, shape, M) = self.recall(output)
        if tuple(dy.shape) != tuple(xhat.shape):
            raise ShapeError(f"{self!r}: backward expected grad of shape "
                             f"{tuple(xhat.shape)}, got {tuple(dy.shape)}")
        frozen = not self.affine or not (self.weight.requires_grad or self.bias.requires_grad)
        if not use_batch and frozen:
            scale = self.weight.data * invstd if self.affine else invstd
            return dy * scale.reshape(shape)           # eval, frozen: no sums needed
        sum_dy = channel_sum(dy)                      # = dbeta
        sum_dy_xhat = channel_sum(dy * xhat)          # = dgamma
        if self.affine:
            if self.weight.requires_grad:
                self.weight.grad += sum_dy_xhat
            if self.bias.requires_grad:
                self.bias.grad += sum_dy
            scale = self.weight.data * invstd          # gamma / sigma
        else:
            scale = invstd
        if not use_batch:                              # eval: a fixed affine map
            return dy * scale.reshape(shape)
        # dx = (gamma / (M sigma)) * (M dy - sum(dy) - xhat * sum(dy xhat))
        #    = (gamma / sigma) * (dy - sum(dy)/M - xhat * sum(dy xhat)/M),
        # evaluated in place in one buffer t:
        t = xhat * (sum_dy_xhat / M).reshape(shape)    # xhat * sum(dy xhat)/M
        t += (sum_dy / M).reshape(shape)               # ... + sum(dy)/M
        xp = backend.get_array_module(dy)
        xp.subtract(dy, t, out=t)                      # dy - sum(dy)/M - xhat sum(dy xhat)/M
        t *= scale.reshape(shape)                      # times gamma / sigma
        return t

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, track_running_stats={self.track_running_stats}")




class BatchNorm2d(BatchNorm1d):
    """``torch.nn.BatchNorm2d``: per-channel normalisation of (N, C, H, W).

    Shapes:  x (N, C, H, W)  ->  y (N, C, H, W)
             weight = gamma (C,) init 1,  bias = beta (C,) init 0
             buffers as BatchNorm1d.

    The statistics of channel c are taken over all N*H*W values x[:, c, :, :]:
    BatchNorm2d is BatchNorm1d applied to x viewed as (N*H*W, C), computed here
    by reducing over the axes (0, 2, 3) without that transpose: the same code,
    only the accepted rank differs.
    """
    _ranks = (4,)
    _what = "(N, C, H, W)"
