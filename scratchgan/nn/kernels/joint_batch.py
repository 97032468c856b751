"""The one-batch speed path of D's step: real and fake minibatches through D together.

Algorithm 1 computes D(x) and D(G(z)) as two passes.  When every layer of D
treats each sample independently, one pass over the joined batch [x; x'] is
the same computation: fewer calls, larger and faster matrix products.  With
BatchNorm (or minibatch statistics, or packing) in D the two would differ,
and ``GANSteps`` then keeps the two passes, as PyTorch-GAN writes them.
"""
from ... import backend


def judges_samples_alone(D):
    """True when every layer of D treats each sample independently (no
    BatchNorm, minibatch std-dev or packing, nothing unknown), so that real and
    fake minibatches may go through D as one batch (``d_loss_joint``)."""
    from ... import nn
    per_sample = (nn.Sequential, nn.Linear, nn.Conv2d, nn.ConvTranspose2d, nn.ReLU,
                  nn.LeakyReLU, nn.Sigmoid, nn.Tanh, nn.ELU, nn.SELU, nn.Identity,
                  nn.Dropout, nn.Flatten, nn.Reshape)
    return all(type(m) in per_sample for m in D.modules())


def d_loss_joint(D, backward, criterion, targets, x, x_fake):
    """D's two terms in one pass over the 2m samples [x; x'].

    When D judges each sample on its own, D([x; x']) = [D(x); D(x')], and
    the loss BCE(D(x), 1) + BCE(D(x'), 0) is a sum over samples, so one
    forward and backward over the joined batch gives exactly the same
    gradient as the two separate passes: fewer calls and larger, faster
    matrix products.  (With BatchNorm in D the two would differ: real and
    fake would share batch statistics.  Then D sees them separately.)
    The mean over 2m samples is half the sum of the two means: scale by 2.

    ``D(x)``: D's forward; ``backward(dy, out)``: D's backward for D's own
    step; ``targets(shape, dtype)``: the BCE targets (t_real, t_fake).
    Returns (D(x), D(x'), BCE(D(x), t_real) + BCE(D(x'), t_fake)).
    """
    m = x.shape[0]
    xp = backend.get_array_module(x)
    out = D(xp.concatenate([x, x_fake]))
    t_real, t_fake = targets(out[:m].shape, out.dtype)        # numbers or arrays
    target = xp.empty_like(out)
    target[:m], target[m:] = t_real, t_fake
    loss = criterion(out, target)
    backward(criterion.backward(out) * out.dtype.type(2), out)
    return out[:m], out[m:], 2 * loss
