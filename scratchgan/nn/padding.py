"""Reflection padding: the border of an image mirrored outward, without repeating the edge.

For one row x[0..W-1] and padding (l, r):

    y = [x[l], ..., x[1], x[0], x[1], ..., x[W-1], x[W-2], ..., x[W-1-r]]

so the padded pixels carry real image content instead of zeros (CycleGAN's
generators pad this way: no dark frame for the convolution to learn around).
Each padded pixel is a *copy* of an inner pixel, so the backward adds the
gradient of every copy back onto its source: the centre of dy, plus the
mirrored strips of dy folded back onto x[1..l] and x[W-1-r..W-2].  Height and
width are independent, so each is done in turn.
"""
from .. import backend
from .module import Module, ShapeError


def _four(padding):
    """int or (left, right, top, bottom), as PyTorch."""
    if isinstance(padding, int):
        return (padding,) * 4
    padding = tuple(int(p) for p in padding)
    if len(padding) != 4:
        raise ValueError(f"ReflectionPad2d: padding must be an int or (left, right, top, "
                         f"bottom), got {padding}")
    return padding


class ReflectionPad2d(Module):
    """As ``torch.nn.ReflectionPad2d(padding)``: (N, C, H, W) -> (N, C, H+t+b, W+l+r)."""

    def __init__(self, padding):
        super().__init__()
        self.padding = _four(padding)
        if min(self.padding) < 0:
            raise ValueError(f"ReflectionPad2d: padding must be >= 0, got {self.padding}")

    def forward(self, x):
        self._check_rank(x, 4, "(N, C, H, W)")
        left, right, top, bottom = self.padding
        H, W = x.shape[2], x.shape[3]
        if max(left, right) >= W or max(top, bottom) >= H:
            raise ShapeError(f"{self!r}: padding must be smaller than the input's width and "
                             f"height (reflection never repeats the edge), got shape "
                             f"{tuple(x.shape)}")
        xp = backend.get_array_module(x)
        y = xp.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)), mode="reflect")
        return self.remember(y, (tuple(x.shape),))

    def backward(self, dy, output=None):
        y, (x_shape,) = self.recall(output)
        if tuple(dy.shape) != tuple(y.shape):
            raise ShapeError(f"{self!r}: backward expected grad of shape {tuple(y.shape)}, "
                             f"got {tuple(dy.shape)}")
        left, right, top, bottom = self.padding
        H, W = x_shape[2], x_shape[3]
        # width: the centre, plus each mirrored strip folded back onto its source
        d = dy[..., left:left + W].copy()
        if left:
            d[..., 1:left + 1] += dy[..., :left][..., ::-1]
        if right:
            d[..., W - 1 - right:W - 1] += dy[..., left + W:][..., ::-1]
        # height, the same on the other axis
        dx = d[:, :, top:top + H].copy()
        if top:
            dx[:, :, 1:top + 1] += d[:, :, :top][:, :, ::-1]
        if bottom:
            dx[:, :, H - 1 - bottom:H - 1] += d[:, :, top + H:][:, :, ::-1]
        return dx

    def extra_repr(self):
        return f"{self.padding}"
