"""Resizing images, for the lecture scripts' 32 x 32 defaults on 28 x 28 MNIST.

PyTorch-GAN's scripts load MNIST through ``transforms.Resize(opt.img_size)``.
Here the same step is a function on the loaded arrays (or
``load_mnist(..., image_size=32)``)::

    images = resize_images(images, 32)                   # (N, C, 28, 28) -> (N, C, 32, 32)

It is ``nn.Upsample(size=..., mode=...)``'s interpolation (one matrix per
axis, ``nn/upsample.py``), without a cache for a backward: PyTorch's
``F.interpolate(x, size, mode="bilinear" | "bicubic", align_corners=False)``,
number for number.  torchvision's ``Resize`` on a PIL image differs slightly:
it resizes the 8-bit image before ``ToTensor`` and, when shrinking,
anti-aliases; when enlarging 28 -> 32 the two agree to within a few grey
levels (bicubic can overshoot [-1, 1] a little; ``clip=True`` cuts it back).
"""
from ..nn import Upsample, no_grad


def resize_images(images, size, mode="bilinear", clip=True):
    """(N, C, H, W) -> (N, C, *size); ``size`` an int (square) or (height, width)."""
    if not hasattr(images, "ndim") or images.ndim != 4:
        raise ValueError(f"resize_images: expected images (N, C, H, W), got "
                         f"{getattr(images, 'shape', type(images).__name__)}")
    if mode not in ("bilinear", "bicubic", "nearest"):
        raise ValueError(f"resize_images: mode must be 'bilinear', 'bicubic' or 'nearest', "
                         f"got {mode!r}")
    size = (size, size) if isinstance(size, int) else tuple(size)
    if tuple(images.shape[2:]) == size:
        return images
    with no_grad():
        y = Upsample(size=size, mode=mode,
                     align_corners=None if mode == "nearest" else False)(images)
    if clip and mode == "bicubic":
        lo, hi = images.min(), images.max()
        y = y.clip(lo, hi)
    return y
