"""The ways networks branch: a condition joined to the input, a U-Net skip,
a residual connection.

Branching is where the chain rule's *sum* appears: when one tensor feeds two
paths, its gradient is the sum of the gradients arriving from both; where
two tensors were joined, the gradient is cut at the seam (``shape.cat``).
"""
from .. import backend
from .module import Module, ShapeError
from .shape import concat


class ConcatCondition(Module):
    """Run ``body`` on [x, c] (concatenated along the feature axis).

    This is how a conditional GAN feeds a label c to G(z, c) or D(x, c)
    (Mirza & Osindero 2014).  For image inputs, c (N, k) is broadcast to
    k constant planes (N, k, H, W) before joining the channels, unless
    ``flatten=True``, which first flattens x to (N, C*H*W) (an MLP's D).

    Forward:   h = [x, c_expanded],  y = body(h)
    Backward:  dh = body.backward(dy);  dx, dc = split(dh)
               (dc is summed over H, W for image inputs, the adjoint of the
               broadcast; it is returned for completeness, e.g. for a learned
               label embedding upstream.)
    """

    def __init__(self, body, flatten=False):
        super().__init__()
        self.body = body
        self.flatten = bool(flatten)
        self.grad_condition = None          # dL/dc of the latest backward

    def forward(self, x, c):
        xp = backend.get_array_module(x)
        if not hasattr(c, "ndim") or c.ndim != 2 or c.shape[0] != x.shape[0]:
            raise ShapeError(f"ConcatCondition: condition must be an array (N, k) with N="
                             f"{x.shape[0]}, got {tuple(getattr(c, 'shape', ()))}")
        x_shape = x.shape
        if self.flatten:
            x = x.reshape(x.shape[0], -1)
        image = x.ndim == 4
        if image:
            c = xp.broadcast_to(c[:, :, None, None], c.shape + x.shape[2:])
        h, split = concat(x, c.astype(x.dtype, copy=False), axis=1)
        y = self.body(h)
        return self.remember(y, (split, image, x_shape))

    def backward(self, dy, output=None):
        y, (split, image, x_shape) = self.recall(output)
        dx, dc = split(self.body.backward(dy, y))     # the body returned y itself
        self.grad_condition = dc.sum(axis=(2, 3)) if image else dc
        return dx.reshape(x_shape)


class SkipConcat(Module):
    """y = [x, body(x)] joined along the channels: the U-Net skip connection.

    pix2pix's U-Net nests these: each level is SkipConcat(Sequential(down,
    inner level, up)), so the decoder sees the encoder's features at its own
    resolution next to what came up from below (Ronneberger et al. 2015).

    Forward:   h = body(x),  y = concat(x, h)            (N, C + C_h, H, W)
    Backward:  cut dy at the seam, dy = [dy_x, dy_h]; x reached y along two
               paths (straight across, and through the body), so
               dx = dy_x + body.backward(dy_h).
    """

    def __init__(self, body):
        super().__init__()
        self.body = body

    def forward(self, x):
        h = self.body(x)
        if h.shape[0] != x.shape[0] or h.shape[2:] != x.shape[2:]:
            raise ShapeError(f"SkipConcat: body must keep the batch and spatial size of "
                             f"{tuple(x.shape)}, but returned {tuple(h.shape)}")
        y, split = concat(x, h, axis=1)
        return self.remember(y, (h, split))

    def backward(self, dy, output=None):
        _, (h, split) = self.recall(output)
        dy_x, dy_h = split(dy)
        return dy_x + self.body.backward(dy_h, h)


class Residual(Module):
    """y = x + body(x): a skip connection.

    Backward: x reaches y along two paths, so its gradient is their sum,
              dx = dy + body.backward(dy).
    """

    def __init__(self, body):
        super().__init__()
        self.body = body

    def forward(self, x):
        h = self.body(x)
        if h.shape != x.shape:
            raise ShapeError(f"Residual: body must keep the shape {tuple(x.shape)}, "
                             f"but returned {tuple(h.shape)}")
        return self.remember(x + h, (h,))

    def backward(self, dy, output=None):
        _, (h,) = self.recall(output)
        return dy + self.body.backward(dy, h)
