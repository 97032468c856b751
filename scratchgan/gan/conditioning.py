"""Conditioning helpers for conditional GANs (Mirza & Osindero 2014).

The condition c of a sample is a one-hot row; G(z, c) and D(x, c) take it
beside their usual input (``nn.ConcatCondition``).  The matching-aware
discriminator (Reed et al. 2016) also shows D real samples with the *wrong*
label as fakes, so that D learns whether x fits c and not only whether x is
real; ``shift_onehot`` makes those wrong labels.

In ``GANSteps``: ``sample_data(m)`` returns (x, c), and G.forward(z, c) and
D.forward(x, c) are called; G is asked for ``sample_condition(m)`` or, by
default, the labels of the latest real minibatch (the data's label
distribution).  With ``mismatched_labels=True`` D's loss gains the term
w * BCE(D(x, mismatch(c)), 0), ``mismatch`` = ``shift_onehot`` by default.
"""
from .. import backend


def shift_onehot(c):
    """Mismatched labels for one-hot conditions c (N, K): each row's 1 moves to a
    different class, chosen uniformly among the other K - 1."""
    xp = backend.get_array_module(c)
    n, n_classes = c.shape
    if n_classes < 2:
        raise ValueError("shift_onehot: mismatched labels need at least 2 classes")
    offset = 1 + (backend.rand(n) * (n_classes - 1)).astype(xp.int64)   # in 1..K-1
    offset = xp.minimum(offset, n_classes - 1)                          # guard rand() == 1.0
    wrong = (c.argmax(axis=1) + offset) % n_classes
    return xp.eye(n_classes, dtype=c.dtype)[wrong]
