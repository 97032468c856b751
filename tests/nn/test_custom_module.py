"""Modules of your own: the public contract (remember/recall), the README's
"Write your own layer" examples run as written, the errors a learner meets,
and retain_graph for a second backward of one forward."""
import copy
import re

import numpy as np
import pytest

from scratchgan import backend, gradcheck, nn
from helpers import ROOT

README = ROOT / "README.md"


def readme_section_code(title):
    text = README.read_text()
    start = text.index(f"\n## {title}\n")
    end = text.index("\n## ", start + 1)
    return re.findall(r"```python\n(.*?)```", text[start:end], flags=re.S)


@pytest.fixture(scope="module")
def guide():
    """The README section's code, run top to bottom in one namespace."""
    backend.manual_seed(0)
    np.random.seed(0)
    namespace = {}
    blocks = readme_section_code("Write your own layer")
    assert len(blocks) == 3
    for block in blocks:
        exec(compile(block, str(README), "exec"), namespace)
    return namespace


def test_readme_generator_passes_gradcheck(guide):
    errors = gradcheck(guide["Generator"](latent_dim=5, width=3), np.random.randn(6, 5))
    assert len(errors) == 1 + 2 * 5 + 2 * 3          # input, 5 Linear, 3 BatchNorm1d
    assert max(errors.values()) < 1e-6, errors


def test_readme_two_headed_discriminator_passes_gradcheck(guide):
    errors = gradcheck(guide["Discriminator"](), np.random.randn(2, 1, 28, 28))
    assert max(errors.values()) < 1e-6, errors


def test_readme_two_losses_equal_two_retained_backwards(guide):
    """Adding the two gradients at fake_B is what two backwards would give."""
    G = guide["Generator"](latent_dim=8, width=4)
    z = np.random.randn(4, 8).astype(np.float32)
    d1 = np.random.randn(4, 1, 28, 28).astype(np.float32)
    d2 = np.random.randn(4, 1, 28, 28).astype(np.float32)
    G2 = copy.deepcopy(G)
    y = G(z)
    dz_sum = G.backward(d1 + d2, y)
    y2 = G2(z)
    with nn.retain_graph():
        dz1 = G2.backward(d1, y2)
    dz2 = G2.backward(d2, y2)
    np.testing.assert_allclose(dz1 + dz2, dz_sum, rtol=1e-4, atol=1e-5)
    for p, q in zip(G.parameters(), G2.parameters()):
        np.testing.assert_allclose(q.grad, p.grad, rtol=1e-4, atol=1e-5)
    with pytest.raises(nn.BackwardError, match="retain_graph"):   # released by the last one
        G2.backward(d1, y2)


def test_readme_pix2pix_lines_left_gradients(guide):
    G = guide["G"]
    assert all(np.isfinite(p.grad).all() for p in G.parameters())
    assert any(np.abs(p.grad).max() > 0 for p in G.parameters())
    assert G.pending_forwards() == 0


def test_several_forwards_backwards_in_any_order(guide):
    """Two pending forwards of a custom module; each backward uses its own cache."""
    G = guide["Generator"](latent_dim=8, width=4)
    G.eval()                                    # BatchNorm: the same function for each batch
    za, zb = np.random.randn(3, 8).astype(np.float32), np.random.randn(5, 8).astype(np.float32)
    da, db = (np.random.randn(n, 1, 28, 28).astype(np.float32) for n in (3, 5))
    alone = {}
    for name, z, d in (("a", za, da), ("b", zb, db)):
        G.zero_grad()
        y = G(z)
        alone[name] = (G.backward(d, y), [p.grad.copy() for p in G.parameters()])
    G.zero_grad()
    ya, yb = G(za), G(zb)
    dzb = G.backward(db, yb)                    # the second forward first
    dza = G.backward(da, ya)
    np.testing.assert_array_equal(dza, alone["a"][0])
    np.testing.assert_array_equal(dzb, alone["b"][0])
    for p, ga, gb in zip(G.parameters(), alone["a"][1], alone["b"][1]):
        np.testing.assert_allclose(p.grad, ga + gb, rtol=1e-5, atol=1e-7)


def test_errors_name_the_custom_module(guide):
    G = guide["Generator"](latent_dim=8, width=4)
    z = np.random.randn(2, 8).astype(np.float32)
    dimg = np.zeros((2, 1, 28, 28), np.float32)
    with pytest.raises(nn.BackwardError, match="Generator.backward: no pending forward"):
        G.backward(dimg)
    ya, yb = G(z), G(z)                           # both kept: two pending forwards
    with pytest.raises(nn.BackwardError, match="Generator.backward: 2 forwards are pending"):
        G.backward(dimg)
    assert yb.shape == ya.shape
    with pytest.raises(nn.BackwardError, match="not what any pending forward returned"):
        G.backward(dimg, ya.copy())
    G.backward(dimg, ya)
    with pytest.raises(nn.BackwardError, match="add their gradients and call backward once"):
        G.backward(dimg, ya)
    with nn.no_grad():
        yc = G(z)
    with pytest.raises(nn.BackwardError, match="no_grad"):
        G.backward(dimg, yc)


class NoBackward(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)

    def forward(self, x):
        return self.fc(x)


class ForgotRemember(NoBackward):
    def backward(self, dy, output=None):
        y, h = self.recall(output)
        return self.fc.backward(dy, h)


def test_missing_backward_says_what_to_write():
    m = NoBackward()
    y = m(np.ones((2, 3), np.float32))
    with pytest.raises(NotImplementedError) as info:
        m.backward(np.ones_like(y), y)
    text = str(info.value)
    assert "NoBackward has no backward" in text
    assert "return self.remember(y, saved)" in text and "self.recall(output)" in text
    assert "Write your own layer" in text and "gradcheck" in text


def test_forgotten_remember_is_named_at_the_backward():
    m = ForgotRemember()
    y = m(np.ones((2, 3), np.float32))
    with pytest.raises(nn.BackwardError, match=r"without filing a cache.*self\.remember"):
        m.backward(np.ones_like(y), y)


def test_saved_must_not_hold_the_output():
    class Bad(nn.Module):
        def forward(self, x):
            y = x * 2
            return self.remember(y, y)

    with pytest.raises(RuntimeError, match="must not hold its own key"):
        Bad()(np.ones(3))


# -- retain_graph over every kind of layer: two retained backwards = one of the sum
def layers():
    backend.manual_seed(0)
    return [
        (nn.Linear(5, 4), (3, 5)),
        (nn.Sequential(nn.Linear(5, 6), nn.BatchNorm1d(6), nn.LeakyReLU(0.2), nn.Dropout(0.3),
                       nn.Linear(6, 2), nn.Sigmoid()), (4, 5)),
        (nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.BatchNorm2d(3), nn.ReLU(),
                       nn.ConvTranspose2d(3, 2, 4, 2, 1), nn.Tanh()), (2, 2, 5, 5)),
        (nn.Sequential(nn.Conv2d(16, 16, 3, padding=1), nn.InstanceNorm2d(16), nn.ELU(),
                       nn.MaxPool2d(2), nn.Upsample(scale_factor=2), nn.AvgPool2d(2)),
         (2, 16, 6, 6)),
        (nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(2, 2, 3), nn.Dropout2d(0.5),
                       nn.SELU(), nn.Flatten(), nn.Linear(2 * 4 * 4, 3), nn.LogSoftmax(dim=1)),
         (3, 2, 4, 4)),
        (nn.SkipConcat(nn.Sequential(nn.Conv2d(2, 2, 3, padding=1), nn.Softmax(dim=1))),
         (2, 2, 4, 4)),
        (nn.Residual(nn.Sequential(nn.Linear(4, 4), nn.Tanh())), (3, 4)),
    ]


@pytest.mark.parametrize("index", range(7))
def test_retained_backwards_add_up_to_one_backward_of_the_sum(index):
    module, shape = layers()[index]
    twin = copy.deepcopy(module)
    rs = np.random.RandomState(index)
    x = rs.standard_normal(shape).astype(np.float32)
    backend.manual_seed(1)
    y = module(x)
    d1, d2 = rs.standard_normal(y.shape).astype(np.float32), rs.standard_normal(y.shape).astype(np.float32)
    with nn.retain_graph():
        dx1 = module.backward(d1, y)
        dx1_again = module.backward(d1, y)            # the cache is untouched by a backward
    np.testing.assert_array_equal(dx1, dx1_again)
    dx2 = module.backward(d2, y)
    assert module.pending_forwards() == 0
    backend.manual_seed(1)
    y_twin = twin(x)
    np.testing.assert_array_equal(y, y_twin)           # same forward (Dropout's mask too)
    dx_sum = twin.backward(2 * d1 + d2, y_twin)
    np.testing.assert_allclose(2 * dx1 + dx2, dx_sum, rtol=1e-4, atol=1e-5)
    for (name, p), q in zip(module.named_parameters(), twin.parameters()):
        np.testing.assert_allclose(p.grad, q.grad, rtol=1e-4, atol=1e-5, err_msg=name)
