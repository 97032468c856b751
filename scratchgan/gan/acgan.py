"""ACGAN's iteration (Odena et al. 2017), as PyTorch-GAN's acgan.py runs it.

G draws an image of a class it is asked for: G(z, c).  D has two heads on one
trunk: the probability that x is real, and class logits.  Both players also
minimise the class head's cross-entropy, so G learns to draw *recognisable*
digits of class c:

    L_G = 1/2 [ BCE(D_adv(G(z, c)), 1) + CE(D_cls(G(z, c)), c) ]
    L_D = 1/2 [ 1/2 (BCE(D_adv(x), 1) + CE(D_cls(x), y))            (real)
              + 1/2 (BCE(D_adv(G(z, c)), 0) + CE(D_cls(G(z, c)), c)) ]   (fake)

The gradient of L_D puts weight 1/4 on each of D's four terms.  We report
``d_loss`` as the sum of the real and the fake term (twice L_D, the meaning of
d_loss everywhere in scratchgan: docs/vocabulary.md); the gradient is L_D's.

``demos/mnist_acgan.py`` writes this loop out line by line beside acgan.py;
``ACGANSteps`` is the same iteration for programs that need ACGAN as one
piece (BAGAN's baseline, ``demos/bagan.py``), and ``LabelTimesNoise`` is
acgan.py's generator input, G(z, c) = body(emb(c) * z).
"""
from ..nn import Module, frozen
from ..losses import BCELoss, CrossEntropyLoss


class LabelTimesNoise(Module):
    """G(z, c) = body(emb(c) * z): acgan.py's label embedding times the noise.

    Shapes:  z (N, latent_dim), c (N,) integer labels  ->  body's output
    Backward (product rule, e = emb(c), h = e * z):
        dh = body.backward(dy);  demb = dh * z  (into the embedding);  dz = dh * e
    """

    def __init__(self, embedding, body):
        super().__init__()
        self.embedding, self.body = embedding, body

    def forward(self, z, c):
        e = self.embedding(c)
        h = e * z
        return self.remember(self.body(h), (e, z))

    def backward(self, dy, output=None):
        y, (e, z) = self.recall(output)
        dh = self.body.backward(dy, y)
        self.embedding.backward(dh * z, e)
        return dh * e


class ACGANSteps:
    """One ACGAN iteration: G's step, then D's step on real images and G's.

    ``G(z, c)`` a conditional generator (``LabelTimesNoise`` or any module
    taking (z, c) whose backward returns dz); ``D(x)`` returns (P(real) of shape
    (N, 1), class logits (N, K)) and its backward takes the pair of gradients
    (``nn.TwoHeads``).  ``step`` takes the minibatch and the draws explicitly,
    so the caller owns the randomness (and tests can replay acgan.py).
    """

    def __init__(self, G, D, opt_G, opt_D):
        self.G, self.D, self.opt_G, self.opt_D = G, D, opt_G, opt_D
        self.adversarial_loss, self.auxiliary_loss = BCELoss(), CrossEntropyLoss()

    def step(self, x, y, z, c):
        """x (N, ...) real images with labels y (N,); z (N, latent_dim) and c (N,) for
        G's images.  Returns {"d_loss", "g_loss"} (device scalars) and G's images."""
        adv, aux = self.adversarial_loss, self.auxiliary_loss
        self.opt_G.zero_grad()                                     # ---- G's step
        x_fake = self.G(z, c)
        out = self.D(x_fake)
        g_loss = 0.5 * (adv(out[0], 1.0) + aux(out[1], c))
        with frozen(self.D):                                       # G needs dL/dx', not D's grads
            grad_fake = self.D.backward((adv.backward(out[0]) * 0.5,
                                         aux.backward(out[1]) * 0.5), out)
        self.G.backward(grad_fake, x_fake)
        self.opt_G.step()

        self.opt_D.zero_grad()                                     # ---- D's step
        skip = {"input_grad": False} if getattr(self.D, "skips_input_grad", False) else {}
        terms = []
        for images, target, classes in ((x, 1.0, y), (x_fake, 0.0, c)):   # real, then fake
            o = self.D(images)
            terms.append((adv(o[0], target) + aux(o[1], classes)) / 2)
            self.D.backward((adv.backward(o[0]) * 0.25, aux.backward(o[1]) * 0.25), o,
                            **skip)                                # 1/4 on each of 4 terms
        self.opt_D.step()
        return {"d_loss": terms[0] + terms[1], "g_loss": g_loss}, x_fake
