"""Reshaping and joining: Flatten, Reshape, cat and split.

Reshaping moves no numbers, so its backward just reshapes the gradient back;
joining moves them side by side, so its backward cuts the gradient at the
seams (``cat``'s backward is ``split``).  The ways networks branch (a
condition joined in, skip connections) are in ``branches.py``.
"""
import itertools

from .. import backend
from .module import Module, ShapeError


def _rows_in_order(x):
    """x itself, or for an (N, C, H, W) array lying HWNC in memory (a convolution's
    output) a C-ordered copy made in two steps, through NHWC: the one-step copy
    reads a number from a new place for every number it writes (each (h, w)
    pixel N*C apart), the two-step one moves runs of C numbers and then
    transposes each image's small (H*W, C) block (DCGAN-28's D, 128 x 128 x
    7 x 7: 1.1 ms against 2.5-3.9)."""
    if x.ndim != 4 or x.flags.c_contiguous or not x.transpose(2, 3, 0, 1).flags.c_contiguous:
        return x
    xp = backend.get_array_module(x)
    N, C, H, W = x.shape
    nhwc = xp.empty((N, H, W, C), dtype=x.dtype)
    nhwc[...] = x.transpose(0, 2, 3, 1)
    nchw = xp.empty((N, C, H, W), dtype=x.dtype)
    nchw[...] = nhwc.transpose(0, 3, 1, 2)
    return nchw


class Flatten(Module):
    """(N, d1, d2, ...) -> (N, d1*d2*...);  backward reshapes dy to x's shape.

    The gradient is returned in x's memory layout (as PyTorch's autograd does):
    the conv layers store their outputs channels-last, and elementwise
    backward passes between arrays of different layouts run several times
    slower in NumPy than between arrays of one layout.
    """

    def forward(self, x):
        if not hasattr(x, "ndim"):
            raise TypeError(f"{self!r}: expected an array (N, ...), got a {type(x).__name__}")
        if x.ndim < 2:
            raise ShapeError(f"{self!r}: expected an input (N, d1, ...) with a batch axis "
                             f"and at least one more, got shape {tuple(x.shape)}; a single "
                             f"sample needs a batch axis: x[None]")
        self._check_rank(x, (2, 3, 4, 5), "(N, ...)")
        return self.remember(_rows_in_order(x).reshape(x.shape[0], -1), (x,))

    def backward(self, dy, output=None):
        y, (x,) = self.recall(output)
        if dy.shape != y.shape:
            raise ShapeError(f"{self!r}: backward expected grad of shape "
                             f"{tuple(y.shape)}, got {tuple(dy.shape)}")
        dx = backend.get_array_module(dy).empty_like(x, dtype=dy.dtype)  # x's layout
        dx[...] = dy.reshape(x.shape)
        return dx


class Reshape(Module):
    """(N, ...) -> (N, *shape), as ``x.view(N, *shape)`` in lecture code."""

    def __init__(self, *shape):
        super().__init__()
        self.shape = tuple(int(s) for s in shape)

    def forward(self, x):
        size = 1
        for s in self.shape:
            size *= s
        if x.ndim < 1 or x.size != x.shape[0] * size:
            raise ShapeError(f"{self!r}: cannot reshape input {tuple(x.shape)} to "
                             f"(N, {', '.join(map(str, self.shape))})")
        return self.remember(x.reshape((x.shape[0],) + self.shape), (x.shape,))

    def backward(self, dy, output=None):
        _, (x_shape,) = self.recall(output)
        return dy.reshape(x_shape)

    def extra_repr(self):
        return ", ".join(map(str, self.shape))


def cat(tensors, dim=0):
    """Join arrays along ``dim``, as ``torch.cat((a, b, c), dim)``.

    Forward:   y = [a, b, c] along dim           (sizes k_a + k_b + k_c on dim)
    Backward:  y's entries are a's, b's and c's entries moved, so dy cut at
               the seams gives each its gradient:  da, db, dc = split(dy, [k_a, k_b, k_c], dim)

    All other axes must agree (nothing is broadcast).  In a module of your own,
    keep the sizes for the backward: ``sizes = [t.shape[dim] for t in tensors]``.
    """
    tensors = tuple(tensors)
    if not tensors:
        raise ValueError("cat: needs at least one array")
    first = tensors[0]
    if not all(hasattr(t, "ndim") for t in tensors):
        raise TypeError("cat: every item must be an array, got "
                        + ", ".join(type(t).__name__ for t in tensors))
    axis = dim % first.ndim if first.ndim else 0
    for i, t in enumerate(tensors):
        if t.ndim != first.ndim or t.shape[:axis] + t.shape[axis + 1:] != \
                first.shape[:axis] + first.shape[axis + 1:]:
            raise ShapeError(f"cat: array {i} has shape {tuple(t.shape)}, but every array "
                             f"must match array 0's {tuple(first.shape)} on all axes except "
                             f"dim={dim}")
    xp = backend.get_array_module(*tensors)
    return xp.concatenate(tensors, axis=axis)


def split(x, split_size_or_sections, dim=0):
    """Cut ``x`` along ``dim``, as ``torch.split``: an int gives pieces of that
    size (the last may be smaller), a list gives pieces of those sizes (they
    must add up to ``x.shape[dim]``).  Returns a tuple of views.

    ``split`` is ``cat``'s backward, and ``cat`` is ``split``'s.
    """
    n = x.shape[dim]
    if isinstance(split_size_or_sections, int):
        size = split_size_or_sections
        if size < 1:
            raise ValueError(f"split: split_size must be positive, got {size}")
        sections = [size] * (n // size) + ([n % size] if n % size else [])
    else:
        sections = [int(k) for k in split_size_or_sections]
        if sum(sections) != n or min(sections, default=0) < 0:
            raise ShapeError(f"split: sections {sections} must be >= 0 and add up to "
                             f"{n}, the size of dim={dim} of shape {tuple(x.shape)}")
    xp = backend.get_array_module(x)
    cuts = list(itertools.accumulate(sections))[:-1]
    return tuple(xp.split(x, cuts, axis=dim))


def concat(a, b, axis=1):
    """Join two arrays along ``axis``; returns (y, split) where ``split(dy)``
    gives (da, db), the gradient cut back at the seam (``cat`` and ``split``)."""
    sections = [a.shape[axis], b.shape[axis]]
    return cat((a, b), axis), lambda dy: split(dy, sections, axis)
