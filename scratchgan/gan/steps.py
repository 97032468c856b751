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

``GANSteps`` is this and nothing else: ``d_step``, ``g_step`` and ``step``
(k D steps, one G step).  Options are small named pieces the steps call:
D's targets and instance noise (``hacks.py``), the one-batch speed path
(``nn/kernels/joint_batch.py``), the mismatched-label term (``conditioning.py``) and
feature matching (``remedies.py``).  The run loop (logging, NaN rollback,
progress bar) is ``GANTrainer`` in ``trainer.py``; sampling is ``sampling.py``.

GPU-friendliness: nothing is copied to the host or synchronised inside a
step; the statistics it returns are device scalars.
"""
from ..nn.activation import sigmoid
from ..nn import Sequential, frozen, kernels, no_grad
from ..nn.kernels.joint_batch import d_loss_joint, judges_samples_alone
from .conditioning import shift_onehot
from .diagnostics import grad_norm
from .hacks import DiscriminatorTargets, InstanceNoise
from .objectives import bce, generator_loss
from .remedies import FeatureMatching


class GANSteps:
    """Algorithm 1's two updates, with the options as small named pieces.

    Args:
        G, D: Modules.  D outputs one score per sample, shape (m, 1): a
            probability (ends in Sigmoid; the default) or a logit
            (``d_output="logits"``, trained with BCEWithLogitsLoss).  With
            ``Pack(p)`` as D's first layer it outputs m / p scores.
        opt_G, opt_D: optimizers over G's and D's parameters (SGD with
            momentum as in the paper, or Adam as in PyTorch-GAN, chosen freely).
        sample_data(m): m real samples on the current device (or (x, c)).
        sample_noise(m): m samples of the prior, e.g. ``normal_noise(100)``.
        k: discriminator steps per iteration (Algorithm 1's k; the paper uses 1).
        batch_size: m, for every minibatch, real and noise.
        g_objective: "non_saturating" (default, -log D(G(z))) or "minimax"
            (log(1 - D(G(z)))); see ``scratchgan.gan.objectives``.
        d_output: "probability" (BCELoss) or "logits" (BCEWithLogitsLoss).

    GAN hacks (``hacks.py``, all off by default): real_label, fake_label,
        soft_labels, flip_prob (``DiscriminatorTargets``); instance_noise,
        instance_noise_anneal (``InstanceNoise``); Dropout: layers in D.

    Remedies for mode collapse (``remedies.py``): ``Pack`` and
        ``MinibatchStdDev`` are layers to build into D; feature_matching=i
        makes G's loss feature matching on D's first i layers (unconditional).

    Conditional GANs (``conditioning.py``): sample_data returns (x, c).
        sample_condition(m): labels c for G's samples (default: the latest
            real minibatch's).  mismatched_labels: D's third term, real x with
            wrong labels ``mismatch(c)`` (default ``shift_onehot``) scored as
            fake, weighted by mismatch_weight (Reed et al. 2016).

    Speed (``nn/kernels/joint_batch.py``): joint_d_batch "auto" sends real
        and fake through D as one batch while the kernels are on
        (``nn.kernels.enabled()``) and D judges each sample alone; False: always
        the two passes of Algorithm 1, as PyTorch-GAN writes them.
    """

    def __init__(self, G, D, opt_G, opt_D, sample_data, sample_noise, *, k=1,
                 batch_size=64, g_objective="non_saturating", d_output="probability",
                 real_label=1.0, fake_label=0.0, soft_labels=None, flip_prob=0.0,
                 instance_noise=0.0, instance_noise_anneal=None, feature_matching=None,
                 sample_condition=None, mismatched_labels=False, mismatch=None,
                 mismatch_weight=1.0, joint_d_batch="auto", g_loss=None):
        if g_loss is not None:          # the option's name until 2026-12 (docs/vocabulary.md)
            raise TypeError(f"{type(self).__name__}: the option g_loss= is now "
                            f"g_objective={g_loss!r}; g_loss is the logged number")
        if int(k) < 1 or int(batch_size) < 1:
            raise ValueError(f"{type(self).__name__}: k and batch_size must be >= 1, "
                             f"got k={k}, batch_size={batch_size}")
        if d_output not in ("probability", "logits"):
            raise ValueError(f"{type(self).__name__}: d_output must be 'probability' or "
                             f"'logits', got {d_output!r}")
        self.G, self.D, self.opt_G, self.opt_D = G, D, opt_G, opt_D
        self.sample_data, self.sample_noise = sample_data, sample_noise
        self.k, self.batch_size = int(k), int(batch_size)
        self.d_output = d_output
        self.d_criterion = bce(d_output)                             # D's BCE
        self.g_criterion = generator_loss(g_objective, d_output)     # G's loss on D's output
        self.targets = DiscriminatorTargets(real_label, fake_label, soft_labels, flip_prob)
        self.instance_noise = InstanceNoise(instance_noise, instance_noise_anneal)
        self.feature_matching = (FeatureMatching(D, feature_matching)
                                 if feature_matching is not None else None)
        self.sample_condition = sample_condition
        self.mismatched_labels = bool(mismatched_labels)
        self.mismatch = mismatch or shift_onehot
        self.mismatch_weight = float(mismatch_weight)
        if joint_d_batch not in ("auto", True, False):
            raise ValueError(f"{type(self).__name__}: joint_d_batch must be 'auto', True or "
                             f"False, got {joint_d_batch!r}")
        self.joint_d_batch = joint_d_batch
        self._d_alone = judges_samples_alone(D)     # may real and fake share one batch?

        self.iteration = 0                 # iterations done (instance noise anneals by it)
        self.conditional = None            # decided by the first real minibatch
        self._last_real = self._last_fake = self._last_c = None   # the latest minibatches

    # -- the small named pieces the two steps call ---------------------------------
    def _real_batch(self):
        """Draw m real samples: returns (x, c) with c None for an ordinary GAN."""
        batch = self.sample_data(self.batch_size)
        conditional = isinstance(batch, (tuple, list))
        if self.conditional is None:                    # the first batch decides
            self.conditional = conditional
            if conditional and self.feature_matching is not None:
                raise ValueError("GANTrainer: feature matching is for unconditional GANs only")
            if self.mismatched_labels and not conditional:
                raise ValueError("GANTrainer: mismatched_labels needs a conditional GAN "
                                 "(sample_data returning (x, c))")
        elif conditional != self.conditional:
            raise TypeError("GANTrainer: sample_data returned "
                            f"{'(x, c)' if conditional else 'x'} now but not before")
        return tuple(batch) if conditional else (batch, None)

    def _fake_condition(self, c_real):
        if c_real is None:
            return None
        return self.sample_condition(self.batch_size) if self.sample_condition else c_real

    def _G(self, z, c):
        return self.G.forward(z) if c is None else self.G.forward(z, c)

    def _D(self, x, c):
        """D's raw output on (x, c), after instance noise if switched on."""
        x = self.instance_noise(x, self.iteration + 1)
        return self.D.forward(x) if c is None else self.D.forward(x, c)

    def _backward_D_only(self, grad, out):
        """D.backward for D's own step: only D's parameter gradients are needed,
        so a Sequential D may skip its first layer's input gradient."""
        if isinstance(self.D, Sequential):
            self.D.backward(grad, out, input_grad=False)
        else:
            self.D.backward(grad, out)

    def _prob(self, out):
        return sigmoid(out) if self.d_output == "logits" else out

    def noise_std(self, iteration=None):
        """The instance-noise std at an iteration (default: the one being run)."""
        return self.instance_noise.std(self.iteration + 1 if iteration is None else iteration)

    # -- the two updates ---------------------------------------------------------
    def d_step(self):
        """One update of D, the inner loop of Algorithm 1:

            sample {z_1..z_m} ~ p(z) and {x_1..x_m} ~ p_data
            ascend (1/m) sum_i [log D(x_i) + log(1 - D(G(z_i)))],
                   i.e. descend BCE(D(x), 1) + BCE(D(G(z)), 0)

        Returns device scalars: d_loss, D_x, D_G_z, real_acc, fake_acc, d_grad_norm.
        """
        self.opt_D.zero_grad()
        x, c = self._real_batch()
        z = self.sample_noise(self.batch_size)
        c_fake = self._fake_condition(c)
        with no_grad():                 # G is held fixed: no cache, no G.backward
            x_fake = self._G(z, c_fake)

        if not self._one_batch(c):                        # Algorithm 1 as written: two passes
            out_real = self._D(x, c)                       # D on real data ...
            t_real, t_fake = self.targets(out_real.shape, out_real.dtype)
            out_fake = self._D(x_fake, c_fake)             # ... and on G's samples
            loss_real = self.d_criterion(out_real, t_real)
            loss_fake = self.d_criterion(out_fake, t_fake)
            self._backward_D_only(self.d_criterion.backward(out_real), out_real)
            self._backward_D_only(self.d_criterion.backward(out_fake), out_fake)
            d_loss = loss_real + loss_fake
        else:
            # The speed detour (nn/kernels/joint_batch.py, taken where it is exact: a
            # D that judges each sample alone, no BatchNorm): the same two terms from
            # one pass over [x; x'].  kernels.off() or joint_d_batch=False: the above.
            out_real, out_fake, d_loss = self._d_joint(x, x_fake)

        if self.mismatched_labels:      # real x with wrong labels are "fake" too
            d_loss = d_loss + self._d_mismatched(x, c, t_fake)

        stats = {"d_loss": d_loss, "d_grad_norm": grad_norm(self.opt_D)}
        self.opt_D.step()

        p_real, p_fake = self._prob(out_real), self._prob(out_fake)
        stats.update(D_x=p_real.mean(), D_G_z=p_fake.mean(),
                     real_acc=(p_real > 0.5).mean(), fake_acc=(p_fake < 0.5).mean())
        self._last_real, self._last_fake, self._last_c = x, x_fake, c
        return stats

    def _one_batch(self, c):
        """Take the one-batch speed detour for this D step?"""
        if c is not None or self.joint_d_batch is False:
            return False
        return self.joint_d_batch is True or (kernels.enabled() and self._d_alone)

    def _d_joint(self, x, x_fake):
        """D's two terms in one pass over [x; x'] (``nn/kernels/joint_batch.py``)."""
        return d_loss_joint(lambda x: self._D(x, None), self._backward_D_only,
                            self.d_criterion, self.targets, x, x_fake)

    def _d_mismatched(self, x, c, t_fake):
        """The matching-aware discriminator's third term (Reed et al. 2016):
        real x with wrong labels scored as fake, w * BCE(D(x, c_wrong), t_fake).
        Back-propagated into D; returns its value (times w)."""
        out_wrong = self._D(x, self.mismatch(c))
        loss_wrong = self.d_criterion(out_wrong, t_fake)
        w = out_wrong.dtype.type(self.mismatch_weight)
        self._backward_D_only(self.d_criterion.backward(out_wrong) * w, out_wrong)
        return self.mismatch_weight * loss_wrong

    def g_step(self):
        """One update of G: sample {z_1..z_m} ~ p(z), descend L_G(D(G(z))).

        Returns device scalars (g_loss, g_grad_norm)."""
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
            loss = self.g_criterion(out)
            # G needs dL/dx' through D, not D's own gradients: freeze D meanwhile
            # (PyTorch code does the same with requires_grad = False).
            with frozen(self.D):
                dx_fake = self.D.backward(self.g_criterion.backward(out), out)
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
