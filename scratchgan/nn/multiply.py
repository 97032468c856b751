"""Multiply: the elementwise product of two inputs (ACGAN's label embedding times z)."""
from .module import Module, ShapeError


class Multiply(Module):
    """y = a * b (same shapes, nothing broadcast), as ``torch.mul(a, b)``.

    Backward (the product rule, one factor at a time):

        da = dy * b,   db = dy * a

    PyTorch-GAN's ACGAN feeds its generator ``torch.mul(label_emb(labels), z)``:
    each class scales the noise by its own learned vector.  ``backward``
    returns (da, db); da goes on to the embedding's backward.
    """

    def forward(self, a, b):
        if not hasattr(a, "shape") or not hasattr(b, "shape") or a.shape != b.shape:
            raise ShapeError(f"{self!r}: expected two arrays of one shape, got "
                             f"{tuple(getattr(a, 'shape', ()))} and "
                             f"{tuple(getattr(b, 'shape', ()))} (nothing is broadcast)")
        self._check_dtype(b, a)
        return self.remember(a * b, (a, b))

    def backward(self, dy, output=None):
        y, (a, b) = self.recall(output)
        if dy.shape != y.shape:
            raise ShapeError(f"{self!r}: backward expected grad of shape {tuple(y.shape)}, "
                             f"got {tuple(dy.shape)}")
        return dy * b, dy * a
