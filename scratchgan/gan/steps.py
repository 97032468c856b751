"""The algorithm: Algorithm 1 of Goodfellow et al. (2014), one D step and one G step.

    for number of training iterations do
        for k steps do
            sample a minibatch of m noise samples {z_1..z_m} from the prior p_g(z)
            sample a minibatch of m examples {x_1..x_m} from p_data(x)
            update D by ascending its stochastic gradient
                grad_theta_d (1/m) sum_i [ log D(x_i) + log(1 - D(G(z_i))) ]
        end for
        sample a minibatch of m noise samples {z_1..z_m} from p_g(z)
        update G by descending its stochastic gradient
                grad_theta_g (1/m) sum_i log(1 - D(G(z_i)))     (or the non-saturating loss)
    end for

With hand-written backward passes, one iteration (k = 1) is this data flow:

    D step:  x ~ data, z ~ p(z)
             x' = G(z) under no_grad()   (G is held fixed: no cache, no G.backward)
             out_r = D(x);  out_f = D(x')                         (two pending forwards)
             D.backward(BCE'(out_r, 1), out_r)                    (adds into D's grads)
             D.backward(BCE'(out_f, 0), out_f)                    (adds again: the sum)
             opt_D.step()
    G step:  fresh z ~ p(z),  x' = G(z),  out = D(x')
             dx' = D.backward(L_G'(out), out)                     (through D, to its input)
             G.backward(dx', x')  -> opt_G.step()
             (D is frozen, ``requires_grad_(False)``, during this backward: G
             needs the gradient through D, not D's own parameter gradients.)

    In D's step the data needs no gradient, so D's first layer skips dL/dx
    (``Sequential.backward(dy, input_grad=False)``).

``GANSteps`` is exactly this and nothing else: ``d_step`` and ``g_step``,
and ``step`` (k D steps, then one G step).  The options are small named
pieces that the two steps call: the D targets (the GAN hacks), instance
noise in ``_D``, the one-batch real+fake speed path ``_d_joint``, the
mismatched-label term ``_d_mismatched``, feature matching in ``g_step``, and
conditioning in ``_G``/``_D``.  It knows nothing of images or toy data: the
caller passes ``sample_data(m)`` and ``sample_noise(m)``.  The run loop
around it (iterations, logging, NaN rollback, the progress bar) is
``GANTrainer`` in ``trainer.py``; sampling is ``sampling.py``.

GPU-friendliness: nothing is copied to the host or synchronised inside a
step; the statistics it returns are device scalars.
"""
from .. import backend
from ..nn.activation import sigmoid
from ..nn.module import Sequential, no_grad
from .losses import DiscriminatorTargets, bce, generator_loss
from .remedies import FeatureMatching


def grad_norm(optimizer):
    """||grad|| over the parameters an optimizer updates (a device scalar).

    scratchgan's optimizers keep all gradients in one flat vector, so this is
    one reduction.
    """
    g = getattr(optimizer, "grad", None)
    if g is None:                                    # any other optimizer
        xp = backend.get_xp()
        return xp.sqrt(sum((p.grad * p.grad).sum() for p in optimizer.params))
    return backend.get_array_module(g).sqrt(g @ g)       # one BLAS dot, no temporary


def judges_samples_alone(D):
    """True when every layer of D treats each sample independently (no
    BatchNorm, minibatch std-dev or packing, nothing unknown), so that real and
    fake minibatches may go through D as one batch (see ``GANTrainer``)."""
    from .. import nn
    per_sample = (nn.Sequential, nn.Linear, nn.Conv2d, nn.ConvTranspose2d, nn.ReLU,
                  nn.LeakyReLU, nn.Sigmoid, nn.Tanh, nn.ELU, nn.SELU, nn.Identity,
                  nn.Dropout, nn.Flatten, nn.Reshape)
    return all(type(m) in per_sample for m in D.modules())

def shift_onehot(c):
    """Mismatched labels for one-hot conditions c (N, K): each row's 1 moves to a
    different class, chosen uniformly among the other K - 1."""
    xp = backend.get_array_module(c)
    n, k = c.shape
    if k < 2:
        raise ValueError("shift_onehot: mismatched labels need at least 2 classes")
    offset = 1 + (backend.rand(n) * (k - 1)).astype(xp.int64)    # in 1..K-1
    offset = xp.minimum(offset, k - 1)                           # guard rand() == 1.0
    wrong = (c.argmax(axis=1) + offset) % k
    return xp.eye(k, dtype=c.dtype)[wrong]



class GANSteps:
    """Algorithm 1's two updates, with the options as small named pieces.

    Args:
        G, D: Modules.  D outputs one score per sample, shape (m, 1): a
            probability (ends in Sigmoid; the default) or a logit
            (``d_output="logits"``, trained with BCEWithLogitsLoss).  With
            ``Pack(p)`` as D's first layer it outputs m / p scores.
        opt_G, opt_D: optimizers over G's and D's parameters (SGD with
            momentum as in the paper, or Adam as in PyTorch-GAN, chosen freely).
        sample_data(m): a minibatch of m real samples on the current device,
            or a pair (x, c) for a conditional GAN; then G.forward(z, c) and
            D.forward(x, c) are used.
        sample_noise(m): m samples of the noise prior, e.g.
            ``scratchgan.gan.normal_noise(100)``.
        k: discriminator steps per iteration (Algorithm 1's k; the paper uses 1).
        batch_size: m, for every minibatch, real and noise.
        g_loss: "non_saturating" (default, -log D(G(z))) or "minimax"
            (log(1 - D(G(z)))); see ``scratchgan.gan.losses``.
        d_output: "probability" (BCELoss) or "logits" (BCEWithLogitsLoss).

    GAN hacks (see ``DiscriminatorTargets``):
        real_label: 0.9 gives one-sided label smoothing.
        fake_label: the fake target (0).
        soft_labels: ((0.7, 1.2), (0.0, 0.3)) or True: per-sample random targets.
        flip_prob: probability of swapping a sample's target.
        instance_noise: std sigma of Gaussian noise added to every input of D
            (real and fake, in both steps), which makes the two distributions
            overlap so D cannot separate them perfectly (Sonderby et al. 2017).
        instance_noise_anneal: if set, sigma decays linearly to 0 over this
            many iterations: sigma_t = sigma * max(0, 1 - (t - 1) / anneal).
        Dropout in D: put ``Dropout`` layers in D; training mode keeps them on.

    Remedies for mode collapse:
        ``Pack`` and ``MinibatchStdDev`` are layers: build them into D.
        feature_matching: a layer index; G's loss becomes feature matching on
            D's first ``feature_matching`` layers (D must be a Sequential; see
            ``FeatureMatching``).  Not available for conditional GANs.

    Conditional GANs:
        sample_condition(m): labels c for generated samples.  Default: the
            labels of the latest real minibatch (so G is asked for the same
            label distribution as the data's).
        mismatched_labels: add a third term to D's loss, real samples paired
            with wrong labels scored as fake (the matching-aware
            discriminator, Reed et al. 2016): L_D += w * BCE(D(x, c_wrong), 0).
        mismatch: c -> c_wrong (default ``shift_onehot``, for one-hot labels).
        mismatch_weight: w (default 1).

    Speed:
        joint_d_batch: "auto" (default) sends the real and the fake minibatch
            through D as one batch of 2m when every layer of D judges samples
            independently (``judges_samples_alone``: no BatchNorm, no remedy
            layers); the gradient is the same, the products larger and faster.
            False always uses two passes, as PyTorch-GAN writes it.
    """

    def __init__(self, G, D, opt_G, opt_D, sample_data, sample_noise, *, k=1,
                 batch_size=64, g_loss="non_saturating", d_output="probability",
                 real_label=1.0, fake_label=0.0, soft_labels=None, flip_prob=0.0,
                 instance_noise=0.0, instance_noise_anneal=None, feature_matching=None,
                 sample_condition=None, mismatched_labels=False, mismatch=None,
                 mismatch_weight=1.0, joint_d_batch="auto"):
        if int(k) < 1 or int(batch_size) < 1:
            raise ValueError(f"{type(self).__name__}: k and batch_size must be >= 1, "
                             f"got k={k}, batch_size={batch_size}")
        if d_output not in ("probability", "logits"):
            raise ValueError(f"{type(self).__name__}: d_output must be 'probability' or "
                             f"'logits', got {d_output!r}")
        self.G, self.D, self.opt_G, self.opt_D = G, D, opt_G, opt_D
        self.sample_data, self.sample_noise = sample_data, sample_noise
        self.k, self.batch_size = int(k), int(batch_size)
        self.logits = d_output == "logits"
        self.criterion = bce(self.logits)                  # D's BCE
        self.g_loss = generator_loss(g_loss, self.logits)  # G's loss on D's output
        self.targets = DiscriminatorTargets(real_label, fake_label, soft_labels, flip_prob)
        self.instance_noise = float(instance_noise)
        self.instance_noise_anneal = instance_noise_anneal
        self.feature_matching = (FeatureMatching(D, feature_matching)
                                 if feature_matching is not None else None)
        self.sample_condition = sample_condition
        self.mismatched_labels = bool(mismatched_labels)
        self.mismatch = mismatch or shift_onehot
        self.mismatch_weight = float(mismatch_weight)
        if joint_d_batch not in ("auto", True, False):
            raise ValueError(f"{type(self).__name__}: joint_d_batch must be 'auto', True or "
                             f"False, got {joint_d_batch!r}")
        self.joint_d_batch = (judges_samples_alone(D) if joint_d_batch == "auto"
                              else joint_d_batch)

        self.iteration = 0                 # iterations done (instance noise anneals by it)
        self.conditional = None            # decided by the first real minibatch
        self._last_real = self._last_fake = self._last_c = None   # the latest minibatches

    # -- the small named pieces the two steps call ---------------------------------
    def _real_batch(self):
        """Draw m real samples: returns (x, c) with c None for an ordinary GAN."""
        batch = self.sample_data(self.batch_size)
        conditional = isinstance(batch, (tuple, list))
        if self.conditional is None:
            self.conditional = conditional
            if conditional and self.feature_matching is not None:
                raise ValueError("GANTrainer: feature matching is implemented for "
                                 "unconditional GANs only")
        elif conditional != self.conditional:
            raise TypeError("GANTrainer: sample_data returned "
                            f"{'(x, c)' if conditional else 'x'} now but not before")
        if self.mismatched_labels and not conditional:
            raise ValueError("GANTrainer: mismatched_labels needs a conditional GAN "
                             "(sample_data returning (x, c))")
        return tuple(batch) if conditional else (batch, None)

    def _fake_condition(self, c_real):
        if c_real is None:
            return None
        return self.sample_condition(self.batch_size) if self.sample_condition else c_real

    def _G(self, z, c):
        return self.G.forward(z) if c is None else self.G.forward(z, c)

    def _D(self, x, c):
        """D's raw output on (x, c), after instance noise if switched on."""
        sigma = self.noise_std()
        if sigma > 0:
            x = x + x.dtype.type(sigma) * backend.randn(*x.shape, dtype=x.dtype)
        return self.D.forward(x) if c is None else self.D.forward(x, c)

    def _backward_D_only(self, grad, out):
        """D.backward for D's own step: only D's parameter gradients are needed,
        so a Sequential D may skip its first layer's input gradient."""
        if isinstance(self.D, Sequential):
            self.D.backward(grad, out, input_grad=False)
        else:
            self.D.backward(grad, out)

    def _prob(self, out):
        return sigmoid(out) if self.logits else out

    def d_loss_terms(self):
        """What this trainer's d_loss adds up, and its value at the equilibrium
        D = 1/2, as keyword arguments of ``viz.plot_history``."""
        import math
        label, optimum, optimum_label = "D loss = BCE(real) + BCE(fake)", 2.0, "2 ln 2"
        if self.mismatched_labels:
            w = self.mismatch_weight
            label = ("D loss = BCE(real, y) + BCE(fake, y) + "
                     f"{'' if w == 1 else f'{w:g} '}BCE(real, wrong y)")
            optimum = 2.0 + w
            optimum_label = f"{optimum:g} ln 2"
        return {"d_loss_label": label, "d_loss_optimum": optimum * math.log(2),
                "d_loss_optimum_label": optimum_label}

    def noise_std(self, iteration=None):
        """The instance-noise std at an iteration (default: the one being run)."""
        if not self.instance_noise:
            return 0.0
        t = self.iteration + 1 if iteration is None else iteration
        if self.instance_noise_anneal:
            return self.instance_noise * max(0.0, 1.0 - (t - 1) / self.instance_noise_anneal)
        return self.instance_noise

    # -- the two updates ---------------------------------------------------------
    def d_step(self):
        """One update of D: ascend log D(x) + log(1 - D(G(z))) on fresh minibatches.

        Returns a dict of device scalars: d_loss, D_x, D_G_z, real_acc, fake_acc,
        d_grad_norm.
        """
        self.opt_D.zero_grad()
        x, c = self._real_batch()
        z = self.sample_noise(self.batch_size)
        c_fake = self._fake_condition(c)
        with no_grad():                 # G is held fixed: no cache, no G.backward
            x_fake = self._G(z, c_fake)

        if self.joint_d_batch and c is None:
            out_real, out_fake, d_loss = self._d_joint(x, x_fake)
        else:
            out_real = self._D(x, c)
            t_real, t_fake = self.targets(out_real.shape, out_real.dtype)
            out_fake = self._D(x_fake, c_fake)
            loss_real = self.criterion(out_real, t_real)
            loss_fake = self.criterion(out_fake, t_fake)
            self._backward_D_only(self.criterion.backward(out_real), out_real)
            self._backward_D_only(self.criterion.backward(out_fake), out_fake)
            d_loss = loss_real + loss_fake

        if self.mismatched_labels:      # real x with wrong labels are "fake" too
            d_loss = d_loss + self._d_mismatched(x, c, t_fake)

        stats = {"d_loss": d_loss, "d_grad_norm": grad_norm(self.opt_D)}
        self.opt_D.step()

        p_real, p_fake = self._prob(out_real), self._prob(out_fake)
        stats.update(D_x=p_real.mean(), D_G_z=p_fake.mean(),
                     real_acc=(p_real > 0.5).mean(), fake_acc=(p_fake < 0.5).mean())
        self._last_real, self._last_fake, self._last_c = x, x_fake, c
        return stats

    def _d_joint(self, x, x_fake):
        """D's two terms in one pass over the 2m samples [x; x'].

        When D judges each sample on its own, D([x; x']) = [D(x); D(x')], and
        the loss BCE(D(x), 1) + BCE(D(x'), 0) is a sum over samples, so one
        forward and backward over the joined batch gives exactly the same
        gradient as the two separate passes: fewer calls and larger, faster
        matrix products.  (With BatchNorm in D the two would differ: real and
        fake would share batch statistics.  Then D sees them separately.)
        The mean over 2m samples is half the sum of the two means: scale by 2.
        """
        m = x.shape[0]
        xp = backend.get_array_module(x)
        out = self._D(xp.concatenate([x, x_fake]), None)
        t_real, t_fake = self.targets(out[:m].shape, out.dtype)   # numbers or arrays
        t = xp.empty_like(out)
        t[:m], t[m:] = t_real, t_fake
        loss = self.criterion(out, t)
        self._backward_D_only(self.criterion.backward(out) * out.dtype.type(2), out)
        return out[:m], out[m:], 2 * loss

    def _d_mismatched(self, x, c, t_fake):
        """The matching-aware discriminator's third term (Reed et al. 2016):
        real x with wrong labels scored as fake, w * BCE(D(x, c_wrong), t_fake).
        Back-propagated into D; returns its value (times w)."""
        out_wrong = self._D(x, self.mismatch(c))
        loss_wrong = self.criterion(out_wrong, t_fake)
        w = out_wrong.dtype.type(self.mismatch_weight)
        self._backward_D_only(self.criterion.backward(out_wrong) * w, out_wrong)
        return self.mismatch_weight * loss_wrong

    def g_step(self):
        """One update of G on a fresh noise minibatch.  Returns (g_loss, g_grad_norm)."""
        self.opt_G.zero_grad()
        z = self.sample_noise(self.batch_size)
        c = self._fake_condition(self._last_c)
        x_fake = self._G(z, c)
        if self.feature_matching is not None:
            x_real, _ = self._real_batch()
            loss = self.feature_matching.forward(x_real, x_fake)
            dx_fake = self.feature_matching.backward()
        else:
            out = self._D(x_fake, c)
            loss = self.g_loss(out)
            # G needs dL/dx' through D, not D's own gradients: freeze D meanwhile
            # (PyTorch code does the same with requires_grad = False).
            frozen = [p.requires_grad for p in self.D.parameters()]
            self.D.requires_grad_(False)
            try:
                dx_fake = self.D.backward(self.g_loss.backward(out), out)
            finally:
                for p, flag in zip(self.D.parameters(), frozen):
                    p.requires_grad = flag
        self.G.backward(dx_fake, x_fake)
        norm = grad_norm(self.opt_G)
        self.opt_G.step()
        return loss, norm


    def step(self):
        """One iteration of Algorithm 1: k D steps, then one G step.

        Returns the statistics of the last D step and of the G step as device
        scalars (no sync): d_loss, D_x, D_G_z, real_acc, fake_acc, d_grad_norm,
        g_loss, g_grad_norm.
        """
        for _ in range(self.k):
            stats = self.d_step()
        g_loss, g_norm = self.g_step()
        stats.update(g_loss=g_loss, g_grad_norm=g_norm)
        self.iteration += 1
        return stats
