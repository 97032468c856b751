"""demos/mnist_acgan.py: a short run writes what its docstring lists, the same
seed gives the same samples, and the strict device stand-in gives the CPU's."""
import json

import numpy as np
import pytest

from scratchgan import backend, strict_device
from scratchgan.checkpoint import load_checkpoint
from helpers import load_demo


def run(out, data_dir, *extra):
    argv = ["--iters", "4", "--log-every", "2", "--sample-every", "2", "--num-samples", "3",
            "--held-out", "16", "--batch-size", "8", "--data-dir", str(data_dir),
            "--no-download", "--out", str(out), "--no-progress", *extra]
    return load_demo("mnist_acgan").main(argv)


def test_acgan_smoke_writes_its_files(tmp_path, data_dir):
    m = run(tmp_path / "a", data_dir)
    out = tmp_path / "a"
    samples, labels = np.load(out / "samples.npy"), np.load(out / "labels.npy")
    assert samples.shape == (30, 1, 28, 28) and samples.dtype == np.float32
    assert np.abs(samples).max() <= 1
    np.testing.assert_array_equal(labels, np.arange(30) % 10)   # every batch mixes the digits
    for name in ("grid.png", "losses.png", "history.csv", "images/2.png", "images/4.png"):
        assert (out / name).stat().st_size > 0, name
    saved = json.loads((out / "metrics.json").read_text())
    assert saved["cls_acc_real_heldout"] == m["cls_acc_real_heldout"]
    assert 0 <= saved["cls_acc_generated"] <= 1
    header = (out / "history.csv").read_text().splitlines()[0].split(",")
    assert {"iter", "d_loss", "g_loss", "cls_acc_real_heldout", "cls_acc_generated"} <= set(header)
    acgan = load_demo("mnist_acgan")                        # the checkpoint loads into fresh nets
    emb, _, body = acgan.generator_net(100)
    D = acgan.discriminator_net()
    before = body.parameters()[0].data.copy()
    info = load_checkpoint(out / "checkpoint.npz", models={"label_emb": emb, "G": body, "D": D},
                           arch="acgan_mnist(latent_dim=100)")
    assert info["iteration"] == 4 and not np.array_equal(before, body.parameters()[0].data)


def test_acgan_same_seed_same_samples_and_strict_device_agrees(tmp_path, data_dir):
    run(tmp_path / "a", data_dir)
    run(tmp_path / "b", data_dir)
    a = np.load(tmp_path / "a" / "samples.npy")
    np.testing.assert_array_equal(a, np.load(tmp_path / "b" / "samples.npy"))
    backend.set_device_module(strict_device)
    try:
        run(tmp_path / "gpu", data_dir, "--device", "gpu")
    finally:
        backend.set_device_module(None)
        backend.set_backend("numpy")
    np.testing.assert_array_equal(a, np.load(tmp_path / "gpu" / "samples.npy"))


def test_acgan_refuses_an_earlier_run(tmp_path, data_dir, capsys):
    run(tmp_path / "a", data_dir)
    with pytest.raises(SystemExit) as e:
        run(tmp_path / "a", data_dir)
    assert e.value.code == 2


def test_bagan_smoke(tmp_path, data_dir):
    m = load_demo("bagan").main(
        ["--iters", "2", "--ae-iters", "2", "--clf-epochs", "1", "--test-per-class", "2",
         "--repeats", "2",
         "--batch-size", "8", "--data-dir", str(data_dir), "--no-download",
         "--out", str(tmp_path), "--no-progress"])
    for name in ("metrics.json", "table.md", "minority.png", "minority_samples_BAGAN.npy",
                 "minority_samples_ACGAN.npy", "minority_samples_plain_GAN.npy"):
        assert (tmp_path / name).stat().st_size > 0, name
    x = np.load(tmp_path / "minority_samples_BAGAN.npy")
    assert x.ndim == 4 and x.shape[1:] == (1, 28, 28) and np.abs(x).max() <= 1
    saved = json.loads((tmp_path / "metrics.json").read_text())
    assert set(saved["results"]) == {"imbalanced", "oversampled", "ACGAN", "BAGAN", "plain GAN"}
    for r in saved["results"].values():
        assert 0 <= r["recall"]["mean"] <= 1 and 0 <= r["accuracy"]["mean"] <= 1
    for name in ("ACGAN", "BAGAN", "plain GAN"):
        assert 0 <= saved["results"][name]["judged_rare"]["mean"] <= 1
        assert saved["results"][name]["copy_distance"]["mean"] > 0
    assert saved == json.loads(json.dumps(m)) and saved["repeats"] == 2
    assert len(saved["results"]["BAGAN"]["recall"]["each"]) == 2


def test_bagan_bad_keep_exits_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        load_demo("bagan").main(["--keep", "0", "--out", str(tmp_path)])
    assert e.value.code == 2 and "--keep" in capsys.readouterr().err


def test_bagan_draws_the_rare_class_in_eval_mode():
    """A batch of one class through training-mode BatchNorm loses the class: the
    rare digits are drawn with the running statistics, and G's mode is restored."""
    from scratchgan import nn
    bagan = load_demo("bagan")
    G = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    G.train()
    bn = list(G)[1]
    bn.running_mean[...] = np.array([0.5, -1.0, 2.0], dtype=bn.running_mean.dtype)
    codes = backend.to_device(np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32))
    generate = lambda c: G(codes[backend.to_device(np.asarray(c))])   # class c -> its code

    class Args:
        n_generate, minority = 4, 1
    x = bagan.draw_rare(G, generate, Args)
    assert G.training and all(m.training for m in G.modules())
    G.eval()
    want = backend.to_host(G(codes[[1, 1, 1, 1]]))
    G.train()
    np.testing.assert_allclose(x, want, rtol=1e-6)
    alone = backend.to_host(G(codes[[1, 1, 1, 1]]))      # training mode: all four equal,
    np.testing.assert_allclose(alone, 0, atol=1e-3)       # normalised to beta = 0
    assert np.abs(x).max() > 0.1


def test_bagan_nearest_distance_against_a_loop():
    bagan = load_demo("bagan")
    rs = np.random.RandomState(0)
    a, b = rs.randn(5, 1, 3, 3), rs.randn(4, 1, 3, 3)
    want = np.mean([min(np.linalg.norm(ai - bj) for bj in b) for ai in a])
    assert bagan.nearest_distance(a, b) == pytest.approx(want, rel=1e-9)
    assert bagan.nearest_distance(b, b) == pytest.approx(0, abs=1e-6)   # a copy is at distance 0


def test_acgan_epochs_set_the_iterations(tmp_path, data_dir):
    """--epochs is not ignored: iters = ceil(epochs * N_train / batch size)."""
    m = load_demo("mnist_acgan").main(                    # 64 fake digits, 16 held out
        ["--epochs", "0.5", "--log-every", "1", "--sample-every", "1", "--num-samples", "1",
         "--held-out", "16", "--batch-size", "8", "--data-dir", str(data_dir),
         "--no-download", "--out", str(tmp_path), "--no-progress"])
    assert m["iters"] == 3                                # ceil(0.5 * 48 / 8)
