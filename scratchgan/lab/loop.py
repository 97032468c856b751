"""Algorithm 1, written out, pausing after each call so the page can show it.

Each function is a generator: ``yield`` hands control back to the page after
one call of the lecture's loop, and the page highlights the line that ran
(the source of this file is served at ``/loop``).  ``for _ in d_step(s): pass``
runs a whole step; the training thread does exactly that.

``s`` is a ``LabSession``: s.G, s.D, s.opt_G, s.opt_D, s.d_criterion (D's
loss), s.g_criterion (G's), s.real_batch(m), s.noise(m), s.m (the minibatch
size), s.k, and s.stats, where each step leaves its numbers.
"""
from ..nn import frozen, no_grad
from ..gan.diagnostics import grad_norm


def d_step(s):
    """One update of D: ascend log D(x) + log(1 - D(G(z))), i.e. descend D's loss."""
    s.opt_D.zero_grad()
    x = s.real_batch(s.m)                                   # m real points
    with no_grad():
        x_fake = s.G(s.noise(s.m))                          # m fakes; G is held fixed
    out_real = s.D(x)
    yield "D forward on real x"
    out_fake = s.D(x_fake)
    yield "D forward on fake x' = G(z)"
    d_loss = s.d_criterion(out_real, 1.0) + s.d_criterion(out_fake, 0.0)
    s.D.backward(s.d_criterion.backward(out_real), out_real, input_grad=False)
    s.D.backward(s.d_criterion.backward(out_fake), out_fake, input_grad=False)
    yield "D backward (dL_D/dW into D's grads)"
    d_grad_norm = grad_norm(s.opt_D)
    s.opt_D.step()
    yield "D's optimizer step"
    s.stats.update(d_loss=float(d_loss), d_grad_norm=float(d_grad_norm),
                   D_x=float(out_real.mean()), D_G_z=float(out_fake.mean()),
                   real_acc=float((out_real > 0.5).mean()), fake_acc=float((out_fake < 0.5).mean()))


def g_step(s):
    """One update of G: descend G's loss on D(G(z)), through a frozen D."""
    s.opt_G.zero_grad()
    z = s.noise(s.m)
    x_fake = s.G(z)
    out = s.D(x_fake)
    g_loss = s.g_criterion(out)
    with frozen(s.D):                                       # D's own grads are not wanted
        grad_fake = s.D.backward(s.g_criterion.backward(out), out)
    yield "G step: D backward to x' (the arrows)"
    s.G.backward(grad_fake, x_fake)
    yield "G backward (dL_G/dW into G's grads)"
    g_grad_norm = grad_norm(s.opt_G)
    s.opt_G.step()
    yield "G's optimizer step"
    s.stats.update(g_loss=float(g_loss), g_grad_norm=float(g_grad_norm))


def iteration(s):
    """Algorithm 1's iteration: k D steps, then one G step."""
    for _ in range(s.k):
        yield from d_step(s)
    yield from g_step(s)
