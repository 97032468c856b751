"""Data for the GANs: real images, synthetic images, and toy distributions.

* ``idx``        the IDX file format of MNIST (``read_idx``, ``write_idx``)
* ``mnist``      ``load_mnist`` / ``load_fashion_mnist``: find, or download and
                 verify, the files; return float32 images in [-1, 1]
* ``sampler``    ``ArraySampler``: random minibatches on the arrays' device
* ``loader``     ``DataLoader``, ``ArrayDataset``: epochs of batches, as PyTorch's
* ``resize``     ``resize_images``: bilinear or bicubic, e.g. MNIST's 28 x 28 to 32 x 32
* ``synthetic``  ``vertical_lines``: images made on the fly, no files needed
* ``toy``        1D/2D distributions for the toy demos (ring and grid of
                 Gaussians and their mode centres)
* ``translation`` paired and unpaired image sets from MNIST (outlines, top
                 halves, thick digits) for pix2pix and CycleGAN
"""
from .idx import DataError, read_idx, write_idx
from .mnist import TestSplitFallback, load_dataset, load_fashion_mnist, load_mnist
from .sampler import ArraySampler
from .loader import ArrayDataset, DataLoader
from .resize import resize_images
from .synthetic import vertical_lines, vertical_lines_sampler
from . import translation
from .toy import (grid_centres, grid_of_gaussians, line_2d, normal_1d, ring_centres,
                  ring_of_gaussians, sine_2d)

__all__ = [
    "DataError", "read_idx", "write_idx",
    "load_dataset", "load_mnist", "load_fashion_mnist", "TestSplitFallback",
    "ArraySampler", "ArrayDataset", "DataLoader", "resize_images",
    "vertical_lines", "vertical_lines_sampler",
    "normal_1d", "line_2d", "sine_2d", "ring_of_gaussians", "grid_of_gaussians",
    "ring_centres", "grid_centres",
]
