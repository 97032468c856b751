"""The two players' losses: the generator-loss variants and the discriminator's labels.

The value function of the game (Goodfellow et al. 2014, eq. 1) is

    V(D, G) = E_x[ log D(x) ] + E_z[ log(1 - D(G(z))) ].

D ascends V.  Written as a loss to minimise, that is binary cross-entropy
with target 1 for real and 0 for fake samples:

    L_D = BCE(D(x), 1) + BCE(D(G(z)), 0) = -V(D, G)            (per minibatch mean)

so D's side needs no new code, only the labels.  The labels are also where
the "GAN hacks" (Salimans et al. 2016; Chintala et al., *ganhacks*) act:
``DiscriminatorTargets`` makes them smoothed, soft or occasionally flipped.

G descends V, i.e. minimises E_z[ log(1 - D(G(z))) ]: the *minimax* loss.
In practice the *non-saturating* loss -E_z[ log D(G(z)) ] is used instead;
see ``NonSaturatingLoss`` for why.

Each loss works on probabilities (D ends in a Sigmoid; BCELoss) or on logits
(BCEWithLogitsLoss, numerically safer), and follows the loss contract:
``value = loss(d_out)`` then ``d_d_out = loss.backward(d_out)`` (``d_out`` may be
left out when it is the only pending one).
"""
from .. import backend
from ..losses import BCELoss, BCEWithLogitsLoss


def bce(logits=False):
    """BCELoss for a D that outputs probabilities, BCEWithLogitsLoss for logits."""
    return BCEWithLogitsLoss() if logits else BCELoss()


class NonSaturatingLoss:
    """L_G = -mean log D(G(z)) = BCE(D(G(z)), 1)   (the default).

    Why not the minimax loss?  Write D(G(z)) = sigmoid(a) with a the logit.
    Then, per sample, the gradients *with respect to the logit a* are

        minimax:          d/da log(1 - sigmoid(a)) = -sigmoid(a)     = -D(G(z))
        non-saturating:   d/da [-log sigmoid(a)]  = sigmoid(a) - 1  = -(1 - D(G(z)))

    Early in training G is poor, D rejects its samples with confidence and
    D(G(z)) ~ 0.  There the minimax gradient ~ -D(G(z)) ~ 0 vanishes (the loss
    *saturates*), while the non-saturating gradient ~ -1 is as large as it
    gets.  This is a statement about the logit, i.e. about what reaches D's
    last linear layer and, through it, G.  With respect to the probability
    p = D(G(z)) itself neither gradient vanishes (d/dp log(1 - p) = -1/(1 - p)
    ~ -1, d/dp [-log p] = -1/p, large): the minimax gradient dies in the
    Sigmoid's derivative p (1 - p) ~ p, which the non-saturating loss's 1/p
    cancels.  So the backward that returns dL/dp (``backward`` here, with a
    Sigmoid D) shows no saturation; D's backward through its Sigmoid does.  Both losses push D(G(z)) up and share their fixed point, so
    Goodfellow et al. (2014, section 3) recommend the non-saturating one:
    "This objective function results in the same fixed point of the dynamics
    of G and D but provides much stronger gradients early in learning."
    """

    name = "non_saturating"

    def __init__(self, logits=False):
        self.criterion = bce(logits)

    def forward(self, d_fake):
        return self.criterion(d_fake, 1.0)

    __call__ = forward

    def backward(self, d_fake=None):
        return self.criterion.backward(d_fake)


class MinimaxLoss:
    """L_G = mean log(1 - D(G(z))) = -BCE(D(G(z)), 0)   (the game as written).

    Minimising it is exactly G's side of min_G max_D V(D, G).  Its gradient
    with respect to D's logit is -D(G(z)), which vanishes when D confidently
    rejects the fakes; see ``NonSaturatingLoss`` and demos/saturation_1d.py.
    The loss is negative (log of a probability), approaching 0 from below as
    D is fooled less and -inf as D is fooled more.
    """

    name = "minimax"

    def __init__(self, logits=False):
        self.criterion = bce(logits)

    def forward(self, d_fake):
        return -self.criterion(d_fake, 0.0)

    __call__ = forward

    def backward(self, d_fake=None):
        return -self.criterion.backward(d_fake)


GENERATOR_LOSSES = {"non_saturating": NonSaturatingLoss, "minimax": MinimaxLoss}


def generator_loss(name, logits=False):
    """The generator loss called ``name`` ("non_saturating" or "minimax")."""
    try:
        return GENERATOR_LOSSES[name](logits=logits)
    except KeyError:
        raise ValueError(f"unknown generator loss {name!r}; expected one of "
                         f"{sorted(GENERATOR_LOSSES)}") from None


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
