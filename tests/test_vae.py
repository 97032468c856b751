"""The VAE's reparameterisation and KL term: finite differences, closed forms, shapes;
and a smoke run of demos/autoencoder.py."""
import json

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from scratchgan import backend
from scratchgan.gradient_check import numeric_grad, rel_error
from scratchgan.vae import kl_backward, kl_to_standard_normal, reparameterise, \
    reparameterise_backward
from helpers import load_demo

FAST = settings(max_examples=25, deadline=None)


@FAST
@given(n=st.integers(1, 5), d=st.integers(1, 6), seed=st.integers(0, 1000))
def test_reparameterisation_gradient(n, d, seed):
    r = np.random.RandomState(seed)
    mu, s, eps, dz = (r.standard_normal((n, d)) for _ in range(4))
    dmu, ds = reparameterise_backward(dz, s, eps)
    f = lambda: float((reparameterise(mu, s, eps)[0] * dz).sum())     # noqa: E731
    assert rel_error(dmu, numeric_grad(f, mu)) < 1e-7
    assert rel_error(ds, numeric_grad(f, s)) < 1e-7


@FAST
@given(n=st.integers(1, 5), d=st.integers(1, 6), scale=st.floats(0.1, 3), seed=st.integers(0, 999))
def test_kl_gradient(n, d, scale, seed):
    r = np.random.RandomState(seed)
    mu, s = r.standard_normal((n, d)), r.standard_normal((n, d))
    dmu, ds = kl_backward(mu, s, scale)
    f = lambda: scale * float(kl_to_standard_normal(mu, s))           # noqa: E731
    assert rel_error(dmu, numeric_grad(f, mu)) < 1e-7
    assert rel_error(ds, numeric_grad(f, s)) < 1e-7


def test_kl_closed_forms_and_sampling():
    z0 = np.zeros((3, 4))
    assert float(kl_to_standard_normal(z0, z0)) == 0.0              # q = prior
    mu, s = np.full((1, 2), 2.0), np.full((1, 2), np.log(0.25))
    # per coordinate: (sigma^2 + mu^2 - 1 - log sigma^2) / 2
    expected = 2 * (0.25 + 4 - 1 - np.log(0.25)) / 2
    assert float(kl_to_standard_normal(mu, s)) == pytest.approx(expected)
    backend.manual_seed(0)
    z, eps = reparameterise(np.full((200000, 1), 1.5), np.full((200000, 1), np.log(4.0)))
    assert z.mean() == pytest.approx(1.5, abs=0.02) and z.std() == pytest.approx(2.0, abs=0.02)
    with pytest.raises(ValueError, match="must have one shape"):
        reparameterise(np.zeros((2, 3)), np.zeros((2, 2)))


def test_autoencoder_demo_smoke(tmp_path, data_dir):
    m = load_demo("autoencoder").main(
        ["--iters", "6", "--gan-iters", "3", "--num-samples", "20", "--judge-epochs", "1",
         "--batch-size", "16", "--data-dir", str(data_dir), "--no-download",
         "--out", str(tmp_path), "--no-progress"])
    for name in ("reconstructions.png", "samples.png", "interpolations.png", "metrics.json"):
        assert (tmp_path / name).stat().st_size > 0, name
    for model in ("autoencoder", "vae", "dcgan"):
        x = np.load(tmp_path / f"samples_{model}.npy")
        assert x.shape == (20, 1, 28, 28) and np.abs(x).max() <= 1
        assert 0 <= m[model]["blur"] <= 1
    assert json.loads((tmp_path / "metrics.json").read_text())["iters"]["dcgan"] == 3


def test_autoencoder_step_matches_finite_differences():
    """AutoEncoder.train_step's gradients are those of the per-image pixel loss."""
    from scratchgan import nn, optim
    from scratchgan.autoencoder import AutoEncoder
    backend.manual_seed(0)
    enc = nn.Sequential(nn.Flatten(), nn.Linear(4, 3), nn.Tanh()).to(dtype=np.float64)
    dec = nn.Sequential(nn.Linear(3, 4), nn.Sigmoid(), nn.Reshape(1, 2, 2)).to(dtype=np.float64)
    ae = AutoEncoder(enc, dec)
    x = np.random.RandomState(1).uniform(-1, 1, (5, 1, 2, 2))
    opt = optim.SGD(ae.parameters(), lr=0.0)          # lr 0: keep the weights, read the grads
    loss = float(ae.train_step(x, opt))
    for p in ae.parameters():
        def f():
            with nn.no_grad():
                out = dec(enc(x))
            t = (x + 1) / 2
            return float(-(t * np.log(out) + (1 - t) * np.log(1 - out)).sum() / 5)
        assert rel_error(p.grad, numeric_grad(f, p.data)) < 1e-6
    assert loss == pytest.approx(f())
