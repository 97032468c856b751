"""The written-out loops (ACGAN, pix2pix, CycleGAN) stop on a NaN loss with a
TrainingDiverged that names the iteration and the network and says that
nothing was rolled back (they keep no in-memory rollback; their last
checkpoint is on disk).  Before, ACGAN ended in a TypeError and the other two
claimed "restored to iteration 0"."""
import pytest

from scratchgan import losses
from scratchgan.gan import TrainingDiverged
from helpers import load_demo

pytestmark = pytest.mark.usefixtures("numpy_backend")


@pytest.fixture
def nan_losses(monkeypatch):
    """Every BCE, MSE and L1 value becomes NaN (the gradients stay finite)."""
    for cls in (losses.BCELoss, losses.MSELoss, losses.L1Loss):
        forward = cls.forward
        monkeypatch.setattr(cls, "forward",
                            lambda self, *a, _f=forward, **k: _f(self, *a, **k) * float("nan"))


COMMON = ["--iters", "2", "--no-download", "--no-progress"]


@pytest.mark.parametrize("demo, extra", [
    ("mnist_acgan", ["--log-every", "1", "--sample-every", "2", "--num-samples", "3",
                     "--held-out", "16", "--batch-size", "8"]),
    ("pix2pix", ["--batch-size", "4", "--num-test", "16"]),
    ("cyclegan", ["--batch-size", "2", "--num-test", "8"]),
])
def test_a_nan_loss_stops_the_run_and_says_nothing_was_restored(demo, extra, tmp_path, data_dir,
                                                                nan_losses):
    with pytest.raises(TrainingDiverged) as info:
        load_demo(demo).main(COMMON + extra + ["--data-dir", str(data_dir), "--out", str(tmp_path)])
    e = info.value
    assert e.iteration in (1, 2) and e.restored_iteration is None      # (or the log point)
    assert e.network in ("generator", "discriminator")
    text = str(e)
    assert f"diverged at iteration {e.iteration}" in text and "nothing was rolled back" in text
    assert "restored to iteration" not in text and "--lr" in text


def test_loss_window_means_names_the_network_and_resets():
    from scratchgan.gan import LossWindow
    w = LossWindow({"d_loss": "discriminator", "g_loss": "generator"}, start=10)
    for d, g in ((1.0, 2.0), (3.0, 4.0)):
        w.add(d_loss=d, g_loss=g)
    assert w.row(12) == {"iter": 12, "d_loss": 2.0, "g_loss": 3.0}
    w.add(d_loss=5.0, g_loss=float("inf"))
    with pytest.raises(TrainingDiverged) as info:
        w.row(13)
    assert (info.value.iteration, info.value.network) == (13, "generator")
    assert info.value.restored_iteration is None
