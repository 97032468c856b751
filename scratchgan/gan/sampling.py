"""Sampling: G's samples and D's verdicts on the host, for pictures and metrics.

Plain functions over the networks: they run under ``no_grad()`` (no caches),
in chunks, with the networks in the mode asked for and put back afterwards.
``GANTrainer.generate`` and ``GANTrainer.discriminate`` call them;
``sample_images`` draws pictures with no side effect on G at all.
"""
from contextlib import contextmanager

import numpy

from .. import backend
from ..checkpoint import copy_state
from ..nn.activation import sigmoid
from ..nn import no_grad


@contextmanager
def training_mode(module, training):
    """Run a block with ``module`` (and its children) in training or evaluation
    mode, then put every child's mode back as it was."""
    modes = [m.training for m in module.modules()]
    module.train(training)
    try:
        yield module
    finally:
        for m, mode in zip(module.modules(), modes):
            m.training = mode


def generate(G, sample_noise, n, c=None, batch=4096, eval_mode=False):
    """n samples G(z) (or G(z, c)) on the host (NumPy), z from ``sample_noise``.

    ``c``: conditions (n, k) for a conditional G.  ``eval_mode``: BatchNorm
    uses its running statistics; by default G keeps its current mode.
    """
    parts = []
    with training_mode(G, not eval_mode and G.training), no_grad():
        for i in range(0, n, batch):
            z = sample_noise(min(batch, n - i))
            x = G(z) if c is None else G(z, c[i:i + batch])
            parts.append(backend.to_host(x))
    return numpy.concatenate(parts)


def discriminate(D, x, c=None, batch=8192, eval_mode=True, d_output="probability"):
    """D's probabilities on the host for the points x (NumPy or device arrays).

    ``d_output="logits"``: D outputs logits, turned into probabilities here.  With
    ``Pack(p)`` in D there are len(x) / p scores; with ``MinibatchStdDev`` D's
    output depends on the whole chunk of ``batch`` points.
    """
    x = backend.asarray(x)
    parts = []
    with training_mode(D, not eval_mode and D.training), no_grad():
        for i in range(0, len(x), batch):
            xi = x[i:i + batch]
            out = D(xi) if c is None else D(xi, c[i:i + batch])
            parts.append(backend.to_host(sigmoid(out) if d_output == "logits" else out))
    return numpy.concatenate(parts)


def sample_images(G, z, c=None, mode="train"):
    """G(z) (or G(z, c)) on the host, with no side effect on G.

    ``mode`` "train": BatchNorm uses this batch's statistics (and would update
    its running statistics, so they are put back afterwards); "eval": BatchNorm
    uses its running statistics.
    """
    saved = copy_state({name: value for name, value in G.named_buffers()
                        if value is not None}) if mode == "train" else None
    try:
        with training_mode(G, mode == "train"), no_grad():   # pictures only: no cache
            x = G(z) if c is None else G(z, c)
        return backend.to_host(x)
    finally:
        if saved is not None:                                # running statistics as before
            for name, value in G.named_buffers():
                if name in saved:
                    value[...] = saved[name]
