"""The training engine: Algorithm 1's bookkeeping, determinism, learning, failure handling."""
import math
import warnings

import numpy
import pytest

from scratchgan import backend, nn, optim, strict_device
from scratchgan.data.toy import normal_1d
from scratchgan.gan import (COLUMNS, ConvergenceFailureWarning, DiscriminatorTargets,
                            GANTrainer, History, MinimaxLoss, ModeCollapseWarning,
                            NonSaturatingLoss, OscillationWarning, Pack, TrainingDiverged,
                            format_line, normal_noise, oscillation_period, shift_onehot,
                            uniform_noise)
from scratchgan.gan.diagnostics import FailureMonitor
from scratchgan.gan.remedies import MinibatchStdDev
from scratchgan.metrics import ks_distance, normal_cdf


@pytest.fixture(autouse=True, params=["numpy", "strict"])
def device(request):
    """Every engine test on NumPy and on the strict CuPy stand-in (the GPU path)."""
    if request.param == "strict":
        backend.set_device_module(strict_device)
    backend.set_backend("numpy" if request.param == "numpy" else "cupy")
    backend.manual_seed(0)
    yield request.param
    backend.set_device_module(None)
    backend.manual_seed(0)


def mlp(sizes, out=None):
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(nn.LeakyReLU(0.2))
    return nn.Sequential(*layers, *([out()] if out else []))


def make(seed=0, z_dim=4, lr=1e-3, d_out=nn.Sigmoid, sample_data=None, opt=optim.Adam,
         **options):
    backend.manual_seed(seed)
    G = mlp([z_dim, 16, 1])
    D = mlp([1, 16, 1], d_out)
    kw = {"betas": (0.5, 0.999)} if opt is optim.Adam else {"momentum": 0.9}
    return GANTrainer(G, D, opt(G.parameters(), lr=lr, **kw), opt(D.parameters(), lr=lr, **kw),
                      sample_data or normal_1d, normal_noise(z_dim), batch_size=32, **options)


def H(x):
    """To the host, for comparisons (a no-op on NumPy)."""
    return backend.to_host(x)


def rows_equal(a, b):
    return all(set(x) == set(y) and all(x[k] == y[k] or (x[k] != x[k] and y[k] != y[k])
                                        for k in x) for x, y in zip(a, b)) and len(a) == len(b)


# ----------------------------------------------------------- Algorithm 1
@pytest.mark.parametrize("k", [1, 3])
def test_k_discriminator_steps_then_one_generator_step(k):
    calls = {"data": 0, "noise": 0}
    noise = normal_noise(4)

    def sample_data(m):
        calls["data"] += 1
        return normal_1d(m)

    def sample_noise(m):
        calls["noise"] += 1
        return noise(m)

    t = make(k=k, sample_data=sample_data)
    t.sample_noise = sample_noise
    t.train(5, log_every=5, progress=False)
    assert t.opt_D.step_count == 5 * k and t.opt_G.step_count == 5
    # a fresh real and noise minibatch per D step, a fresh noise minibatch per G step
    assert calls == {"data": 5 * k, "noise": 5 * (k + 1)}
    assert t.iteration == 5 and len(t.history) == 1


def test_step_order_is_d_then_g():
    t = make(k=2)
    order = []
    t.opt_D.step = lambda f=t.opt_D.step: (order.append("D"), f())
    t.opt_G.step = lambda f=t.opt_G.step: (order.append("G"), f())
    t.step()
    t.step()
    assert order == ["D", "D", "G", "D", "D", "G"]


def test_d_step_gradient_is_exactly_bce_real_plus_fake():
    """D's update uses grad of BCE(D(x),1) + BCE(D(G(z)),0) only: G's step leaves
    no gradient in D, and any stale D-gradients are discarded."""
    backend.set_default_dtype(numpy.float64)
    try:
        x = normal_1d(32)
        z = normal_noise(4)(32)
        t = make(sample_data=lambda m: x)
        t.sample_noise = lambda m: z
        t.G.astype(numpy.float64)
        t.D.astype(numpy.float64)
        t.opt_G, t.opt_D = optim.SGD(t.G.parameters(), lr=0.1), optim.SGD(t.D.parameters(), lr=0.1)
        t.g_step()
        # G's step freezes D: no D gradients are computed, and D is unfrozen after
        assert float(abs(t.opt_D.grad).max()) == 0
        assert all(p.requires_grad for p in t.D.parameters())
        t.opt_D.grad[...] = 1.0                       # stale gradients must be discarded
        captured = []
        t.opt_D.step = lambda: captured.append(t.opt_D.grad.copy())
        t.d_step()
        # by hand, from zero
        t.opt_D.zero_grad()
        bce = t.d_criterion
        bce.forward(t.D.forward(x), 1.0)
        t.D.backward(bce.backward())
        bce.forward(t.D.forward(t.G.forward(z)), 0.0)
        t.D.backward(bce.backward())
        numpy.testing.assert_allclose(H(captured[0]), H(t.opt_D.grad), rtol=1e-12)
        # and G's parameters were not touched by the D step
        assert t.opt_G.step_count == 1
    finally:
        backend.set_default_dtype(numpy.float32)


def test_g_step_backpropagates_the_generator_loss_through_d():
    backend.set_default_dtype(numpy.float64)
    try:
        z = normal_noise(4)(32)
        t = make()
        t.G.astype(numpy.float64)
        t.D.astype(numpy.float64)
        t.opt_G, t.opt_D = optim.SGD(t.G.parameters(), lr=0.1), optim.SGD(t.D.parameters(), lr=0.1)
        t.sample_noise = lambda m: z
        captured = []
        t.opt_G.step = lambda: captured.append(t.opt_G.grad.copy())
        t.g_step()
        # finite differences of L_G(theta_G) = -mean log D(G(z)) for one weight
        w = t.G.layers[0].weight.data

        def loss():
            return float(-backend.get_xp().log(t.D.forward(t.G.forward(z))).mean())
        old = w[0, 0]
        w[0, 0] = old + 1e-6
        plus = loss()
        w[0, 0] = old - 1e-6
        minus = loss()
        w[0, 0] = old
        assert float(captured[0][0]) == pytest.approx((plus - minus) / 2e-6, rel=1e-6)
    finally:
        backend.set_default_dtype(numpy.float32)


# ------------------------------------------------------------ G losses
@pytest.mark.parametrize("logits", [False, True])
def test_generator_losses_values_and_the_saturation_of_minimax(logits):
    a = numpy.array([[-6.0], [-1.0], [0.0], [2.0]])           # D's logits on fakes
    p = 1 / (1 + numpy.exp(-a))
    d_out = a if logits else p
    d_output = "logits" if logits else "probability"
    ns, mm = NonSaturatingLoss(d_output), MinimaxLoss(d_output)
    assert float(ns.forward(d_out)) == pytest.approx(-numpy.log(p).mean())
    assert float(mm.forward(d_out)) == pytest.approx(numpy.log(1 - p).mean())
    g_ns, g_mm = ns.backward(), mm.backward()
    if not logits:                          # chain through the sigmoid: dL/da = dL/dp * p(1-p)
        g_ns, g_mm = g_ns * p * (1 - p), g_mm * p * (1 - p)
    numpy.testing.assert_allclose(g_ns, (p - 1) / 4, rtol=1e-6)   # -(1 - D) / N: strong
    numpy.testing.assert_allclose(g_mm, -p / 4, rtol=1e-6)        # -D / N: ~0 when D ~ 0
    assert abs(g_mm[0, 0]) < 1e-3 < abs(g_ns[0, 0])


def test_the_old_option_name_says_the_new_one():
    with pytest.raises(TypeError, match="g_loss= is now g_objective='minimax'"):
        make(g_loss="minimax")


def test_unknown_generator_loss():
    with pytest.raises(ValueError, match="non_saturating"):
        make(g_objective="wasserstein")


# --------------------------------------------------------------- labels
def test_discriminator_targets():
    assert DiscriminatorTargets()((4, 1)) == (1.0, 0.0)
    assert DiscriminatorTargets(real_label=0.9)((4, 1)) == (0.9, 0.0)      # plain floats
    backend.manual_seed(0)
    t_real, t_fake = DiscriminatorTargets(soft_labels=True)((5000, 1))
    assert t_real.shape == (5000, 1) and t_real.dtype == numpy.float32
    assert 0.7 <= t_real.min() and t_real.max() <= 1.2 and 0 <= t_fake.min() and t_fake.max() <= 0.3
    t_real, t_fake = DiscriminatorTargets(flip_prob=0.1)((20000, 1))
    t_real, t_fake = H(t_real), H(t_fake)
    assert set(numpy.unique(t_real)) == {0.0, 1.0}
    assert (t_real == 0).mean() == pytest.approx(0.1, abs=0.01)
    assert (t_fake == 1).mean() == pytest.approx(0.1, abs=0.01)


def test_instance_noise_schedule():
    t = make(instance_noise=0.5, instance_noise_anneal=100)
    assert t.noise_std(1) == 0.5 and t.noise_std(51) == pytest.approx(0.25)
    assert t.noise_std(101) == 0.0 and t.noise_std(500) == 0.0
    assert make(instance_noise=0.3).noise_std(10 ** 6) == 0.3


@pytest.mark.parametrize("options", [
    dict(real_label=0.9), dict(soft_labels=True, flip_prob=0.05),
    dict(instance_noise=0.1, instance_noise_anneal=20), dict(d_output="logits", d_out=None),
    dict(g_objective="minimax"), dict(feature_matching=2), dict(opt=optim.SGD, lr=0.01)])
def test_options_train(options):
    t = make(**options)
    t.train(20, log_every=10, progress=False)
    assert len(t.history) == 2 and all(math.isfinite(v) for v in t.history[-1].values())


def test_pacgan_discriminator_in_the_trainer():
    backend.manual_seed(0)
    G, D = mlp([4, 16, 1]), nn.Sequential(Pack(4), mlp([4, 16, 1], nn.Sigmoid))
    t = GANTrainer(G, D, optim.Adam(G.parameters()), optim.Adam(D.parameters()), normal_1d,
                   normal_noise(4), batch_size=32)
    t.train(10, log_every=5, progress=False)
    assert D.forward(normal_1d(32)).shape == (8, 1)      # m / pack scores
    assert len(t.history) == 2


def test_conditional_gan_with_mismatched_labels():
    backend.manual_seed(0)
    k = 3

    def sample_data(m):               # x ~ N(2 * class, 0.1), c one-hot
        xp = backend.get_xp()
        y = backend.rng().randint(0, k, m)
        c = xp.eye(k, dtype=numpy.float32)[y]
        return (2.0 * y[:, None] + 0.1 * backend.randn(m, 1)).astype(numpy.float32), c

    G = nn.ConcatCondition(mlp([4 + k, 16, 1]))
    D = nn.ConcatCondition(mlp([1 + k, 16, 1], nn.Sigmoid))
    forwards = []
    D_forward = D.forward
    D.forward = lambda x, c: (forwards.append(c), D_forward(x, c))[1]
    t = GANTrainer(G, D, optim.Adam(G.parameters()), optim.Adam(D.parameters()), sample_data,
                   normal_noise(4), batch_size=16, mismatched_labels=True)
    t.train(4, log_every=2, progress=False)
    assert t.conditional and len(forwards) == 4 * (3 + 1)     # real, fake, mismatched; G step
    real_c, wrong_c = forwards[0], forwards[2]
    assert (real_c.argmax(1) != wrong_c.argmax(1)).all()
    c = backend.to_device(numpy.eye(k, dtype=numpy.float32)[[0, 1, 2, 0, 1]])
    assert t.generate(5, c=c).shape == (5, 1)


def test_shift_onehot_always_mismatches():
    backend.manual_seed(0)
    c = backend.get_xp().eye(4, dtype=numpy.float32)[backend.rng().randint(0, 4, 1000)]
    c, wrong = H(c), H(shift_onehot(c))
    assert (wrong.sum(1) == 1).all() and (wrong.argmax(1) != c.argmax(1)).all()
    assert len(numpy.unique(wrong.argmax(1) - c.argmax(1) % 4)) > 3     # all offsets used


# ------------------------------------------------------- history, logging
def test_history_columns_csv_and_console_line(tmp_path):
    t = make()
    seen = []
    t.train(30, log_every=10, progress=False, callback=lambda tr, row: seen.append(row["iter"]))
    assert seen == [10, 20, 30] and t.history["iter"] == [10, 20, 30]
    assert list(t.history[0]) == list(COLUMNS)
    path = t.to_csv(tmp_path / "history.csv")
    assert open(path).readline().strip() == ",".join(COLUMNS)
    back = History.read_csv(path)
    assert back["iter"] == [10, 20, 30]
    assert back["d_loss"] == pytest.approx(t.history["d_loss"])
    row = dict(iter=1000, d_loss=0.66, g_loss=0.73, D_x=0.55, D_G_z=0.45, real_acc=0.65,
               fake_acc=0.23)
    assert format_line(row) == ("iter 1000  d_loss=0.66  g_loss=0.73  D(x)=0.55  "
                                "D(G(z))=0.45  real_acc=0.65  fake_acc=0.23")


def test_console_lines_and_progress_bar(capsys):
    make().train(40, log_every=10, print_every=20, progress=True)
    out = capsys.readouterr()
    lines = [l for l in out.out.splitlines() if l.startswith("iter ")]
    assert [l.split()[1] for l in lines] == ["20", "40"]


def test_seeded_history_is_deterministic():
    def run(seed):
        t = make(seed=seed, soft_labels=True, flip_prob=0.05, instance_noise=0.1)
        t.train(30, log_every=10, progress=False)
        return t.history.rows
    assert rows_equal(run(1), run(1))
    assert not rows_equal(run(1), run(2))


def test_short_1d_run_learns_the_normal():
    """Algorithm 1 on N(4, 1.25^2): the KS distance falls below 0.1 in 2,000 iterations."""
    backend.manual_seed(0)
    G = mlp([8, 32, 32, 1])
    D = mlp([1, 32, 32, 1], nn.Sigmoid)
    opt_G = optim.Adam(G.parameters(), lr=1e-3, betas=(0.5, 0.999))
    opt_D = optim.Adam(D.parameters(), lr=1e-3, betas=(0.5, 0.999))
    t = GANTrainer(G, D, opt_G, opt_D, normal_1d, normal_noise(8), batch_size=128)

    def decay(trainer, row):                        # learning rates -> 0 at the end
        opt_G.lr = opt_D.lr = 1e-3 * (1 - trainer.iteration / 2000)
    t.train(2000, log_every=50, progress=False, callback=decay)
    samples = t.generate(10000)
    assert ks_distance(samples, lambda x: normal_cdf(x, 4.0, 1.25)) < 0.1
    assert abs(samples.mean() - 4.0) < 0.2


def test_uniform_noise_prior():
    z = uniform_noise(3, -1, 1)(1000)
    assert z.shape == (1000, 3) and -1 <= z.min() and z.max() < 1
    t = make()
    t.sample_noise = uniform_noise(4)
    t.train(5, log_every=5, progress=False)


# ----------------------------------------------------------- failures
def test_nan_stops_training_and_restores_the_last_good_state(device):
    calls = {"n": 0}

    def poisoned(m):               # real data turns to NaN at the 26th minibatch
        calls["n"] += 1
        x = normal_1d(m)
        return x * numpy.float32("nan") if calls["n"] >= 26 else x

    t = make(sample_data=poisoned)
    saved = {}

    def remember(trainer, row):
        saved[row["iter"]] = {k: v.copy() for k, v in trainer.G.state_dict().items()}
    with pytest.raises(TrainingDiverged) as info:
        t.train(100, log_every=10, progress=False, callback=remember)
    e = info.value
    # nan_check="auto": every step on the CPU (free), at log points on a GPU (no sync)
    found = 26 if device == "numpy" else 30
    assert (e.iteration, e.network, e.restored_iteration) == (found, "discriminator", 20)
    assert f"iteration {found}" in str(e) and "discriminator" in str(e) and "learning rate" in str(e)
    assert t.iteration == 20 and t.history["iter"] == [10, 20]
    for k, v in t.G.state_dict().items():
        numpy.testing.assert_array_equal(H(v), H(saved[20][k]))
    assert all(numpy.isfinite(H(p.data)).all() for p in t.D.parameters())


def test_a_divergent_learning_rate_is_caught():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")                  # overflow in matmul, on purpose
        t = make(lr=1e8, opt=optim.SGD, d_output="logits", d_out=None, monitor=None)
        with pytest.raises(TrainingDiverged, match="diverged at iteration"):
            t.train(100, log_every=5, progress=False)
    assert all(numpy.isfinite(p.data).all() for p in t.G.parameters() + t.D.parameters())


def test_nan_check_at_log_points_as_on_a_gpu():
    calls = {"n": 0}

    def poisoned(m):
        calls["n"] += 1
        return normal_1d(m) * (numpy.float32("inf") if calls["n"] == 13 else 1)

    t = make(sample_data=poisoned, nan_check="log", monitor=None)
    with warnings.catch_warnings(), pytest.raises(TrainingDiverged) as info:
        warnings.simplefilter("ignore", RuntimeWarning)      # inf - inf in the matmul
        t.train(100, log_every=10, progress=False)
    assert (info.value.iteration, info.value.restored_iteration) == (20, 10)


def test_convergence_failure_warning():
    # a frozen G far from the data: D wins, G's loss climbs
    t = make(lr=1e-2, sample_data=lambda m: normal_1d(m, 4.0, 0.1))
    t.opt_G.lr = 0.0
    with pytest.warns(ConvergenceFailureWarning, match="convergence failure"):
        t.train(300, log_every=10, progress=False)


def test_mode_collapse_warning():
    t = make()
    for p in t.G.parameters():        # G(z) = constant: total collapse
        p.data[...] = 0
    t.opt_G.lr = 0.0
    with pytest.warns(ModeCollapseWarning, match="mode collapse"):
        t.train(40, log_every=10, progress=False)
    assert t.history[-1]["diversity"] == 0.0


def test_bad_arguments():
    with pytest.raises(ValueError, match="k and batch_size"):
        make(k=0)
    with pytest.raises(ValueError, match="d_output"):
        make(d_output="scores")
    t = make(mismatched_labels=True)
    with pytest.raises(ValueError, match="conditional"):
        t.step()


@pytest.mark.parametrize("soft", [None, ((0.7, 1.2), (0.0, 0.3))])
def test_joint_d_batch_gives_the_same_d_gradient_as_two_passes(soft):
    """One pass over [x; G(z)] equals D(x) and D(G(z)) separately when D judges
    samples alone (here an MLP): same loss, same gradient."""
    grads, losses_ = [], []
    for joint in (True, False):
        backend.set_default_dtype(numpy.float64)
        try:
            t = make(seed=3, joint_d_batch=joint, soft_labels=soft)
            t.G.astype(numpy.float64)
            t.D.astype(numpy.float64)
            t.opt_G = optim.SGD(t.G.parameters(), lr=0.1)
            t.opt_D = optim.SGD(t.D.parameters(), lr=0.1)
            t.opt_D.step = lambda: grads.append(t.opt_D.grad.copy())
            losses_.append(float(t.d_step()["d_loss"]))
        finally:
            backend.set_default_dtype(numpy.float32)
    numpy.testing.assert_allclose(H(grads[0]), H(grads[1]), rtol=1e-10, atol=1e-14)
    assert losses_[0] == pytest.approx(losses_[1], rel=1e-12)


def test_joint_d_batch_only_when_d_judges_samples_alone():
    from scratchgan import models
    from scratchgan.nn.kernels.joint_batch import judges_samples_alone
    assert judges_samples_alone(models.mlp_gan()[1])
    assert not judges_samples_alone(models.dcgan28()[1])          # BatchNorm2d in D
    assert not judges_samples_alone(nn.Sequential(MinibatchStdDev(), nn.Linear(2, 1)))
    assert make()._one_batch(None) and not make(joint_d_batch=False)._one_batch(None)
    with nn.kernels.off():                        # the one switch: the page's two passes
        assert not make()._one_batch(None) and make(joint_d_batch=True)._one_batch(None)


# ------------------------------------------- the D-accuracy band and oscillations
def _rows(g_losses, acc=0.8):
    return [dict(iter=100 * (i + 1), d_loss=1.0, g_loss=g, D_x=0.6, D_G_z=0.4, real_acc=acc,
                 fake_acc=acc, diversity=1.0) for i, g in enumerate(g_losses)]


@pytest.mark.parametrize("period", [4, 6, 9])
def test_oscillation_period_finds_a_periodic_swing(period):
    t = numpy.arange(24)
    noise = numpy.random.RandomState(period).normal(0, 0.02, 24)
    g = 1.0 + 0.3 * numpy.sin(2 * numpy.pi * t / period) + 0.01 * t + noise
    assert oscillation_period(g) in (period - 1, period, period + 1)


@pytest.mark.parametrize("series", [
    numpy.full(24, 0.7),                                          # flat
    0.7 + numpy.random.RandomState(0).normal(0, 0.05, 24),        # noise
    numpy.linspace(0.5, 3.0, 24),                                 # a climb (convergence failure)
    0.7 + 0.002 * numpy.sin(numpy.arange(24)),                    # a swing too small to matter
])
def test_oscillation_period_ignores_noise_drift_and_tiny_swings(series):
    assert oscillation_period(series) is None


def test_monitor_warns_once_about_oscillation_and_prints_the_band():
    m = FailureMonitor()
    g = 1.0 + 0.4 * numpy.sin(2 * numpy.pi * numpy.arange(40) / 6)
    with pytest.warns(OscillationWarning, match="period of about"):
        issued = [msg for row in _rows(g) for msg in m.update(row)]
    assert len(issued) == 1 and "oscillate" in issued[0]
    assert m.band_text() == "  D_acc 0.80-0.80 (~0.8 in practice, 0.5 at the optimum)"
    m2 = FailureMonitor()
    for row, acc in zip(_rows([0.7] * 5), [0.5, 0.9, 0.7, 0.6, 0.8]):
        row["real_acc"] = row["fake_acc"] = acc
        m2.update(row)
    assert m2.accuracy_band() == (0.5, 0.9)


def test_console_line_carries_the_accuracy_band(capsys):
    make().train(40, log_every=10, print_every=20, progress=False)
    lines = [l for l in capsys.readouterr().out.splitlines() if l.startswith("iter ")]
    assert lines and all("D_acc " in l and "(~0.8 in practice" in l for l in lines)


@pytest.mark.parametrize("total", [300, 20000, 100000])
def test_the_progress_bar_numbers_fit_80_columns(total):
    """Losses below 10, up to 100,000 iterations, hours left: nothing is cut."""
    import io
    from tqdm import tqdm
    from scratchgan.gan.trainer import BAR_FORMAT, postfix
    row = dict(d_loss=9.87654, g_loss=8.7654, D_x=0.999, D_G_z=0.001, real_acc=1.0, fake_acc=0.5)
    out = io.StringIO()
    bar = tqdm(total=total, ncols=80, file=out, mininterval=0, bar_format=BAR_FORMAT)
    bar.update(1)
    bar.set_postfix_str(postfix(row))
    bar.refresh()
    line = out.getvalue().split("\r")[-1].rstrip()
    bar.close()
    text = postfix(row)
    assert text == "D 9.88 G 8.77 D(x) 1.0 D(G(z)) .00 acc 1.0/.50"
    assert len(line) <= 80 and line.endswith(text + "]"), line


def test_a_resumed_monitor_goes_on_where_the_run_stopped():
    """After --resume the band covers the last log points before *and* after the
    resume, as in one uninterrupted run, and no earlier warning comes again."""
    g = 1.0 + 0.4 * numpy.sin(2 * numpy.pi * numpy.arange(40) / 6)
    rows = _rows(g)
    for i, row in enumerate(rows):
        row["real_acc"] = row["fake_acc"] = 0.5 + 0.01 * (i % 7)
    whole = FailureMonitor()
    with pytest.warns(OscillationWarning):
        for row in rows:
            whole.update(row)
    resumed = FailureMonitor()
    resumed.prime(rows[:36])                               # the checkpoint's history
    assert resumed.messages == []
    for row in rows[36:]:
        assert resumed.update(row) == []                   # already oscillating: no repeat
    assert resumed.accuracy_band() == whole.accuracy_band()
    assert resumed.band_text() == whole.band_text()
