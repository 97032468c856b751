"""Minibatches from a data set held in memory: x ~ p_data, m rows at a time.

Algorithm 1 of Goodfellow et al. (2014) says "sample a minibatch of m
examples from the data generating distribution".  For a finite data set that
means picking m random rows.  Two ways are offered:

* with replacement (the default): every call draws m independent uniform
  indices, exactly the i.i.d. sampling of the algorithm;
* ``shuffle=True``: walk through a random permutation, m rows at a time, and
  reshuffle when fewer than m rows are left (epochs, as PyTorch's DataLoader
  with ``shuffle=True, drop_last=True``).

The rows are gathered on the device that holds the arrays: pass
``backend.to_device(images)`` to sample on the GPU without copying through the
host.  Random indices come from ``backend.rng()`` (so ``manual_seed`` makes
runs repeatable) unless an ``rng`` is given.
"""
import numpy

from .. import backend


class ArraySampler:
    """``sample(m)`` returns m random rows of ``images`` (and of ``labels``).

    ``sampler(m)`` is the same call, so a sampler can be handed to a trainer
    wherever a function ``m -> x`` is expected.  With ``labels`` it returns
    ``(x, y)``.
    """

    def __init__(self, images, labels=None, batch_size=64, rng=None, shuffle=False):
        if not hasattr(images, "shape") or images.ndim < 1:
            raise TypeError("ArraySampler: images must be an array with a first "
                            f"(example) axis, got {type(images).__name__}")
        if labels is not None and len(labels) != len(images):
            raise ValueError(f"ArraySampler: {len(labels)} labels for {len(images)} images")
        if len(images) == 0:
            raise ValueError("ArraySampler: images is empty")
        self.images, self.labels = images, labels
        self.batch_size = int(batch_size)
        self.rng = rng
        self.shuffle = bool(shuffle)
        self.epoch = 0
        self._order, self._pos = None, 0

    def __len__(self):
        """The number of examples (not of batches: a sampler has no epochs; see
        ``DataLoader`` for PyTorch's epoch loop, whose ``len`` counts batches)."""
        return len(self.images)

    def __iter__(self):
        raise TypeError("ArraySampler draws minibatches with sampler(m) and has no epochs "
                        "to iterate; for PyTorch's `for imgs, labels in dataloader` use "
                        "scratchgan.data.DataLoader((images, labels), batch_size, shuffle=True)")

    def _draw(self, m):
        rng = self.rng if self.rng is not None else backend.rng()
        n = len(self.images)
        if not self.shuffle:
            return rng.randint(0, n, size=m)
        if m > n:
            raise ValueError(f"ArraySampler: batch of {m} rows from only {n} "
                             "without replacement; use shuffle=False")
        if self._order is None or self._pos + m > n:
            if self._order is not None:
                self.epoch += 1
            self._order, self._pos = rng.permutation(n), 0
        idx = self._order[self._pos:self._pos + m]
        self._pos += m
        return idx

    def sample(self, m=None):
        m = self.batch_size if m is None else int(m)
        if m < 1:
            raise ValueError(f"ArraySampler: batch size must be positive, got {m}")
        idx = self._draw(m)
        # The generator may live on the other device than the data.
        xp = backend.get_array_module(self.images)
        idx = backend.to_host(idx) if xp is numpy else xp.asarray(idx)
        x = self.images[idx]
        if self.labels is None:
            return x
        yxp = backend.get_array_module(self.labels)
        return x, self.labels[backend.to_host(idx) if yxp is numpy else yxp.asarray(idx)]

    __call__ = sample

    def __repr__(self):
        return (f"ArraySampler(n={len(self)}, batch_size={self.batch_size}, "
                f"shuffle={self.shuffle}, labels={self.labels is not None})")
