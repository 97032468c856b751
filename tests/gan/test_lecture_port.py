"""The lecture's PyTorch MLP GAN (PyTorch-GAN's gan.py), ported line by line.

    optimizer_G.zero_grad()
    z = Tensor(np.random.normal(0, 1, (N, latent_dim)))
    gen_imgs = generator(z)
    g_loss = adversarial_loss(discriminator(gen_imgs), valid)
    g_loss.backward()
    optimizer_G.step()
    optimizer_D.zero_grad()
    real_loss = adversarial_loss(discriminator(real_imgs), valid)
    fake_loss = adversarial_loss(discriminator(gen_imgs.detach()), fake)
    d_loss = (real_loss + fake_loss) / 2
    d_loss.backward()
    optimizer_D.step()

The port runs in float64, with the real and fake backwards in both orders, and
is checked after several iterations against a reference written here from
scratch: the same networks as plain float64 functions, their gradients by a
hand-built chain rule (itself checked against central finite differences),
and Adam from its formulas.  Nothing of scratchgan is used by the reference.
"""
import numpy as np
import pytest

from scratchgan import backend, losses, nn, optim
from scratchgan.gradient_check import numeric_grad

LATENT, PIXELS, N = 4, 9, 6                    # 3x3 "images": small enough for finite differences
G_SIZES = [(LATENT, 8, False), (8, 12, True), (12, 10, True)]   # (in, out, BatchNorm1d(out, 0.8))
EPS_BN = 0.8


# -- the port (scratchgan) -------------------------------------------------------

def block(n_in, n_out, normalize=True):
    layers = [nn.Linear(n_in, n_out)]
    if normalize:
        layers.append(nn.BatchNorm1d(n_out, 0.8))
    layers.append(nn.LeakyReLU(0.2))
    return layers


def build():
    G = nn.Sequential(*block(LATENT, 8, normalize=False), *block(8, 12), *block(12, 10),
                      nn.Linear(10, PIXELS), nn.Tanh(), nn.Reshape(1, 3, 3))
    D = nn.Sequential(nn.Flatten(), nn.Linear(PIXELS, 7), nn.LeakyReLU(0.2),
                      nn.Linear(7, 5), nn.LeakyReLU(0.2), nn.Linear(5, 1), nn.Sigmoid())
    return G, D


def train_port(G, D, batches, real_first):
    adversarial_loss = losses.BCELoss()
    optimizer_G = optim.Adam(G.parameters(), lr=0.0002, betas=(0.5, 0.999))
    optimizer_D = optim.Adam(D.parameters(), lr=0.0002, betas=(0.5, 0.999))
    for z, real_imgs in batches:
        # ---- G step
        optimizer_G.zero_grad()
        gen_imgs = G(z)
        validity = D(gen_imgs)
        g_loss = adversarial_loss(validity, 1.0)
        G.backward(D.backward(adversarial_loss.backward(validity), validity), gen_imgs)
        optimizer_G.step()
        # ---- D step: two pending forwards, then their backwards
        optimizer_D.zero_grad()
        out_real = D(real_imgs)
        real_loss = adversarial_loss(out_real, 1.0)
        out_fake = D(gen_imgs)                  # gen_imgs.detach(): G's backward is not called
        fake_loss = adversarial_loss(out_fake, 0.0)
        d_loss = (real_loss + fake_loss) / 2
        pairs = [(out_real, real_loss), (out_fake, fake_loss)]
        for out, _ in (pairs if real_first else pairs[::-1]):
            D.backward(adversarial_loss.backward(out) / 2, out)
        optimizer_D.step()
    return float(g_loss), float(d_loss)


# -- the reference: plain float64 functions, written out ------------------------------

def ref_params(module):
    return {k: np.array(v, dtype=np.float64) for k, v in module.state_dict().items()
            if not k.endswith(("running_mean", "running_var", "num_batches_tracked"))}


def g_layout():
    """(linear index, batchnorm index or None) per block of G, then the last Linear."""
    out, i = [], 0
    for _, _, bn in G_SIZES:
        out.append((i, i + 1 if bn else None))
        i += 3 if bn else 2
    return out, i                               # last Linear at index i


def g_forward(P, z):
    blocks, last = g_layout()
    h, tape = z, []
    for lin, bn in blocks:
        a = h @ P[f"{lin}.weight"].T + P[f"{lin}.bias"]
        if bn is not None:
            mu, var = a.mean(0), a.var(0)
            xhat = (a - mu) / np.sqrt(var + EPS_BN)
            b = P[f"{bn}.weight"] * xhat + P[f"{bn}.bias"]
        else:
            xhat = var = b = None
            b = a
        tape.append((h, a, xhat, var, b))
        h = np.where(b > 0, b, 0.2 * b)
    o = np.tanh(h @ P[f"{last}.weight"].T + P[f"{last}.bias"])
    tape.append((h, o))
    return o, tape


def g_backward(P, tape, do):
    """dL/dP for G given dL/d(output) (N, PIXELS), by the chain rule."""
    blocks, last = g_layout()
    grads = {}
    h, o = tape[-1]
    da = do * (1 - o * o)
    grads[f"{last}.weight"], grads[f"{last}.bias"] = da.T @ h, da.sum(0)
    dh = da @ P[f"{last}.weight"]
    for (lin, bn), (h, a, xhat, var, b) in zip(blocks[::-1], tape[-2::-1]):
        db = dh * np.where(b > 0, 1.0, 0.2)
        if bn is not None:
            grads[f"{bn}.weight"], grads[f"{bn}.bias"] = (db * xhat).sum(0), db.sum(0)
            dxhat = db * P[f"{bn}.weight"]
            m = a.shape[0]
            # xhat = (a - mu) / sqrt(var + eps): the textbook three-term formula
            da = (dxhat - dxhat.mean(0) - xhat * (dxhat * xhat).mean(0)) / np.sqrt(var + EPS_BN)
            assert da.shape == (m, a.shape[1])
        else:
            da = db
        grads[f"{lin}.weight"], grads[f"{lin}.bias"] = da.T @ h, da.sum(0)
        dh = da @ P[f"{lin}.weight"]
    return grads


D_LINEARS = ["1", "3", "5"]


def d_forward(P, x):
    h, tape = x.reshape(len(x), -1), []
    for i, name in enumerate(D_LINEARS):
        a = h @ P[f"{name}.weight"].T + P[f"{name}.bias"]
        tape.append((h, a))
        h = np.where(a > 0, a, 0.2 * a) if i < 2 else 1 / (1 + np.exp(-a))
    return h, tape


def d_backward(P, tape, p, dp):
    """(dL/dP for D, dL/dx) given dL/dp, p = D(x)."""
    grads = {}
    da = dp * p * (1 - p)
    for i, name in reversed(list(enumerate(D_LINEARS))):
        h, a = tape[i]
        if i < 2:
            da = da * np.where(a > 0, 1.0, 0.2)
        grads[f"{name}.weight"], grads[f"{name}.bias"] = da.T @ h, da.sum(0)
        da = da @ P[f"{name}.weight"]
    return grads, da


def bce_grad(p, t):
    return (p - t) / (p * (1 - p)) / p.size


def bce(p, t):
    return -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p))


class RefAdam:
    def __init__(self, P, lr=0.0002, b1=0.5, b2=0.999, eps=1e-8):
        self.P, self.lr, self.b1, self.b2, self.eps = P, lr, b1, b2, eps
        self.m = {k: np.zeros_like(v) for k, v in P.items()}
        self.v = {k: np.zeros_like(v) for k, v in P.items()}
        self.t = 0

    def step(self, g):
        self.t += 1
        for k in self.P:
            self.m[k] = self.b1 * self.m[k] + (1 - self.b1) * g[k]
            self.v[k] = self.b2 * self.v[k] + (1 - self.b2) * g[k] ** 2
            m_hat = self.m[k] / (1 - self.b1 ** self.t)
            v_hat = self.v[k] / (1 - self.b2 ** self.t)
            self.P[k] = self.P[k] - self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


def train_reference(PG, PD, batches):
    optG, optD = RefAdam(PG), RefAdam(PD)
    for z, real in batches:
        x_fake, g_tape = g_forward(optG.P, z)
        p, d_tape = d_forward(optD.P, x_fake)
        _, dx = d_backward(optD.P, d_tape, p, bce_grad(p, 1.0))
        optG.step(g_backward(optG.P, g_tape, dx))
        p_r, tape_r = d_forward(optD.P, real)
        p_f, tape_f = d_forward(optD.P, x_fake)
        g_r, _ = d_backward(optD.P, tape_r, p_r, bce_grad(p_r, 1.0) / 2)
        g_f, _ = d_backward(optD.P, tape_f, p_f, bce_grad(p_f, 0.0) / 2)
        optD.step({k: g_r[k] + g_f[k] for k in g_r})
    return optG.P, optD.P


def numeric_grads(f, P, h=1e-6):
    """Central differences of f() for every array of P (the library's one
    finite-difference routine: it knows nothing of backward passes)."""
    return {k: numeric_grad(f, v, h) for k, v in P.items()}


# -- the tests ------------------------------------------------------------------------

@pytest.fixture
def float64():
    backend.set_default_dtype(np.float64)
    yield
    backend.set_default_dtype(np.float32)


def make_batches(iters=5, seed=0):
    rs = np.random.RandomState(seed)
    return [(rs.standard_normal((N, LATENT)),
             np.tanh(rs.standard_normal((N, 1, 3, 3)) + 0.5)) for _ in range(iters)]


def test_reference_chain_rule_matches_finite_differences(float64):
    """The reference's own backward is right (so it can judge the port)."""
    backend.manual_seed(0)
    G, D = build()
    PG, PD = ref_params(G), ref_params(D)
    z, real = make_batches(1)[0]

    def g_loss():
        return bce(d_forward(PD, g_forward(PG, z)[0])[0], 1.0)
    x, tape = g_forward(PG, z)
    p, dtape = d_forward(PD, x)
    analytic = g_backward(PG, tape, d_backward(PD, dtape, p, bce_grad(p, 1.0))[1])
    numeric = numeric_grads(g_loss, PG)
    for k in PG:
        err = np.abs(analytic[k] - numeric[k]).max() / (np.abs(numeric[k]).max() + 1e-12)
        assert err < 1e-6, k

    def d_loss():
        return (bce(d_forward(PD, real)[0], 1.0) + bce(d_forward(PD, x)[0], 0.0)) / 2
    p_r, t_r = d_forward(PD, real)
    p_f, t_f = d_forward(PD, x)
    g_r, _ = d_backward(PD, t_r, p_r, bce_grad(p_r, 1.0) / 2)
    g_f, _ = d_backward(PD, t_f, p_f, bce_grad(p_f, 0.0) / 2)
    numeric = numeric_grads(d_loss, PD)
    for k in PD:
        err = np.abs(g_r[k] + g_f[k] - numeric[k]).max() / (np.abs(numeric[k]).max() + 1e-12)
        assert err < 1e-6, k


@pytest.mark.parametrize("real_first", [True, False])
def test_lecture_loop_port_matches_float64_reference(float64, real_first):
    backend.manual_seed(0)
    G, D = build()
    PG0, PD0 = ref_params(G), ref_params(D)
    batches = make_batches(5)
    train_port(G, D, batches, real_first)
    PG, PD = train_reference(dict(PG0), dict(PD0), batches)
    for module, P, P0 in ((G, PG, PG0), (D, PD, PD0)):
        for k, v in ref_params(module).items():
            moved = np.abs(P[k] - P0[k]).max()
            # every parameter trained, except a bias just before BatchNorm: the
            # normalisation subtracts it again, so its gradient is exactly 0
            before_bn = module is G and k in ("2.bias", "5.bias")
            assert moved < 1e-12 if before_bn else moved > 1e-4, k
            # the port's parameters equal the reference's to rounding
            np.testing.assert_allclose(v, P[k], rtol=0, atol=1e-9 * max(1.0, np.abs(P[k]).max()),
                                       err_msg=k)


def test_both_orders_give_bit_identical_runs(float64):
    results = []
    for real_first in (True, False):
        backend.manual_seed(0)
        G, D = build()
        train_port(G, D, make_batches(3), real_first)
        results.append([backend.to_host(v).copy() for v in
                        list(G.state_dict().values()) + list(D.state_dict().values())])
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)
