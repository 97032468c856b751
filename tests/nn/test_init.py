"""nn.init's in-place initialisers and Module.apply: PyTorch's fan and gain
rules (closed forms, and the same numbers as torch.nn.init's formulas), the
moments of the draws, and weights_init_normal ported as it stands."""
import math

import numpy as np
import pytest

from scratchgan import backend, nn
from scratchgan.nn import init


def test_fans_and_gains_closed_form():
    assert init.fans(np.zeros((64, 32, 4, 4))) == (32 * 16, 64 * 16)
    assert init.fans(np.zeros((10, 784))) == (784, 10)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01 ** 2)))
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("selu") == 0.75 and init.calculate_gain("conv2d") == 1
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        init.fans(np.zeros(5))
    with pytest.raises(ValueError, match="unsupported nonlinearity"):
        init.calculate_gain("swish")


@pytest.mark.parametrize("name, kwargs, low, high, std", [
    ("xavier_uniform_", {}, -math.sqrt(6 / (400 + 200)), math.sqrt(6 / (400 + 200)),
     math.sqrt(2 / 600)),
    ("xavier_normal_", {"gain": 2.0}, None, None, 2 * math.sqrt(2 / 600)),
    ("kaiming_uniform_", {"a": math.sqrt(5)}, -1 / math.sqrt(400), 1 / math.sqrt(400),
     1 / math.sqrt(3 * 400)),
    ("kaiming_normal_", {"mode": "fan_out", "nonlinearity": "relu"}, None, None,
     math.sqrt(2 / 200)),
    ("uniform_", {"a": -0.5, "b": 1.5}, -0.5, 1.5, 2 / math.sqrt(12)),
    ("normal_", {"mean": 1.0, "std": 0.02}, None, None, 0.02),
])
def test_draws_have_pytorchs_spread(name, kwargs, low, high, std, xp):
    W = nn.Parameter(xp.zeros((200, 400), dtype=xp.float32))      # fan_in 400, fan_out 200
    data = W.data
    assert getattr(init, name)(W, **kwargs) is data                # in place, on the array
    values = backend.to_host(data).astype(np.float64)
    assert values.std() == pytest.approx(std, rel=0.02)
    if low is not None:
        assert low <= values.min() and values.max() <= high
        assert values.min() < low + 0.01 * (high - low)             # and fills the range


def test_constant_zeros_ones_and_bad_targets():
    b = np.full(3, 7.0, np.float32)
    assert init.zeros_(b) is b and b.tolist() == [0, 0, 0]
    init.ones_(b)
    assert b.tolist() == [1, 1, 1]
    init.constant_(b, 0.25)
    assert b.tolist() == [0.25] * 3
    with pytest.raises(TypeError, match="nn.init.normal_: expected a Parameter"):
        init.normal_([1.0, 2.0])
    with pytest.raises(ValueError, match="mode must be 'fan_in' or 'fan_out'"):
        init.kaiming_normal_(np.zeros((2, 2)), mode="fan")


def test_apply_visits_children_first_then_self():
    net = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.ReLU(), nn.Linear(3, 1)))
    seen = []
    assert net.apply(lambda m: seen.append(type(m).__name__)) is net
    assert seen == ["Linear", "ReLU", "Linear", "Sequential", "Sequential"]


def test_weights_init_normal_ports_as_it_stands():
    """PyTorch-GAN's function, verbatim but for the import: convs N(0, 0.02),
    BatchNorm2d gamma N(1, 0.02) and beta 0; Linear, BatchNorm1d and conv
    biases keep their defaults (unlike dcgan_init, which sets those too)."""
    def weights_init_normal(m):
        classname = m.__class__.__name__
        if classname.find("Conv") != -1:
            nn.init.normal_(m.weight.data, 0.0, 0.02)
        elif classname.find("BatchNorm2d") != -1:
            nn.init.normal_(m.weight.data, 1.0, 0.02)
            nn.init.constant_(m.bias.data, 0.0)

    backend.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 64, 3), nn.BatchNorm2d(64), nn.ConvTranspose2d(64, 64, 4),
                        nn.Flatten(), nn.Linear(10, 10), nn.BatchNorm1d(10))
    before = {k: np.array(v) for k, v in net.state_dict().items()}
    net.apply(weights_init_normal)
    assert net[0].weight.data.std() == pytest.approx(0.02, rel=0.1)
    assert net[2].weight.data.std() == pytest.approx(0.02, rel=0.05)
    assert net[1].weight.data.mean() == pytest.approx(1.0, abs=0.01)
    assert not net[1].bias.data.any()
    for key in ("0.bias", "2.bias", "4.weight", "4.bias", "5.weight", "5.bias"):
        np.testing.assert_array_equal(net.state_dict()[key], before[key])


# -- moving modules and losses between devices, as .to(device) / .cuda() / .cpu() -----
def test_to_device_without_a_gpu_is_a_clear_error(monkeypatch):
    from scratchgan import losses
    monkeypatch.setattr(backend, "gpu_available", lambda: False)
    for thing in (nn.Linear(2, 2), nn.ReLU(), losses.BCELoss(),
                  losses.CrossEntropyLoss(weight=np.ones(3, np.float32))):
        for move in (thing.cuda, lambda: thing.to("cuda:0"), lambda: thing.to("gpu")):
            with pytest.raises(backend.BackendError, match=type(thing).__name__ + r"\.to.*no GPU"):
                move()
        with pytest.raises(ValueError, match="unknown device 'tpu'"):
            thing.to("tpu")
        assert thing.cpu() is thing


def test_losses_and_modules_move_to_the_device_and_back(device):
    """On the strict stand-in, .cuda() moves a class weight and the parameters;
    a step then runs without host arrays; .cpu() brings them back."""
    from scratchgan import losses
    xp = backend.get_xp()
    crit = losses.CrossEntropyLoss(weight=np.array([1.0, 2.0, 3.0], np.float32)).cuda()
    net = nn.Linear(4, 3).to("cuda:0")
    assert backend.get_array_module(crit.weight) is xp
    logits = net(xp.asarray(np.ones((2, 4), np.float32)))
    crit(logits, xp.asarray(np.array([0, 2])))
    net.backward(crit.backward(logits), logits)
    assert isinstance(crit.cpu().weight, np.ndarray) and isinstance(net.cpu().weight.data, np.ndarray)


def test_fans_and_gains_match_pytorch():
    torch = pytest.importorskip("torch", reason="PyTorch (the parity extra) not installed")
    for shape in [(5, 3), (64, 32, 4, 4), (1, 100), (3, 7, 1, 2)]:
        t = torch.empty(shape)
        assert init.fans(np.empty(shape)) == torch.nn.init._calculate_fan_in_and_fan_out(t)
    for name, param in [("relu", None), ("leaky_relu", None), ("leaky_relu", 0.2), ("tanh", None),
                        ("selu", None), ("sigmoid", None), ("conv2d", None),
                        ("leaky_relu", math.sqrt(5))]:
        assert init.calculate_gain(name, param) == pytest.approx(
            torch.nn.init.calculate_gain(name, param))
