"""Synthetic images made on the fly, so a DCGAN can be trained with no data at all.

``vertical_lines`` draws images of one or more full-height vertical lines, +1
on a -1 background (the range of a tanh generator).  It is the first DCGAN
exercise: the distribution is simple enough to judge by eye ("are all the
lines straight and vertical?") and a small network learns it in minutes.
"""
from .. import backend


def vertical_lines(n, size=32, rng=None, max_lines=3, width=1):
    """``n`` images of shape (1, size, size) with 1..max_lines vertical lines.

    Each image draws how many lines it has (uniform in 1..max_lines) and the
    left column of each (uniform); lines may overlap.  Returns an array of
    shape (n, 1, size, size) in the default dtype on the current backend,
    with line pixels at +1 and background at -1.  Vectorised: no Python loop
    over images.
    """
    n, size, max_lines, width = int(n), int(size), int(max_lines), int(width)
    if n < 0 or size < 1 or max_lines < 1 or not 1 <= width <= size:
        raise ValueError(f"vertical_lines: need n >= 0, size >= 1, max_lines >= 1 and "
                         f"1 <= width <= size; got n={n}, size={size}, "
                         f"max_lines={max_lines}, width={width}")
    rng = backend.rng() if rng is None else rng
    count = rng.randint(1, max_lines + 1, size=(n, 1))              # lines per image
    left = rng.randint(0, size - width + 1, size=(n, max_lines, 1))  # first column
    xp = backend.get_array_module(left)
    col = xp.arange(size)                                           # (size,)
    used = (xp.arange(max_lines) < count)[..., None]                # (n, L, 1)
    lit = (col >= left) & (col < left + width) & used               # (n, L, size)
    row = xp.where(lit.any(axis=1), 1.0, -1.0).astype(backend.get_default_dtype())
    # Every row of an image is the same: broadcast the (n, size) row pattern.
    return xp.ascontiguousarray(xp.broadcast_to(row[:, None, None, :], (n, 1, size, size)))


def vertical_lines_sampler(size=32, max_lines=3, width=1):
    """A function ``sample(m)`` returning m fresh vertical-line images."""
    def sample(m):
        return vertical_lines(m, size=size, max_lines=max_lines, width=width)
    sample.__doc__ = f"m images of {size}x{size} with 1..{max_lines} vertical lines."
    return sample
