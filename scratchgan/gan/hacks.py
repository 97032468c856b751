"""GAN hacks: what D is trained against, changed to keep it from winning too easily.

Two families, both from Salimans et al. (2016) and Chintala et al.'s
*ganhacks*, both switched off by default (then the D step is Algorithm 1's):

* ``DiscriminatorTargets``: the BCE labels of D's real and fake minibatches,
  smoothed, soft or occasionally flipped;
* ``InstanceNoise``: Gaussian noise on every input of D, real and fake,
  optionally decaying to 0 (Sonderby et al. 2017).

``GANSteps`` calls both in its D step (and the noise in its G step as well);
they are plain objects, usable in a training loop of your own.
"""
from .. import backend


class DiscriminatorTargets:
    """The BCE targets t for D's real and fake minibatches.

    By default t = 1 for real and 0 for fake, Algorithm 1 exactly.  Options:

    * ``real_label=0.9``: one-sided label smoothing (Salimans et al. 2016,
      section 3.4).  Only the real side is smoothed: smoothing the fake side
      too would reward D for keeping D(G(z)) > 0 on fakes, which does not
      push G towards the data.  With target t the optimal discriminator
      becomes t * p_data / (p_data + p_g), so D can never be fully confident.
    * ``soft_labels=((0.7, 1.2), (0.0, 0.3))`` (or ``True`` for these ranges,
      from ganhacks): each sample's target is drawn uniformly from its range,
      fresh every step.  A target above 1 is allowed by the BCE formula (its
      minimiser is still D = 1, pushed at harder); it is ganhacks' advice.
    * ``flip_prob=p``: each sample's target is swapped with the other class's
      with probability p (ganhacks: "occasionally flip the labels"), so D
      sees a little label noise and cannot become perfectly confident.

    ``__call__(shape, dtype)`` returns (t_real, t_fake): plain floats when
    nothing is random (cheapest; BCELoss accepts a number), else arrays of
    ``shape`` drawn from the seeded generator.
    """

    GANHACKS_RANGES = ((0.7, 1.2), (0.0, 0.3))

    def __init__(self, real_label=1.0, fake_label=0.0, soft_labels=None, flip_prob=0.0):
        if soft_labels is True:
            soft_labels = self.GANHACKS_RANGES
        if soft_labels is not None:
            (a, b), (c, d) = soft_labels
            if not (a <= b and c <= d):
                raise ValueError(f"soft_labels: each range must be (low, high), got {soft_labels}")
            soft_labels = ((float(a), float(b)), (float(c), float(d)))
        if not 0.0 <= flip_prob <= 1.0:
            raise ValueError(f"flip_prob must be in [0, 1], got {flip_prob}")
        self.real_label, self.fake_label = float(real_label), float(fake_label)
        self.soft_labels, self.flip_prob = soft_labels, float(flip_prob)

    @property
    def random(self):
        return self.soft_labels is not None or self.flip_prob > 0

    def __call__(self, shape, dtype=None):
        if not self.random:
            return self.real_label, self.fake_label
        xp = backend.get_xp()
        dtype = dtype or backend.get_default_dtype()
        if self.soft_labels is not None:
            (a, b), (c, d) = self.soft_labels
            t_real = a + (b - a) * backend.rand(*shape, dtype=dtype)
            t_fake = c + (d - c) * backend.rand(*shape, dtype=dtype)
        else:
            t_real = xp.full(shape, self.real_label, dtype=dtype)
            t_fake = xp.full(shape, self.fake_label, dtype=dtype)
        if self.flip_prob > 0:
            flip_r = backend.rand(*shape) < self.flip_prob
            flip_f = backend.rand(*shape) < self.flip_prob
            # a flipped real sample is labelled as fake would be, and vice versa
            t_real, t_fake = (xp.where(flip_r, t_fake, t_real),
                              xp.where(flip_f, t_real, t_fake))
        return t_real.astype(dtype, copy=False), t_fake.astype(dtype, copy=False)

    def __repr__(self):
        return (f"DiscriminatorTargets(real_label={self.real_label}, fake_label="
                f"{self.fake_label}, soft_labels={self.soft_labels}, flip_prob={self.flip_prob})")


class InstanceNoise:
    """Gaussian noise of std sigma_t added to every input of D.

    Real and fake samples lie on thin manifolds that need not overlap, so D can
    separate them perfectly and G's gradient vanishes.  Blurring both with the
    same noise makes their distributions overlap (Sonderby et al. 2017, Arjovsky
    & Bottou 2017).  With ``anneal`` the std decays linearly to 0 over that many
    iterations (None or 0: no decay), so the final game is the un-blurred one:

        sigma_i = sigma * max(0, 1 - (i - 1) / anneal)        (iteration i = 1, 2, ...)
    """

    def __init__(self, sigma=0.0, anneal=None):
        if sigma < 0 or (anneal is not None and anneal < 0):
            raise ValueError(f"InstanceNoise: sigma and anneal must be >= 0, "
                             f"got sigma={sigma}, anneal={anneal}")
        self.sigma, self.anneal = float(sigma), anneal

    def std(self, iteration):
        """sigma_i at an iteration i (counted from 1)."""
        if not self.sigma or not self.anneal:
            return self.sigma
        return self.sigma * max(0.0, 1.0 - (iteration - 1) / self.anneal)

    def __call__(self, x, iteration):
        """x plus noise of std sigma_i (x itself when sigma_i is 0)."""
        sigma = self.std(iteration)
        if sigma == 0:
            return x
        return x + x.dtype.type(sigma) * backend.randn(*x.shape, dtype=x.dtype)
