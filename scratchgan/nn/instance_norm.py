"""Instance normalisation: BatchNorm's formula, one image and one channel at a time.

Ulyanov et al. (2016) normalise every (n, c) plane of an (N, C, H, W) input
over its own H*W pixels, so an image's contrast does not depend on the other
images of the batch (style transfer, CycleGAN).  With M = H*W values per plane:

    mu    = mean_hw x                      (N, C, 1, 1)
    var   = mean_hw (x - mu)^2             biased, as in BatchNorm
    x_hat = (x - mu) / sqrt(var + eps)
    y     = gamma_c * x_hat + beta_c       only with affine=True (PyTorch's default: False)

The backward is BatchNorm's with the plane in place of the batch:

    dgamma = sum_{n,h,w} dy * x_hat,   dbeta = sum_{n,h,w} dy
    dx_hat = gamma * dy
    dx     = (1 / sigma) * (dx_hat - mean_hw(dx_hat) - x_hat * mean_hw(dx_hat * x_hat))

It is BatchNorm of x.reshape(1, N*C, H, W): every plane a channel of its own,
which is how the tests check it against ``norm.batchnorm_forward_simple``.

There are no running statistics (PyTorch's default track_running_stats=False):
training and evaluation compute the same thing.
"""
from .. import backend
from . import init
from .module import Module, Parameter, ShapeError


class InstanceNorm2d(Module):
    """As ``torch.nn.InstanceNorm2d(num_features, eps=1e-5, affine=False)``."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False,
                 track_running_stats=False):
        super().__init__()
        if track_running_stats:
            raise ValueError("InstanceNorm2d: track_running_stats=True is not implemented "
                             "(PyTorch's default, False, normalises by each image's own "
                             "statistics in training and evaluation alike)")
        if int(num_features) < 1 or not eps > 0:
            raise ValueError(f"InstanceNorm2d: num_features must be >= 1 and eps > 0, got "
                             f"{num_features}, {eps}")
        self.num_features, self.eps, self.affine = int(num_features), float(eps), bool(affine)
        if self.affine:
            self.weight = Parameter(init.ones((self.num_features,)))     # gamma
            self.bias = Parameter(init.zeros((self.num_features,)))      # beta

    def forward(self, x):
        self._check_rank(x, 4, "(N, C, H, W)")
        if x.shape[1] != self.num_features:
            raise ShapeError(f"{self!r}: expected {self.num_features} channels in dimension 1 "
                             f"of the input (N, C, H, W), got shape {tuple(x.shape)}")
        if x.shape[2] * x.shape[3] < 2:
            raise ShapeError(f"{self!r}: needs more than one pixel per plane to normalise, "
                             f"got shape {tuple(x.shape)}")
        xp = backend.get_array_module(x)
        mu = x.mean(axis=(2, 3), keepdims=True)
        x_hat = x - mu
        var = (x_hat * x_hat).mean(axis=(2, 3), keepdims=True)
        inv_sigma = 1.0 / xp.sqrt(var + x.dtype.type(self.eps))
        x_hat *= inv_sigma
        if not self.affine:
            return self.remember(x_hat.copy(), (x_hat, inv_sigma))   # the cache stays intact
        y = x_hat * self.weight.data.reshape(1, -1, 1, 1) + self.bias.data.reshape(1, -1, 1, 1)
        return self.remember(y, (x_hat, inv_sigma))

    def backward(self, dy, output=None):
        y, (x_hat, inv_sigma) = self.recall(output)
        if tuple(dy.shape) != tuple(y.shape):
            raise ShapeError(f"{self!r}: backward expected grad of shape {tuple(y.shape)}, "
                             f"got {tuple(dy.shape)}")
        if self.affine:
            if self.weight.requires_grad:
                self.weight.grad += (dy * x_hat).sum(axis=(0, 2, 3))
            if self.bias.requires_grad:
                self.bias.grad += dy.sum(axis=(0, 2, 3))
            dx_hat = dy * self.weight.data.reshape(1, -1, 1, 1)
        else:
            dx_hat = dy
        mean_dx_hat = dx_hat.mean(axis=(2, 3), keepdims=True)
        mean_dx_hat_x_hat = (dx_hat * x_hat).mean(axis=(2, 3), keepdims=True)
        return inv_sigma * (dx_hat - mean_dx_hat - x_hat * mean_dx_hat_x_hat)

    def extra_repr(self):
        return f"{self.num_features}, eps={self.eps}, affine={self.affine}"
