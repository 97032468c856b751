"""ACGAN as one piece (``scratchgan/gan/acgan.py``): the same numbers as
PyTorch-GAN's acgan.py ported line by line (tests/ports/acgan.py, itself
checked against PyTorch), and G(z, c) = body(emb(c) * z) checked by finite
differences."""
from types import SimpleNamespace

import numpy as np
import pytest

from scratchgan import backend, gradcheck, nn, optim
from scratchgan.gan.acgan import ACGANSteps, LabelTimesNoise

from helpers import load_port

def test_label_times_noise_gradients_by_finite_differences():
    backend.manual_seed(0)
    G = LabelTimesNoise(nn.Embedding(3, 4), nn.Sequential(nn.Linear(4, 5), nn.Tanh()))
    z, c = backend.randn(6, 4), np.array([0, 1, 2, 2, 1, 0])
    errors = gradcheck(G, z, c)
    assert max(errors.values()) < 1e-6, errors
    y = G(z, c)                                      # the forward is the definition
    expected = G.body(G.embedding(c) * z)
    np.testing.assert_allclose(backend.to_host(y), backend.to_host(expected), rtol=1e-6)

def test_acgan_steps_equal_acgan_py_line_by_line():
    port = load_port("acgan")
    opt = SimpleNamespace(n_classes=10, latent_dim=100, img_size=32, channels=1)
    backend.set_default_dtype(np.float64)
    try:
        runs = []
        for use_library in (True, False):
            backend.manual_seed(0)
            G, D = port.Generator(opt), port.Discriminator(opt, dropout=0.0)
            G.apply(port.weights_init_normal), D.apply(port.weights_init_normal)
            opt_G, opt_D = (optim.Adam(m.parameters(), lr=2e-4, betas=(0.5, 0.999)) for m in (G, D))
            steps = ACGANSteps(G, D, opt_G, opt_D)
            rs = np.random.RandomState(0)
            losses_ = []
            for _ in range(2):
                x = rs.uniform(-1, 1, (8, 1, 32, 32))
                y, c = rs.randint(0, 10, 8), rs.randint(0, 10, 8)
                z = rs.normal(0, 1, (8, 100))
                if use_library:
                    stats, _ = steps.step(x, y, z, c)
                    losses_.append((float(stats["d_loss"]), float(stats["g_loss"])))
                else:
                    d_loss, g_loss, _ = port.train_step(x, y, z, c, G, D, opt_G, opt_D,
                                                        steps.adversarial_loss, steps.auxiliary_loss)
                    losses_.append((2 * float(d_loss), float(g_loss)))   # d_loss: the sum (vocabulary)
            runs.append((losses_, [backend.to_host(p.data).copy()
                                   for p in G.parameters() + D.parameters()]))
    finally:
        backend.set_default_dtype(np.float32)
    (ours, ours_p), (theirs, theirs_p) = runs
    assert np.ravel(ours) == pytest.approx(np.ravel(theirs), rel=1e-12)
    for a, b in zip(ours_p, theirs_p):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_label_times_noise_two_pending_forwards_give_exact_gradients():
    """Two forwards before their backwards, in reverse order: each backward uses its
    own forward's cache (the library's contract), the gradients add up exactly."""
    backend.set_default_dtype(np.float64)
    try:
        backend.manual_seed(0)
        G = LabelTimesNoise(nn.Embedding(3, 4), nn.Sequential(nn.Linear(4, 5), nn.Tanh()))
        z1, z2 = backend.randn(6, 4), backend.randn(6, 4)
        c1, c2 = np.array([0, 1, 2, 2, 1, 0]), np.array([2, 2, 1, 0, 0, 1])
        dy1, dy2 = backend.randn(6, 5), backend.randn(6, 5)
        y1, y2 = G(z1, c1), G(z2, c2)
        dz2, dz1 = G.backward(dy2, y2), G.backward(dy1, y1)
        together = [p.grad.copy() for p in G.parameters()]
        for p in G.parameters():
            p.grad[...] = 0
        for z, c, dy, dz in ((z1, c1, dy1, dz1), (z2, c2, dy2, dz2)):
            y = G(z, c)
            np.testing.assert_array_equal(G.backward(dy, y), dz)
        alone = [p.grad for p in G.parameters()]
        for a, b in zip(together, alone):
            np.testing.assert_allclose(a, b, rtol=1e-14, atol=1e-15)
    finally:
        backend.set_default_dtype(np.float32)
