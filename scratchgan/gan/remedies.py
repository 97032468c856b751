"""Remedies for mode collapse: let D see more than one sample at a time.

Mode collapse is G putting all its mass on a few outputs.  A discriminator
that judges samples one at a time cannot see it: each collapsed sample may
look perfectly real.  All three remedies give D (or G's loss) a view of the
*batch*:

* ``Pack`` (PacGAN, Lin et al. 2018): D judges ``pack`` samples concatenated
  together, all real or all fake.  A pack of near-identical fakes is easy to
  tell from a pack of varied real samples.
* ``MinibatchStdDev`` (Karras et al. 2018, ProGAN section 3): D gets one extra
  feature, the average standard deviation across the batch; a collapsed G
  makes it small.
* ``FeatureMatching`` (Salimans et al. 2016, section 3.1): G stops trying to
  fool D sample by sample and instead matches the *mean* of an intermediate
  layer of D on real and generated batches.

``Pack`` and ``MinibatchStdDev`` are Modules: put them inside D, e.g.
``Sequential(Pack(4), Linear(4 * 2, 128), ...)`` and the trainer needs no
change (D then returns m / pack scores per minibatch of m).
``FeatureMatching`` replaces the generator's loss: pass
``feature_matching=layer`` to ``GANTrainer``.
"""
from .. import backend
from ..nn import BackwardError, Module, Sequential, ShapeError, no_grad


class Pack(Module):
    """PacGAN packing: ``pack`` consecutive samples become one input of D.

    Shapes:  (m, d)        -> (m / pack, pack * d)
             (m, C, H, W)  -> (m / pack, pack * C, H, W)   (stacked as channels)

    Forward:   y[i] = [x[pack*i], x[pack*i + 1], ..., x[pack*i + pack - 1]]
               concatenated along the feature (channel) axis.  In row-major
               memory this is one reshape: no number moves.
    Backward:  packing only rearranges entries, so the gradient is un-packed
               the same way: dx = dy.reshape(x.shape).

    Samples in one pack come from the same minibatch, so with the trainer a
    pack is always all-real or all-fake, and the minibatch size must be a
    multiple of ``pack``.  The paper's PacGAN2/3/4 use pack = 2, 3, 4.
    """

    def __init__(self, pack):
        super().__init__()
        if int(pack) < 1:
            raise ValueError(f"Pack: pack must be >= 1, got {pack}")
        self.pack = int(pack)

    def forward(self, x):
        self._check_rank(x, (2, 3, 4), "(m, d) or (m, C, ...)")
        m = x.shape[0]
        if m % self.pack:
            raise ShapeError(f"{self!r}: the batch size {m} is not a multiple of "
                             f"pack={self.pack}; choose batch_size = pack * n")
        y = x.reshape((m // self.pack, self.pack * x.shape[1]) + x.shape[2:])
        return self.remember(y, (x.shape,))

    def backward(self, dy, output=None):
        _, (shape,) = self.recall(output)
        return dy.reshape(shape)

    def extra_repr(self):
        return f"pack={self.pack}"


class MinibatchStdDev(Module):
    """Append the batch's average standard deviation as one more feature.

    For x of shape (N, F) (or (N, C, H, W), where the F = C*H*W positions
    play the role of features), with eps = 1e-8:

        mu_j    = (1/N) sum_n x_nj                      per-feature batch mean
        sigma_j = sqrt( (1/N) sum_n (x_nj - mu_j)^2 + eps )
        s       = (1/F) sum_j sigma_j                   one number per batch
        y       = [x, s]        (N, F+1), or a constant plane: (N, C+1, H, W)

    Backward.  The x-part of dy passes straight through.  Every copy of s
    receives the same gradient, so s collects g = sum over all its copies of
    dy.  From the formulas,

        d sigma_j / d x_nj = (x_nj - mu_j) / (N sigma_j)

    (the mu_j term drops out because sum_n (x_nj - mu_j) = 0), hence

        dx_nj = dy_nj + g * (x_nj - mu_j) / (N F sigma_j).

    As in ProGAN the variance is the biased one (divide by N); unlike ProGAN
    we take the whole minibatch as one group.  D's output then depends on the
    whole batch, so evaluate it on a batch, not on a single point.
    """

    def __init__(self, eps=1e-8):
        super().__init__()
        self.eps = float(eps)

    def forward(self, x):
        self._check_rank(x, (2, 4), "(N, F) or (N, C, H, W)")
        xp = backend.get_array_module(x)
        n = x.shape[0]
        centred = x - x.mean(axis=0, keepdims=True)
        sigma = xp.sqrt((centred * centred).mean(axis=0, keepdims=True)
                        + x.dtype.type(self.eps))
        s = sigma.mean()
        extra = xp.zeros((n, 1) + x.shape[2:], dtype=x.dtype) + s   # s stays on the device
        return self.remember(xp.concatenate([x, extra], axis=1), (centred, sigma))

    def backward(self, dy, output=None):
        _, (centred, sigma) = self.recall(output)
        n, f = centred.shape[0], sigma.size
        c = centred.shape[1]
        if dy.shape != (n, c + 1) + centred.shape[2:]:
            raise ShapeError(f"{self!r}: backward expected grad of shape "
                             f"{(n, c + 1) + centred.shape[2:]}, got {tuple(dy.shape)}")
        g = dy[:, c:].sum()                          # dL/ds, from every copy of s
        return dy[:, :c] + g * centred / (sigma * dy.dtype.type(n * f))

    def extra_repr(self):
        return f"eps={self.eps}"


class FeatureMatching:
    """The generator loss of feature matching (Salimans et al. 2016, section 3.1).

    Let f(x) be the activations of D's first ``layer`` layers (D must be a
    ``Sequential``; ``layer`` is a Python slice end, e.g. -2 drops the last
    Linear and Sigmoid).  Instead of fooling D, G matches the mean features:

        L_G = || mean_n f(x_n) - mean_n f(G(z_n)) ||^2

    The real mean is a constant for G.  With h_n = f(G(z_n)) and
    delta = mean_n h_n - mean_n f(x_n),

        dL_G / dh_n = 2 delta / N          (the same for every sample n),

    which is back-propagated through D's first layers to G.  D itself keeps
    training with its usual BCE objective; its parameter gradients from this
    pass are discarded like every other G-step gradient in D.

    Why it helps: G aims at statistics of the whole batch, so it cannot
    satisfy the objective with one output; it also gives G a target that does
    not move as violently as D's decision boundary.
    """

    def __init__(self, D, layer):
        if not isinstance(D, Sequential):
            raise TypeError("FeatureMatching: D must be a Sequential so that it can "
                            f"be split at a layer index, got {type(D).__name__}")
        layers = D.layers[:layer]
        if not layers or len(layers) == len(D.layers):
            raise ValueError(f"FeatureMatching: layer={layer} must split D "
                             f"({len(D.layers)} layers) into two non-empty parts")
        self.layer = layer
        self.features = Sequential(*layers)      # shares D's layer objects
        self._cache = None

    def forward(self, x_real, x_fake):
        """L_G for a real and a generated minibatch (a 0-d array)."""
        with no_grad():                            # the real mean is a constant for G
            mean_real = self.features(x_real).mean(axis=0)
        h = self.features(x_fake)                  # its backward comes next
        delta = h.mean(axis=0) - mean_real
        self._cache = (delta, h)
        return (delta * delta).sum()

    def backward(self):
        """dL_G/dx_fake: the gradient to pass into G.backward."""
        if self._cache is None:
            raise BackwardError("FeatureMatching.backward: no pending forward (backward "
                                "called before forward, or twice for one forward)")
        delta, h = self._cache
        self._cache = None
        xp = backend.get_array_module(delta)
        dh = xp.broadcast_to(delta * delta.dtype.type(2.0 / h.shape[0]), h.shape)
        return self.features.backward(xp.ascontiguousarray(dh), h)

    def __repr__(self):
        return f"FeatureMatching(layer={self.layer})"
