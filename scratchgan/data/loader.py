"""Epochs of minibatches, as PyTorch's ``DataLoader``: what ported scripts iterate.

A lecture script trains in epochs::

    for epoch in range(opt.n_epochs):
        for i, (imgs, labels) in enumerate(dataloader):
            ...
            batches_done = epoch * len(dataloader) + i

and relies on PyTorch's meanings: ``len(dataloader)`` is the number of
batches, ``shuffle=True`` draws a new order every epoch, and ``drop_last=False``
(the default) keeps a last, smaller batch.  ``DataLoader`` here has exactly
those meanings, over arrays held in memory (the library's data sets are
arrays: ``images, labels = load_mnist(...)``)::

    dataloader = DataLoader(ArrayDataset(images, labels), batch_size=64, shuffle=True)

A batch is gathered with one fancy index per array, on the arrays' device.
Any other object with ``__len__`` and ``__getitem__`` (a Dataset class of
your own, returning a tuple, a dict or an array per item) is read item by
item and stacked, as PyTorch's default collate does.

(``ArraySampler`` is the other way to draw data: Algorithm 1's "sample a
minibatch of m examples", with no epochs.)
"""
import math

import numpy

from .. import backend


class ArrayDataset:
    """Arrays sharing their first axis, item i = (a[i], b[i], ...), as
    ``torch.utils.data.TensorDataset(images, labels)``."""

    def __init__(self, *arrays):
        if not arrays:
            raise ValueError("ArrayDataset: needs at least one array")
        for k, a in enumerate(arrays):
            if not hasattr(a, "shape") or a.ndim < 1:
                raise TypeError(f"ArrayDataset: argument {k} must be an array with a first "
                                f"(example) axis, got {type(a).__name__}")
        lengths = [len(a) for a in arrays]
        if len(set(lengths)) != 1:
            raise ValueError(f"ArrayDataset: the arrays have different lengths {lengths}")
        self.arrays = arrays

    def __len__(self):
        return len(self.arrays[0])

    def __getitem__(self, index):
        return tuple(a[index] for a in self.arrays)


class DataLoader:
    """``for batch in DataLoader(dataset, batch_size=1, shuffle=False, drop_last=False)``.

    ``dataset``: an ``ArrayDataset``, one array (batches are arrays), a tuple
    of arrays such as ``(images, labels)`` (batches are tuples), or any
    object with ``__len__`` and ``__getitem__``.  ``generator``: a NumPy
    ``RandomState`` for the shuffles; by default the library's seeded one
    (``backend.manual_seed`` makes the order repeatable).
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False, generator=None):
        if isinstance(dataset, (tuple, list)) and all(hasattr(a, "shape") for a in dataset):
            dataset, self._tuple = ArrayDataset(*dataset), True
        elif hasattr(dataset, "shape"):
            dataset, self._tuple = ArrayDataset(dataset), False
        elif hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__"):
            self._tuple = True
        else:
            raise TypeError(f"DataLoader: dataset must be an array, a tuple of arrays or an "
                            f"object with __len__ and __getitem__, got {type(dataset).__name__}")
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive integer, got "
                             f"{batch_size!r}")
        if len(dataset) == 0:
            raise ValueError("DataLoader: the dataset is empty")
        self.dataset, self.batch_size = dataset, batch_size
        self.shuffle, self.drop_last, self.generator = bool(shuffle), bool(drop_last), generator

    def __len__(self):
        """The number of batches in one epoch, as PyTorch's."""
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def _order(self):
        """This epoch's order of the examples, where the (first) array lives:
        a device array is cut on the device, with no copies per batch."""
        n = len(self.dataset)
        on = (backend.get_array_module(self.dataset.arrays[0])
              if isinstance(self.dataset, ArrayDataset) else numpy)
        if not self.shuffle:
            return on.arange(n)
        rng = self.generator if self.generator is not None else backend.rng()
        order = rng.permutation(n)
        if backend.get_array_module(order) is not on:
            order = backend.to_host(order) if on is numpy else on.asarray(order)
        return order

    def __iter__(self):
        order = self._order()
        for b in range(len(self)):
            index = order[b * self.batch_size:(b + 1) * self.batch_size]
            yield self._batch(index)

    def _batch(self, index):
        if isinstance(self.dataset, ArrayDataset):           # one gather per array
            parts = tuple(a[_on(a, index)] for a in self.dataset.arrays)
            return parts if self._tuple else parts[0]
        return _collate([self.dataset[int(i)] for i in backend.to_host(index)])

    def __repr__(self):
        return (f"DataLoader(n={len(self.dataset)}, batch_size={self.batch_size}, "
                f"shuffle={self.shuffle}, drop_last={self.drop_last}, batches={len(self)})")


def _on(array, index):
    """The index where ``array`` lives (a copy only when they live apart)."""
    xp = backend.get_array_module(array)
    if backend.get_array_module(index) is xp:
        return index
    return backend.to_host(index) if xp is numpy else xp.asarray(index)


def _collate(items):
    """Stack a list of items (arrays, numbers, tuples or dicts of them) into a batch."""
    first = items[0]
    if isinstance(first, dict):
        return {k: _collate([item[k] for item in items]) for k in first}
    if isinstance(first, (tuple, list)):
        return tuple(_collate(list(column)) for column in zip(*items))
    xp = backend.get_array_module(first) if hasattr(first, "shape") else numpy
    return xp.stack([xp.asarray(item) for item in items])
