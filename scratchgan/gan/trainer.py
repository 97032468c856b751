"""Algorithm 1 of Goodfellow et al. (2014): minibatch stochastic gradient training of a GAN.

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

``GANTrainer`` runs exactly this, with the options of the issue: k, m, the
noise prior, the generator loss, SGD or Adam (whatever optimizers you pass),
the GAN hacks (label smoothing, soft labels, label flips, instance noise;
dropout in D is simply a ``Dropout`` layer in your D, kept active because the
trainer keeps both networks in training mode), feature matching, and
conditional GANs.  It knows nothing of images or toy data: the caller passes
``sample_data(m)`` and ``sample_noise(m)``.

GPU-friendliness: nothing is copied to the host or synchronised inside an
iteration except where asked.  Diagnostics are accumulated as device scalars
and converted to Python floats only at log points; the NaN check runs every
iteration on the CPU (free there) and at log points on the GPU.
"""
import sys

from .. import backend
from ..nn.activation import sigmoid
from ..nn.module import Sequential, no_grad
from .diagnostics import (FailureMonitor, History, TrainingDiverged, copy_state,
                          format_line, is_finite, spread)
from .losses import DiscriminatorTargets, bce, generator_loss
from .remedies import FeatureMatching

# The per-iteration statistics averaged into each history row, in this order.
STATS = ("d_loss", "g_loss", "D_x", "D_G_z", "real_acc", "fake_acc",
         "g_grad_norm", "d_grad_norm")


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


def postfix(row):
    """The progress bar's numbers for a history row (or a window's means)."""
    return (f"d_loss={row['d_loss']:.3f} g_loss={row['g_loss']:.3f} "
            f"D(x)={row['D_x']:.2f} D(G(z))={row['D_G_z']:.2f} "
            f"acc={row['real_acc']:.2f}/{row['fake_acc']:.2f}")


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


class GANTrainer:
    """Train G and D with Algorithm 1: the loop of ``demos/gan_loop.py``, plus options.

    ``demos/gan_loop.py`` writes one iteration out by hand, as the lecture's
    PyTorch code does (zero_grad, forwards, backwards by name, step); this
    class runs the same steps (D first, as Algorithm 1 orders them) and adds
    k, the GAN hacks, remedies, conditioning, logging and NaN rollback.

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

    Failure handling:
        nan_check: "auto" (every iteration on the CPU, at log points on the
            GPU), "step", "log" or None.  A NaN/Inf loss restores the last good
            state (saved at every clean log point) and raises ``TrainingDiverged``.
        monitor: a ``FailureMonitor`` (warnings for convergence failure and
            mode collapse), or None to switch the warnings off.

    After training, ``history`` holds one row per log point (see
    ``scratchgan.gan.diagnostics``) and ``to_csv(path)`` writes it.
    """

    def __init__(self, G, D, opt_G, opt_D, sample_data, sample_noise, *, k=1,
                 batch_size=64, g_loss="non_saturating", d_output="probability",
                 real_label=1.0, fake_label=0.0, soft_labels=None, flip_prob=0.0,
                 instance_noise=0.0, instance_noise_anneal=None, feature_matching=None,
                 sample_condition=None, mismatched_labels=False, mismatch=None,
                 mismatch_weight=1.0, joint_d_batch="auto", nan_check="auto",
                 monitor="default"):
        if int(k) < 1 or int(batch_size) < 1:
            raise ValueError(f"GANTrainer: k and batch_size must be >= 1, got k={k}, "
                             f"batch_size={batch_size}")
        if d_output not in ("probability", "logits"):
            raise ValueError(f"GANTrainer: d_output must be 'probability' or 'logits', "
                             f"got {d_output!r}")
        if nan_check not in ("auto", "step", "log", None, False):
            raise ValueError(f"GANTrainer: nan_check must be 'auto', 'step', 'log' or "
                             f"None, got {nan_check!r}")
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
        if nan_check == "auto":
            nan_check = "step" if backend.backend_name() == "numpy" else "log"
        self.nan_check = nan_check or None
        self.monitor = FailureMonitor() if monitor == "default" else monitor
        if joint_d_batch not in ("auto", True, False):
            raise ValueError(f"GANTrainer: joint_d_batch must be 'auto', True or False, "
                             f"got {joint_d_batch!r}")
        self.joint_d_batch = (judges_samples_alone(D) if joint_d_batch == "auto"
                              else joint_d_batch)

        self.iteration = 0
        self.history = History()
        self.conditional = None            # decided by the first real minibatch
        self._good = None                  # the last good state (see snapshot)
        self._reset_window()
        self._last_real = self._last_fake = self._last_c = None
        self._console = print

    # ----------------------------------------------------------- plumbing
    def _reset_window(self):
        self._sums = dict.fromkeys(STATS, 0.0)
        self._count = 0

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

    # ------------------------------------------------------ one iteration
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
            out_wrong = self._D(x, self.mismatch(c))
            loss_wrong = self.criterion(out_wrong, t_fake)
            w = out_wrong.dtype.type(self.mismatch_weight)
            self._backward_D_only(self.criterion.backward(out_wrong) * w, out_wrong)
            d_loss = d_loss + self.mismatch_weight * loss_wrong

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
        """One iteration: k D steps, then one G step.  Returns the iteration number.

        Diagnostics are added to the current window (device scalars, no sync);
        ``log()`` turns the window into a history row.
        """
        t = self.iteration + 1
        for _ in range(self.k):
            stats = self.d_step()
            if self.nan_check == "step" and not is_finite(stats["d_loss"]):
                self._diverged(t, "discriminator", float(stats["d_loss"]))
        g_loss, g_norm = self.g_step()
        if self.nan_check == "step" and not is_finite(g_loss):
            self._diverged(t, "generator", float(g_loss))
        stats.update(g_loss=g_loss, g_grad_norm=g_norm)
        for name in STATS:
            self._sums[name] = self._sums[name] + stats[name]
        self._count += 1
        self.iteration = t
        return t

    # ------------------------------------------------- logging and safety
    def log(self):
        """Close the current window: append its means as a history row and return it.

        This is the only place that copies to the host (one transfer).  Also
        checks for NaN (on the GPU), issues warnings and saves the good state.
        """
        if self._count == 0:
            return None
        row = self._window_means()
        if self.nan_check:
            for name, network in (("d_loss", "discriminator"), ("g_loss", "generator")):
                if not is_finite(row[name]):
                    self._diverged(self.iteration, network, row[name])
        real = float(spread(self._last_real))
        row["diversity"] = float(spread(self._last_fake)) / real if real > 0 else float("nan")
        self._reset_window()
        self.history.append(row)
        if self.monitor is not None:
            for message in self.monitor.update(row):
                self._console("WARNING " + message)
        self.snapshot()
        return row

    def snapshot(self):
        """Remember the current state of G, D and both optimizers (device copies)."""
        self._good = {"iteration": self.iteration,
                      "G": copy_state(self.G.state_dict()), "D": copy_state(self.D.state_dict()),
                      "opt_G": copy_state(self.opt_G.state_dict()),
                      "opt_D": copy_state(self.opt_D.state_dict())}

    def restore(self):
        """Load the last snapshot back into G, D and the optimizers."""
        good = self._good
        self.G.load_state_dict(good["G"])
        self.D.load_state_dict(good["D"])
        self.opt_G.load_state_dict(good["opt_G"])
        self.opt_D.load_state_dict(good["opt_D"])
        self.iteration = good["iteration"]
        self.history.truncate(self.iteration)
        self._reset_window()
        return self.iteration

    def _diverged(self, iteration, network, value):
        restored = self.restore()
        hint = (f"lower the learning rates (now lr_G={getattr(self.opt_G, 'lr', '?')}, "
                f"lr_D={getattr(self.opt_D, 'lr', '?')}), e.g. halve them; with Adam try "
                f"beta1 = 0.5")
        if not self.logits:
            hint += "; or let D output logits (d_output='logits', BCEWithLogitsLoss)"
        raise TrainingDiverged(iteration, network, restored, value, hint=hint)

    def _window_means(self):
        """The current window's means on the host (one transfer), as a row."""
        xp = backend.get_xp()
        sums = backend.to_host(xp.stack([xp.asarray(self._sums[s], dtype=xp.float64)
                                         for s in STATS]))
        row = {"iter": self.iteration}
        row.update({s: float(v) / self._count for s, v in zip(STATS, sums)})
        return row

    # ---------------------------------------------------------- the loop
    def train(self, iters, log_every=100, print_every=1000, callback=None, progress=True):
        """Run ``iters`` iterations, logging every ``log_every``.

        print_every: print the console line at the first log point at or after
            each multiple of this (0: never).  The progress bar shows the
            latest losses from the first iteration on: the means since the
            last log point, refreshed at least every ``REFRESH_S`` seconds
            (one small host transfer each time) and at every log point.
        callback(trainer, row): called after every log point, e.g. to save
            snapshots for pictures.
        Returns the history.
        """
        import time

        from tqdm.auto import tqdm

        self.G.train()
        self.D.train()
        if self._good is None:
            self.snapshot()
        start, end = self.iteration, self.iteration + int(iters)
        next_print = (start // print_every + 1) * print_every if print_every else None
        bar = tqdm(total=int(iters), disable=not progress, unit="it", leave=True,
                   dynamic_ncols=True, mininterval=0.25, file=sys.stdout)
        self._console = bar.write if progress else print
        if next_print is not None and start == 0:
            terms = self.d_loss_terms()
            self._console(f"{terms['d_loss_label']}: {terms['d_loss_optimum']:.3f} "
                          f"({terms['d_loss_optimum_label']}) at the equilibrium D = 1/2; "
                          "PyTorch-GAN's scripts print the mean of the terms instead")
        shown = None                          # when the bar's numbers were last refreshed
        try:
            while self.iteration < end:
                t = self.step()
                bar.update(1)
                logging = t % log_every == 0 or t == end
                if progress and not logging and (
                        shown is None or time.monotonic() - shown >= self.REFRESH_S):
                    bar.set_postfix_str(postfix(self._window_means()), refresh=True)
                    shown = time.monotonic()
                if logging:
                    row = self.log()
                    bar.set_postfix_str(postfix(row), refresh=False)
                    shown = time.monotonic()
                    if next_print is not None and (t >= next_print or t == end):
                        self._console(format_line(row))
                        next_print = (t // print_every + 1) * print_every
                    if callback is not None:
                        callback(self, row)
        finally:
            bar.close()
            self._console = print
        return self.history

    REFRESH_S = 2.0          # the progress bar's numbers are at most this old

    def to_csv(self, path):
        """Write the history as CSV (one row per log point)."""
        return self.history.to_csv(path)

    # --------------------------------------------------------- sampling
    def _with_mode(self, module, training, fn):
        modes = [m.training for m in module.modules()]
        module.train(training)
        try:
            return fn()
        finally:
            for m, mode in zip(module.modules(), modes):
                m.training = mode

    def generate(self, n, c=None, batch=4096, eval_mode=False):
        """n samples of G on the host (NumPy), z from ``sample_noise``.

        ``c``: labels (n, k) for a conditional G.  ``eval_mode``: run G in
        evaluation mode (BatchNorm running statistics); default keeps its mode.
        """
        import numpy
        if c is None and self.conditional and self.sample_condition:
            c = self.sample_condition(n)

        def run():
            parts = []
            for i in range(0, n, batch):
                z = self.sample_noise(min(batch, n - i))
                with no_grad():
                    x = self._G(z, None if c is None else c[i:i + batch])
                parts.append(backend.to_host(x))
            return numpy.concatenate(parts)
        return self._with_mode(self.G, not eval_mode and self.G.training, run)

    def discriminate(self, x, c=None, batch=8192, eval_mode=True):
        """D's probabilities D(x) on the host (no instance noise), for pictures.

        x may be a NumPy array; it is moved to the current device.  With
        ``Pack(p)`` in D there are len(x) / p scores; with ``MinibatchStdDev``
        D's output depends on the whole chunk of ``batch`` points.
        """
        import numpy
        x = backend.asarray(x)

        def run():
            parts = []
            for i in range(0, len(x), batch):
                xi = x[i:i + batch]
                with no_grad():
                    out = self.D(xi) if c is None else self.D(xi, c[i:i + batch])
                parts.append(backend.to_host(self._prob(out)))
            return numpy.concatenate(parts)
        return self._with_mode(self.D, not eval_mode and self.D.training, run)
