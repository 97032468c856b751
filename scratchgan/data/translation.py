"""Image-to-image translation sets made from MNIST on the fly: pairs and two domains.

pix2pix needs *paired* examples (an input image and the image it should
become); CycleGAN needs two *unpaired* domains.  Both are built here from
the digits the MNIST loader finds (the 10,000-image test split that ships for
tests works as well as the 60,000 training digits), with NumPy morphology on
images in [-1, 1] whose background is -1:

    dilate(x)    grey dilation: each pixel the max over a plus-shaped
                 neighbourhood (itself and its 4 neighbours): thicker strokes
    erode(x)     grey erosion: the min over the same neighbourhood: thinner
    outline(x)   the morphological gradient dilate(x) - erode(x), mapped to
                 [-1, 1]: the strokes' edges ("edges to photo" in miniature)
    top_half(x)  the bottom half blanked to the background: which digit was it?

``split(n, fractions, seed)`` cuts indices into disjoint parts by a fixed seed
(train / test, or the two halves that make CycleGAN's unpaired domains, so no
digit appears in both).  ``pad32`` pads 28x28 to 32x32 with the background, so
that four stride-2 levels of a U-Net divide evenly.
"""
import numpy

BACKGROUND = -1.0


def _shifted(x, fill):
    """x and its four neighbours' views (up, down, left, right), padded with fill."""
    p = numpy.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)), constant_values=fill)
    return [p[:, :, 1:-1, 1:-1], p[:, :, :-2, 1:-1], p[:, :, 2:, 1:-1],
            p[:, :, 1:-1, :-2], p[:, :, 1:-1, 2:]]


def dilate(x):
    """Grey dilation with a plus-shaped footprint: strokes one pixel thicker each way."""
    return numpy.maximum.reduce(_shifted(numpy.asarray(x), BACKGROUND))


def erode(x):
    """Grey erosion with the plus-shaped footprint: strokes one pixel thinner each way."""
    return numpy.minimum.reduce(_shifted(numpy.asarray(x), 1.0))


def outline(x):
    """The edges of the strokes: dilate(x) - erode(x) (in [0, 2]), mapped to [-1, 1]."""
    x = numpy.asarray(x)
    return (dilate(x) - erode(x) - 1.0).astype(x.dtype, copy=False)


def top_half(x):
    """The top half of each image; the bottom half set to the background."""
    y = numpy.array(x, copy=True)
    y[:, :, y.shape[2] // 2:] = BACKGROUND
    return y


def pad32(x):
    """(N, C, 28, 28) -> (N, C, 32, 32), two rows and columns of background each side."""
    return numpy.pad(numpy.asarray(x), ((0, 0), (0, 0), (2, 2), (2, 2)),
                     constant_values=BACKGROUND)


def split(n, fractions, seed=0):
    """Disjoint index arrays, one per fraction (they must sum to at most 1), cut
    from one permutation of range(n) drawn by ``seed``."""
    if sum(fractions) > 1 + 1e-9 or min(fractions) < 0:
        raise ValueError(f"split: fractions must be >= 0 and sum to at most 1, got {fractions}")
    order = numpy.random.RandomState(seed).permutation(n)
    cuts = numpy.cumsum([0] + [int(round(f * n)) for f in fractions])
    return [order[a:b] for a, b in zip(cuts[:-1], cuts[1:])]


TASKS = {"tophalf": top_half, "edges": outline}


def paired(images, task):
    """(inputs, targets) for pix2pix: inputs = TASKS[task](images), targets = images."""
    if task not in TASKS:
        raise ValueError(f"paired: unknown task {task!r}; expected one of {sorted(TASKS)}")
    images = numpy.asarray(images)
    return TASKS[task](images), images
