"""The two players' objectives: BCE for D, the generator-loss variants for G.

(``scratchgan/losses.py`` holds the loss functions themselves; this file
holds which of them each player of the game minimises.)

The value function of the game (Goodfellow et al. 2014, eq. 1) is

    V(D, G) = E_x[ log D(x) ] + E_z[ log(1 - D(G(z))) ].

D ascends V.  Written as a loss to minimise, that is binary cross-entropy
with target 1 for real and 0 for fake samples:

    L_D = BCE(D(x), 1) + BCE(D(G(z)), 0) = -V(D, G)            (per minibatch mean)

so D's side needs no new code, only the labels.  The labels are also where
the "GAN hacks" act: ``hacks.DiscriminatorTargets`` makes them smoothed, soft
or occasionally flipped.

G descends V, i.e. minimises E_z[ log(1 - D(G(z))) ]: the *minimax* loss.
In practice the *non-saturating* loss -E_z[ log D(G(z)) ] is used instead;
see ``NonSaturatingLoss`` for why.

Each loss works on probabilities (D ends in a Sigmoid; BCELoss) or on logits
(BCEWithLogitsLoss, numerically safer), and follows the loss contract:
``value = loss(out_fake)`` then ``dout_fake = loss.backward(out_fake)`` (``out_fake`` may be
left out when it is the only pending one).
"""
from ..losses import BCELoss, BCEWithLogitsLoss


D_OUTPUTS = ("probability", "logits")


def bce(d_output="probability"):
    """BCELoss for a D that outputs probabilities, BCEWithLogitsLoss for logits."""
    if d_output not in D_OUTPUTS:
        raise ValueError(f"d_output must be 'probability' or 'logits', got {d_output!r}")
    return BCEWithLogitsLoss() if d_output == "logits" else BCELoss()


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

    def __init__(self, d_output="probability"):
        self.criterion = bce(d_output)

    def forward(self, out_fake):
        return self.criterion(out_fake, 1.0)

    __call__ = forward

    def backward(self, out_fake=None):
        return self.criterion.backward(out_fake)


class MinimaxLoss:
    """L_G = mean log(1 - D(G(z))) = -BCE(D(G(z)), 0)   (the game as written).

    Minimising it is exactly G's side of min_G max_D V(D, G).  Its gradient
    with respect to D's logit is -D(G(z)), which vanishes when D confidently
    rejects the fakes; see ``NonSaturatingLoss`` and demos/saturation_1d.py.
    The loss is negative (log of a probability), approaching 0 from below as
    D is fooled less and -inf as D is fooled more.
    """

    name = "minimax"

    def __init__(self, d_output="probability"):
        self.criterion = bce(d_output)

    def forward(self, out_fake):
        return -self.criterion(out_fake, 0.0)

    __call__ = forward

    def backward(self, out_fake=None):
        return -self.criterion.backward(out_fake)


GENERATOR_LOSSES = {"non_saturating": NonSaturatingLoss, "minimax": MinimaxLoss}


def generator_loss(name, d_output="probability"):
    """The generator loss called ``name`` ("non_saturating" or "minimax") on D's
    output, ``d_output`` "probability" (D ends in a Sigmoid) or "logits"."""
    try:
        return GENERATOR_LOSSES[name](d_output=d_output)
    except KeyError:
        raise ValueError(f"unknown generator loss {name!r}; expected one of "
                         f"{sorted(GENERATOR_LOSSES)}") from None
