"""Nearest-neighbour up-sampling: every pixel repeated s x s times.

    y[n, c, h, w] = x[n, c, h // s, w // s]          (N, C, H, W) -> (N, C, sH, sW)

Each input pixel feeds s*s outputs, so its gradient is the sum of theirs:

    dx[n, c, i, j] = sum_{a, b < s} dy[n, c, s*i + a, s*j + b]

computed by viewing dy as (N, C, H, s, W, s) and summing the two s axes.
(The lectures' "GAN hacks" and ACGAN up-sample this way, then convolve,
instead of using a transposed convolution.)
"""
from .module import Module, ShapeError


class Upsample(Module):
    """As ``torch.nn.Upsample(scale_factor=s, mode="nearest")`` for an integer s."""

    def __init__(self, size=None, scale_factor=2, mode="nearest"):
        super().__init__()
        if size is not None or mode != "nearest":
            raise ValueError("Upsample: only scale_factor with mode='nearest' is implemented")
        if int(scale_factor) != scale_factor or scale_factor < 1:
            raise ValueError(f"Upsample: scale_factor must be a positive integer, got "
                             f"{scale_factor}")
        self.scale_factor = int(scale_factor)

    def forward(self, x):
        self._check_rank(x, 4, "(N, C, H, W)")
        s = self.scale_factor
        N, C, H, W = x.shape
        y = x[:, :, :, None, :, None]                                 # (N, C, H, 1, W, 1)
        y = y.repeat(s, axis=3).repeat(s, axis=5).reshape(N, C, H * s, W * s)
        return self.remember(y, ())

    def backward(self, dy, output=None):
        y, () = self.recall(output)
        if tuple(dy.shape) != tuple(y.shape):
            raise ShapeError(f"{self!r}: backward expected grad of shape {tuple(y.shape)}, "
                             f"got {tuple(dy.shape)}")
        s = self.scale_factor
        N, C, Hs, Ws = dy.shape
        return dy.reshape(N, C, Hs // s, s, Ws // s, s).sum(axis=(3, 5))

    def extra_repr(self):
        return f"scale_factor={self.scale_factor}, mode='nearest'"
