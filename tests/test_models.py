"""The reference architectures: shapes, parameter counts, PyTorch's key names."""
import numpy as np
import pytest

from scratchgan import backend, models
from scratchgan.gradient_check import gradcheck


@pytest.mark.parametrize("build, g_params, d_params", [
    (models.mlp_gan, 1510032, 533505),      # PyTorch-GAN gan.py's counts
    (models.dcgan28, 778305, 138817),
])
def test_parameter_counts_and_shapes(build, g_params, d_params):
    G, D = build()
    assert sum(p.data.size for p in G.parameters()) == g_params
    assert sum(p.data.size for p in D.parameters()) == d_params
    z = backend.randn(3, 100)
    x = G(z)
    assert x.shape == (3, 1, 28, 28) and D(x).shape == (3, 1)
    assert np.abs(x).max() <= 1


def test_dcgan_init_statistics():
    backend.manual_seed(0)
    G, D = models.dcgan28()
    w = G[4].weight.data                                   # ConvTranspose2d(128, 64, 4, 2, 1)
    assert abs(w.std() - 0.02) < 0.001 and abs(w.mean()) < 0.001
    assert not G[4].bias.data.any()
    gamma = G[5].weight.data
    assert abs(gamma.mean() - 1) < 0.01 and 0.01 < gamma.std() < 0.03


@pytest.mark.parametrize("build", [models.cgan_mlp, models.cgan_dcgan28])
def test_conditional_models_take_labels(build):
    G, D = build()
    y = np.eye(10, dtype=np.float32)[[3, 1, 4, 1]]
    x = G(backend.randn(4, 100), y)
    p = D(x, y)
    assert x.shape == (4, 1, 28, 28) and p.shape == (4, 1)
    dx = D.backward(np.ones_like(p))
    assert dx.shape == x.shape
    G.backward(dx)


def test_conditional_discriminator_gradcheck():
    """ConcatCondition(flatten=True): flatten the image, join the label, run the body."""
    from scratchgan import nn
    body = nn.Sequential(nn.Linear(2 * 2 + 3, 4), nn.Tanh(), nn.Linear(4, 1))
    x = np.random.RandomState(0).standard_normal((5, 1, 2, 2))
    y = np.eye(3)[[0, 1, 2, 1, 0]]
    assert max(gradcheck(nn.ConcatCondition(body, flatten=True), x, y).values()) < 1e-6


def test_dcgan28_state_dict_matches_pytorch_keys():
    torch = pytest.importorskip("torch")
    tn = torch.nn
    tG = tn.Sequential(tn.Linear(100, 6272), tn.BatchNorm1d(6272), tn.ReLU(), tn.Unflatten(1, (128, 7, 7)),
                       tn.ConvTranspose2d(128, 64, 4, 2, 1), tn.BatchNorm2d(64), tn.ReLU(),
                       tn.ConvTranspose2d(64, 1, 4, 2, 1), tn.Tanh())
    G, _ = models.dcgan28()
    theirs = {k: tuple(v.shape) for k, v in tG.state_dict().items()}
    ours = {k: tuple(v.shape) for k, v in G.state_dict().items()}
    assert ours == theirs


def test_pytorch_gan_dcgan_is_the_ported_script_as_sequentials():
    """Same parameters, in the same order and shapes, as tests/ports/dcgan.py, and the
    same outputs with the same weights (the speed benchmark's third model)."""
    from types import SimpleNamespace
    from helpers import load_port
    port = load_port("dcgan")
    opt = SimpleNamespace(latent_dim=100, img_size=32, channels=1)
    G, D = models.pytorch_gan_dcgan(dropout=0.0)
    PG, PD = port.Generator(opt), port.Discriminator(opt, dropout=0.0)
    for ours, theirs in ((G, PG), (D, PD)):
        assert [p.shape for p in ours.parameters()] == [p.shape for p in theirs.parameters()]
        for p, q in zip(ours.parameters(), theirs.parameters()):
            q.data[...] = p.data
    z = backend.randn(4, 100)
    x = G(z)
    assert x.shape == (4, 1, 32, 32)
    np.testing.assert_allclose(backend.to_host(x), backend.to_host(PG(z)), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(backend.to_host(D(x)), backend.to_host(PD(x)), rtol=1e-5, atol=1e-6)
