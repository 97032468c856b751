"""The live page's session: its frames against D.backward and finite differences,
its steps, its settings (every bad one refused, nothing changed)."""
import copy

import numpy as np
import pytest

from scratchgan import backend, nn
from scratchgan.lab import LabSession, SettingError
from scratchgan.lab import loop
from scratchgan.lab.session import HEAT, N_FIXED


@pytest.fixture
def session():
    return LabSession(seed=1, batch_size=64)


def per_sample_loss(s, x):
    """l_G at each point, in float64, with a copy of D (no caches left behind)."""
    D = copy.deepcopy(s.D).astype(np.float64)
    p = backend.to_host(D(np.asarray(x, np.float64)))[:, 0]
    g = s.settings["g_objective"]
    if g == "non_saturating":
        return -np.log(p)
    if g == "minimax":
        return np.log(1 - p)
    return (p - 1) ** 2


@pytest.mark.parametrize("g_objective", ["non_saturating", "minimax", "least_squares"])
def test_the_arrows_are_minus_the_per_sample_gradient_by_finite_differences(g_objective):
    s = LabSession(seed=2, g_objective=g_objective)
    for _ in range(30):
        s.step()
    f = s.frame()
    fake, grad = np.array(f["fake"]), np.array(f["grad"])
    assert fake.shape == grad.shape == (N_FIXED, 2)
    h = 1e-5
    numeric = np.stack([(per_sample_loss(s, fake + h * e) - per_sample_loss(s, fake - h * e)) / (2 * h)
                        for e in np.eye(2)], axis=1)
    np.testing.assert_allclose(-grad, numeric, rtol=2e-3, atol=2e-4)


def test_the_arrows_are_d_backward_of_g_loss():
    """The same numbers as D.backward of G's loss on the fixed fakes, times N (per sample)."""
    s = LabSession(seed=3)
    x = s.G(s.fixed_z)
    out = s.D(x)
    s.g_criterion(out)
    with nn.frozen(s.D):
        dx = backend.to_host(s.D.backward(s.g_criterion.backward(out), out))
    np.testing.assert_allclose(np.array(s.frame()["grad"]), -dx * N_FIXED, rtol=1e-3, atol=1e-4)


def test_minimax_arrows_vanish_where_d_is_confident_and_non_saturating_ones_do_not():
    """The lecture's saturation, on the canvas: train D alone until it rejects G's points."""
    s = LabSession(seed=0, lr_d=0.01)
    for _ in range(300):
        s.step_d()
    p_fake = float(np.mean(backend.to_host(s.D(s.G(s.fixed_z)))))
    assert p_fake < 0.05                                  # D is confident
    ns = np.linalg.norm(s.frame()["grad"], axis=1).mean()
    s.change({"g_objective": "minimax"})
    mm = np.linalg.norm(s.frame()["grad"], axis=1).mean()
    assert mm < ns / 10, (mm, ns)


def test_frame_contents(session):
    f = session.frame()
    assert f["iteration"] == 0
    assert np.array(f["heat"]["values"]).shape == (HEAT, HEAT)
    v = np.array(f["heat"]["values"])
    assert ((0 <= v) & (v <= 1)).all()
    x0, x1, y0, y1 = f["heat"]["extent"]
    assert x0 < x1 and y0 < y1
    assert len(f["manifold"]) == 18 and np.array(f["manifold"][0]).shape == (40, 2)
    assert f["history"] is None and f["warnings"] == []
    pts = np.array(session.data()["points"])
    assert pts.shape[1] == 2 and len(pts) >= 100


def test_heat_is_d_on_the_grid(session):
    f = session.frame()
    x0, x1, y0, y1 = f["heat"]["extent"]
    r, c = 7, 30
    point = np.array([[x0 + c * (x1 - x0) / (HEAT - 1), y0 + r * (y1 - y0) / (HEAT - 1)]], np.float32)
    with nn.no_grad():
        d = float(backend.to_host(session.D(backend.asarray(point)))[0, 0])
    assert f["heat"]["values"][r][c] == pytest.approx(d, abs=1e-3)


def test_steps_count_iterations_and_log(session):
    session.step_d()
    assert session.iteration == 0
    session.step_g()
    assert session.iteration == 1
    for _ in range(19):
        session.step()
    assert session.iteration == 20 and len(session.history) == 2
    row = session.history[-1]
    for key in ("d_loss", "g_loss", "D_x", "D_G_z", "real_acc", "fake_acc", "d_grad_norm",
                "g_grad_norm", "diversity"):
        assert np.isfinite(row[key]), key


def test_step_call_walks_algorithm_1_one_call_at_a_time():
    s = LabSession(seed=0, k=2)
    lines = loop.__loader__.get_source(loop.__name__).splitlines()
    seen = [s.step_call() for _ in range(2 * 4 + 3)]      # k = 2 D steps of 4 calls, a G step of 3
    labels = [label for label, _ in seen]
    assert labels[:4] == ["D forward on real x", "D forward on fake x' = G(z)",
                          "D backward (dL_D/dW into D's grads)", "D's optimizer step"]
    assert labels[4:8] == labels[:4]
    assert labels[8:] == ["G step: D backward to x' (the arrows)",
                          "G backward (dL_G/dW into G's grads)", "G's optimizer step"]
    assert s.iteration == 0                               # the iteration is not finished ...
    for label, line in seen:                              # ... and each line is the call that ran
        assert "yield" in lines[line] and "yield" not in lines[line - 1]
    assert "s.D(x)" in lines[seen[0][1] - 1]
    assert "opt_G.step()" in lines[seen[-1][1] - 1]
    s.step_call()                                          # the next call starts iteration 2
    assert s.iteration == 1


def test_a_paused_iteration_is_finished_by_step(session):
    session.step_call()
    session.step()
    assert session.iteration == 1 and session.pending is None


def test_same_seed_same_frames():
    a, b = LabSession(seed=5), LabSession(seed=5)
    for _ in range(15):
        a.step(), b.step()
    assert a.frame()["fake"] == b.frame()["fake"]


@pytest.mark.parametrize("changes, message", [
    ({"lr_d": 0}, "lr_d must be from"), ({"lr_g": "fast"}, "lr_g must be a number"),
    ({"k": 2.5}, "k must be a whole number"), ({"k": 0}, "k must be from"),
    ({"g_layers": 6}, "g_layers must be from"), ({"d_width": True}, "d_width must be a number"),
    ({"g_objective": "wasserstein"}, "g_objective must be one of"),
    ({"optimizer": "rmsprop"}, "optimizer must be one of"), ({"noise": "cauchy"}, "noise must be"),
    ({"data": "moons"}, "data must be one of"), ({"batch_size": 10 ** 6}, "batch_size must be from"),
    ({"learning_rate": 0.1}, "unknown setting 'learning_rate'"),
    ({"lr_d": float("nan")}, "lr_d must be from"),
    ({"points": [[0, 0]] * 2001}, "at most 2000 drawn points"),
    ({"points": [[0, "a"]]}, "each point must be"), ({"points": [[0, 1e9]]}, "each point must be"),
    ({"data": "drawn"}, "needs points"),
])
def test_bad_settings_are_refused_and_change_nothing(session, changes, message):
    for _ in range(3):
        session.step()
    before = (dict(session.settings), session.iteration, session.frame()["fake"])
    with pytest.raises(SettingError, match=message):
        session.change(dict(changes, lr_g=0.01) if "lr_g" not in changes else changes)
    assert (dict(session.settings), session.iteration, session.frame()["fake"]) == before


def test_live_settings_keep_the_networks_and_structural_ones_rebuild(session):
    for _ in range(5):
        session.step()
    assert session.change({"lr_d": 0.01, "k": 3, "g_objective": "minimax"}) is False
    assert session.iteration == 5 and session.opt_D.param_groups[0]["lr"] == 0.01
    assert session.change({"optimizer": "sgd"}) is False and session.iteration == 5
    assert session.change({"g_width": 8}) is True and session.iteration == 0
    assert session.G[0].weight.shape == (8, 2)
    assert session.change({"data": "drawn", "points": [[0.1, 0.2], [0.5, -0.5]]}) is True
    assert np.abs(np.array(session.data()["points"]) - [0.3, -0.15]).max() < 0.6


@pytest.mark.parametrize("depth", [0, 1, 5])
@pytest.mark.parametrize("noise", ["normal", "uniform"])
def test_every_size_and_noise_trains(depth, noise):
    s = LabSession(g_layers=depth, d_layers=depth, noise=noise, noise_dim=1 if depth else 3,
                   batch_size=16)
    for _ in range(3):
        s.step()
    f = s.frame()
    assert np.isfinite(f["fake"]).all() and np.isfinite(f["grad"]).all()


@pytest.mark.parametrize("data", ["ring", "grid", "line", "sine", "spiral"])
def test_every_data_set(data):
    pts = np.array(LabSession(data=data).data()["points"])
    assert np.isfinite(pts).all() and np.abs(pts).max() < 1.6


def test_chain_walks_every_layer_and_checks_the_arrow(session):
    for _ in range(10):
        session.step()
    c = session.chain(4)
    assert len(c["forward"]) == len(session.G) + len(session.D) == len(c["backward"])
    assert c["forward"][-1]["layer"].endswith("Sigmoid")
    assert c["rel_error"] < 1e-4
    np.testing.assert_allclose(c["arrow"], session.frame()["grad"][4], rtol=1e-3, atol=1e-5)
    with pytest.raises(SettingError, match="point must be"):
        session.chain(N_FIXED)


def test_a_minimax_g_against_a_confident_d_gets_the_saturation_warning():
    s = LabSession(seed=0, g_objective="minimax", lr_d=0.02, lr_g=1e-6, k=5)
    for _ in range(200):
        s.step()
    assert any("saturates" in w for w in s.warnings), s.warnings
