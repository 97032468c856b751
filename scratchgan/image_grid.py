"""Many images as one: torchvision's ``make_grid`` and ``save_image``, exactly.

Lecture scripts end every few hundred batches with

    save_image(gen_imgs.data[:25], "images/%d.png" % batches_done, nrow=5, normalize=True)

and these two functions reproduce torchvision's (``torchvision.utils``) layout
and numbers, so the PNGs of a ported script match the original's pixel for
pixel:

* the grid is channel-first, (3, H', W'): one- channel images are repeated
  to three channels; ``nrow`` images per row, ``padding`` pixels of
  ``pad_value`` (0, black) around and between them; a single image is
  returned without any padding;
* ``normalize=True`` clamps to ``value_range`` (default: the batch's own min
  and max; per image with ``scale_each``) and maps it to [0, 1];
  without it the values are taken to be in [0, 1] already;
* ``save_image`` writes round(255 * grid + 0.5) clamped to [0, 255] as 8-bit RGB.

The library's own pictures (``viz.save_image_grid``: titles, row labels)
tile images with the same ``make_grid`` and the value range [-1, 1].
"""
import math

import numpy

from . import backend
from .atomic import atomic_path


def make_grid(images, nrow=8, padding=2, normalize=False, value_range=None, scale_each=False,
              pad_value=0.0):
    """(N, C, H, W) images (or one (C, H, W) / (H, W) image) -> a (C', H', W')
    float grid on the host, torchvision's layout; C' = 3 for one-channel images."""
    x = numpy.array(backend.to_host(images), dtype=numpy.float32)    # a copy: normalised in place
    if x.ndim == 2:
        x = x[None]
    if x.ndim == 3:
        if x.shape[0] == 1:
            x = numpy.concatenate([x, x, x], axis=0)
        x = x[None]
    if x.ndim != 4:
        raise ValueError(f"make_grid: expected images (N, C, H, W), got shape {x.shape}")
    if x.shape[1] == 1:
        x = numpy.concatenate([x, x, x], axis=1)
    if normalize:
        if value_range is not None and len(value_range) != 2:
            raise ValueError(f"make_grid: value_range must be (low, high), got {value_range}")
        for part in (x if scale_each else [x]):                  # views: changed in place
            low, high = value_range if value_range is not None else (part.min(), part.max())
            numpy.clip(part, low, high, out=part)
            part -= low
            part /= max(high - low, 1e-5)
    if x.shape[0] == 1:
        return x[0]
    n, c, h, w = x.shape
    xmaps = min(nrow, n)
    ymaps = math.ceil(n / xmaps)
    height, width = h + padding, w + padding
    grid = numpy.full((c, height * ymaps + padding, width * xmaps + padding), pad_value,
                      dtype=numpy.float32)
    for k in range(n):                                            # one copy per image
        row, col = divmod(k, xmaps)
        top, left = row * height + padding, col * width + padding
        grid[:, top:top + h, left:left + w] = x[k]
    return grid


def save_image(images, path, nrow=8, padding=2, normalize=False, value_range=None,
               scale_each=False, pad_value=0.0):
    """Write ``make_grid(images, ...)`` as an 8-bit RGB PNG, as torchvision's
    ``save_image``; returns the path."""
    from PIL import Image
    grid = make_grid(images, nrow=nrow, padding=padding, normalize=normalize,
                     value_range=value_range, scale_each=scale_each, pad_value=pad_value)
    pixels = numpy.clip(grid * 255 + 0.5, 0, 255).astype(numpy.uint8).transpose(1, 2, 0)
    if pixels.shape[2] == 1:
        pixels = pixels[..., 0]
    with atomic_path(path) as tmp:
        Image.fromarray(pixels).save(tmp, format="PNG")
    return path
