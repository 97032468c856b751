"""The image demos end to end (a few iterations each), the plumbing of
demos/plumbing/, and the classifier of demos/score_digits.py."""
import numpy
import pytest

from scratchgan import backend, models, nn
from scratchgan.gan import sampling

import plumbing                              # demos/plumbing/ (conftest puts demos/ on the path)
from helpers import ROOT, load_demo, run

pytestmark = [pytest.mark.filterwarnings("ignore::scratchgan.gan.diagnostics.GANWarning"),
              pytest.mark.usefixtures("numpy_backend")]



def tiny(out, *extra, data_dir=None, iters=3):
    argv = ["--iters", str(iters), "--batch-size", "8", "--sample-every", "2",
            "--num-samples", "20", "--out", str(out), "--no-progress", *extra]
    if data_dir is not None:
        argv += ["--data-dir", str(data_dir), "--no-download"]
    return argv


# ------------------------------------------------------------ the demos
@pytest.mark.parametrize("demo,extra,size", [
    ("mnist_mlp", (), 28), ("mnist_dcgan", (), 28),
    ("mnist_cgan", (), 28), ("mnist_cgan", ("--arch", "conv", "--no-mismatched-labels"), 28),
    ("lines_dcgan", (), 32)])
def test_demo_smoke(tmp_path, data_dir, demo, extra, size):
    trainer = load_demo(demo).main(
        tiny(tmp_path, *extra, data_dir=None if demo == "lines_dcgan" else data_dir))
    assert trainer.iteration == 3
    for name in ("final_grid.png", "progress.gif", "losses.png", "history.csv",
                 "checkpoint.npz", "grids/iter_000000.png", "grids/iter_000002.png"):
        assert (tmp_path / name).stat().st_size > 0, name
    samples = numpy.load(tmp_path / "samples.npy")
    assert samples.shape == (20, 1, size, size) and samples.dtype == numpy.float32
    assert -1 <= samples.min() and samples.max() <= 1
    assert [r["iter"] for r in trainer.history] == [2, 3]
    if demo == "mnist_cgan":
        labels = numpy.load(tmp_path / "labels.npy")
        assert labels.shape == (20,) and list(labels[:12]) == list(range(10)) + [0, 1]
        assert trainer.mismatched_labels == ("--no-mismatched-labels" not in extra)
    else:
        assert not (tmp_path / "labels.npy").exists()


def test_epochs_set_the_iterations(tmp_path, data_dir):
    trainer = load_demo("mnist_mlp").main(
        ["--epochs", "0.3", "--batch-size", "8", "--sample-every", "2", "--num-samples", "0",
         "--out", str(tmp_path), "--no-progress", "--data-dir", str(data_dir), "--no-download"])
    assert trainer.iteration == 3                         # ceil(0.3 * 64 / 8)
    assert not (tmp_path / "samples.npy").exists()


@pytest.mark.skipif(backend.gpu_available(), reason="a GPU is present here")
def test_gpu_without_gpu_is_a_clear_error(tmp_path, data_dir, capsys):
    demo = load_demo("mnist_mlp")
    argv = tiny(tmp_path, "--device", "gpu", data_dir=data_dir)
    with pytest.raises(backend.BackendError, match="cupy"):
        demo.main(argv)
    with pytest.raises(SystemExit) as e:
        plumbing.run_script(lambda: demo.main(argv))
    assert e.value.code == 2                              # bad input
    assert capsys.readouterr().err.startswith("error: set_backend")
    assert backend.backend_name() == "numpy"
    assert not any(tmp_path.iterdir())                    # nothing written


# --------------------------------------------------------- the plumbing
def test_draw_has_no_side_effects():
    backend.manual_seed(3)
    G, _ = models.dcgan28(latent_dim=8)
    z = backend.asarray(plumbing.fixed_noise(6, 8, seed=0))
    before = {k: numpy.array(v, copy=True) for k, v in G.state_dict().items()}
    rng = backend.get_rng_state()
    x_train = sampling.sample_images(G, z, mode="train")
    x_eval = sampling.sample_images(G, z, mode="eval")
    for k, v in G.state_dict().items():                   # running statistics put back
        assert numpy.array_equal(v, before[k]), k
    assert numpy.array_equal(backend.get_rng_state()["keys"], rng["keys"])
    assert backend.get_rng_state()["pos"] == rng["pos"]   # no draws from backend.rng()
    assert all(m.training for m in G.modules())           # modes put back
    assert x_train.shape == x_eval.shape == (6, 1, 28, 28)
    assert not numpy.allclose(x_train, x_eval)            # batch vs running statistics


def test_fixed_noise_is_fixed_and_independent_of_backend_rng():
    backend.manual_seed(1)
    a = plumbing.fixed_noise(4, 5, seed=7)
    backend.manual_seed(2)
    b = plumbing.fixed_noise(4, 5, seed=7)
    assert numpy.array_equal(a, b) and a.dtype == numpy.float32


def test_conditional_grid_rows_are_classes_and_columns_share_z():
    args = plumbing.make_parser("", iters=1, sample_every=1, images=True, dataset=True).parse_args(["--grid-size", "10"])
    run = plumbing.ImageRun(args, conditional=True)
    z, c = run.grid_inputs()
    assert z.shape == (100, 100) and c.shape == (100, 10)
    assert list(c.argmax(axis=1)[::10]) == list(range(10))      # row i: digit i
    assert numpy.array_equal(z[3], z[13])                        # column 3: one z


def test_onehot():
    y = plumbing.onehot([2, 0], 3)
    assert y.tolist() == [[0, 0, 1], [1, 0, 0]] and y.dtype == numpy.float32


# ------------------------------------------------------------ score_digits
@pytest.fixture(scope="module")
def score_digits():
    return load_demo("score_digits")


def test_the_judges_loss_gradient_is_softmax_minus_onehot():
    """The judge trains on losses.CrossEntropyLoss (score_digits once wrote its own):
    dL/ds = (softmax(s) - onehot(y)) / N, and finite differences agree."""
    from scratchgan import losses
    from scratchgan.nn.softmax import softmax
    rs = numpy.random.RandomState(0)
    s = rs.randn(5, 10)
    y = rs.randint(0, 10, 5)
    loss = losses.CrossEntropyLoss()
    loss(s, y)
    grad = loss.backward(s)
    expected = softmax(s)
    expected[numpy.arange(5), y] -= 1
    assert numpy.allclose(grad, expected / 5, atol=1e-12)
    numeric = numpy.zeros_like(s)
    for idx in numpy.ndindex(*s.shape):
        for sign in (1, -1):
            t = s.copy()
            t[idx] += sign * 1e-6
            with nn.no_grad():
                numeric[idx] += sign * float(loss(t, y)) / 2e-6
    assert numpy.allclose(grad, numeric, atol=1e-6)


def test_score_histogram_confidence_and_accuracy(score_digits, capsys):
    probs = numpy.full((4, 10), 0.01)
    probs[[0, 1, 2, 3], [3, 3, 5, 7]] = 0.91
    result = score_digits.score(probs, labels=[3, 4, 5, 7])
    assert result["histogram"][3] == 0.5 and result["histogram"][5] == 0.25
    assert result["confidence"] == pytest.approx(0.91)
    assert result["accuracy"] == 0.75
    assert "classified as the requested class: 75.0%" in capsys.readouterr().out


def test_score_digits_refuses_wrong_shapes(score_digits, tmp_path):
    from scratchgan.data import DataError
    numpy.save(tmp_path / "x.npy", numpy.zeros((3, 1, 32, 32), numpy.float32))
    with pytest.raises(DataError, match="28, 28"):
        score_digits.load_samples(tmp_path / "x.npy")
    numpy.save(tmp_path / "y.npy", numpy.full((3, 1, 28, 28), 5.0, numpy.float32))
    with pytest.raises(DataError, match="-1, 1"):
        score_digits.load_samples(tmp_path / "y.npy")
    numpy.save(tmp_path / "z.npy", numpy.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(DataError, match="not a readable .npy samples file"):
        score_digits.load_samples(tmp_path / "z.npy")
    with pytest.raises(DataError, match="no such samples file"):
        score_digits.load_samples(tmp_path / "absent.npy")


def test_classifier_learns():
    """Two easily told-apart 'classes' (bright top half / bright bottom half)."""
    from scratchgan import judge, losses, optim
    backend.manual_seed(0)
    model = judge.classifier()
    opt = optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = losses.CrossEntropyLoss()
    x = -numpy.ones((32, 1, 28, 28), numpy.float32)
    y = numpy.arange(32) % 2
    x[y == 0, :, :14] = 1
    x[y == 1, :, 14:] = 1
    for _ in range(15):
        opt.zero_grad()
        scores = model.forward(x)
        loss_fn(scores, y)
        model.backward(loss_fn.backward(scores), scores)
        opt.step()
    assert (judge.predict(model, x).argmax(axis=1) == y).all()


def test_the_judges_shifts_are_per_image_windows():
    """shift() without a loop over the batch equals one slice per image."""
    from scratchgan import judge
    x = numpy.random.RandomState(0).uniform(-1, 1, (6, 1, 7, 5)).astype(numpy.float32)
    y = judge.shift(x, numpy.random.RandomState(1))
    dy, dx = numpy.random.RandomState(1).randint(0, 5, size=(2, 6))
    pad = numpy.pad(x, ((0, 0), (0, 0), (2, 2), (2, 2)), constant_values=-1.0)
    for i in range(6):
        numpy.testing.assert_array_equal(y[i], pad[i, :, dy[i]:dy[i] + 7, dx[i]:dx[i] + 5])


def test_line_report_does_not_count_blank_images_as_straight(capsys):
    from scratchgan.data import vertical_lines
    report = load_demo("lines_dcgan").line_report
    lines = vertical_lines(10, size=32, rng=numpy.random.RandomState(0))
    blank = -numpy.ones((10, 1, 32, 32), numpy.float32)
    assert report(lines)["straight"] == 1.0
    assert report(blank)["straight"] == 0.0
    mixed = report(numpy.concatenate([lines, blank]))
    assert mixed["straight"] == 0.5 and mixed["runs"][0] == 0.5
    assert "blank (no line): 50.0%" in capsys.readouterr().out


def test_score_digits_reports_fid_and_inception_score(tmp_path):
    """Real digits scored as samples: FID near the real-vs-real floor, IS well above 1."""
    mnist = ROOT.parent / "shared" / "data" / "mnist"
    if not mnist.is_dir():
        pytest.skip(f"no {mnist} here (the developers' MNIST copy; no network in tests)")
    import gzip
    raw = numpy.frombuffer(gzip.open(mnist / "t10k-images-idx3-ubyte.gz").read()[16:], numpy.uint8)
    pick = numpy.random.RandomState(1).choice(10000, 500, replace=False)   # MNIST's test split is
    digits = (raw.reshape(-1, 1, 28, 28)[pick].astype(numpy.float32) / 127.5 - 1)   # two halves of writers
    numpy.save(tmp_path / "s.npy", digits)
    out = run("score_digits", tmp_path / "s.npy", "--data-dir", mnist, "--epochs", "1")
    assert out.returncode == 0, out.stderr
    fid = float(out.stdout.split("FID (judge features, 500 samples against 500 real images): ")[1].split(";")[0])
    floor = float(out.stdout.split("real against real at the same size: ")[1].split()[0])
    inception = float(out.stdout.split("Inception Score (judge): ")[1].split()[0])
    assert fid < 2 * floor and inception > 4, out.stdout
