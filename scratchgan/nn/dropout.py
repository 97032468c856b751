"""Dropout: zero each input with probability p while training."""
from .. import backend
from .module import Module


class Dropout(Module):
    """Inverted dropout, as ``torch.nn.Dropout(p=0.5)``.

    Training:  mask_i ~ Bernoulli(1 - p),  y = x * mask / (1 - p),
               dx = dy * mask / (1 - p)
    Eval:      y = x,  dx = dy

    Dividing by (1 - p) while training keeps E[y] = x, so nothing needs
    rescaling at test time.  The mask comes from the seeded generator
    (``backend.manual_seed``), so runs are reproducible.
    """

    def __init__(self, p=0.5, inplace=False):        # inplace: accepted, no effect
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"Dropout: p must be in [0, 1), got {p}")
        self.p = float(p)
        self._scale = None                  # mask / (1 - p), or None in eval

    def forward(self, x):
        if not self.training or self.p == 0.0:
            self._scale = None
            return x
        keep = backend.rng().random_sample(x.shape) >= self.p
        self._scale = keep.astype(x.dtype) * x.dtype.type(1.0 / (1.0 - self.p))
        return x * self._scale

    def backward(self, dy):
        if self._scale is None:
            return dy
        if dy.shape != self._scale.shape:
            raise ValueError(f"{self!r}: backward expected grad of shape "
                             f"{tuple(self._scale.shape)}, got {tuple(dy.shape)}")
        return dy * self._scale

    def extra_repr(self):
        return f"p={self.p}"
