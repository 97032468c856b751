"""Dropout: zero each input (Dropout) or each whole channel (Dropout2d) with
probability p while training."""
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

    def forward(self, x):
        if not self.training or self.p == 0.0:
            return self.remember(x.view(), None)        # the identity: no mask
        keep = backend.rng().random_sample(x.shape) >= self.p
        scale = keep.astype(x.dtype) * x.dtype.type(1.0 / (1.0 - self.p))  # mask / (1 - p)
        return self.remember(x * scale, scale)

    def backward(self, dy, output=None):
        y, scale = self.recall(output)
        if dy.shape != y.shape:
            raise ValueError(f"{self!r}: backward expected grad of shape "
                             f"{tuple(y.shape)}, got {tuple(dy.shape)}")
        return dy if scale is None else dy * scale

    def extra_repr(self):
        return f"p={self.p}"


class Dropout2d(Dropout):
    """Channel dropout, as ``torch.nn.Dropout2d(p=0.5)``: one mask value per
    (n, c) plane of an (N, C, H, W) input, so a whole feature map is dropped.

    Training:  mask_nc ~ Bernoulli(1 - p),  y = x * mask_nc / (1 - p),
               dx = dy * mask_nc / (1 - p)
    Neighbouring pixels of a feature map are strongly correlated, so dropping
    single pixels hardly regularises a conv net; dropping maps does
    (Tompson et al. 2015).  The backward is Dropout's: the mask broadcasts.
    """

    def forward(self, x):
        self._check_rank(x, 4, "(N, C, H, W)")
        if not self.training or self.p == 0.0:
            return self.remember(x.view(), None)
        keep = backend.rng().random_sample((x.shape[0], x.shape[1], 1, 1)) >= self.p
        scale = keep.astype(x.dtype) * x.dtype.type(1.0 / (1.0 - self.p))
        return self.remember(x * scale, scale)
