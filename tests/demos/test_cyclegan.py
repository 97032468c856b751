"""demos/cyclegan.py: a short smoke run writes every file it promises, and the
ablation flags switch their terms off."""
import json

import numpy
import pytest

from helpers import load_demo

pytestmark = pytest.mark.usefixtures("numpy_backend")


@pytest.mark.parametrize("extra", [(), ("--no-cycle", "--no-identity")])
def test_cyclegan_smoke(tmp_path, data_dir, extra):
    metrics = load_demo("cyclegan").main(
        ["--iters", "2", "--batch-size", "2", "--num-test", "8", "--data-dir", str(data_dir),
         "--no-download", "--out", str(tmp_path), "--no-progress", *extra])
    for name in ("test_x", "test_x2y", "test_x2y2x", "test_y", "test_y2x"):
        a = numpy.load(tmp_path / f"{name}.npy")
        assert a.shape == (8, 1, 32, 32) and a.dtype == numpy.float32, name
        assert -1 <= a.min() and a.max() <= 1
    assert numpy.load(tmp_path / "test_labels_x.npy").shape == (8,)
    for name in ("grid.png", "losses.png", "history.csv"):
        assert (tmp_path / name).stat().st_size > 0, name
    stored = json.loads((tmp_path / "metrics.json").read_text())
    assert stored["cycle"] == (not extra) and stored["identity"] == (not extra)
    assert set(stored) >= {"class_kept_x_to_y", "ink_share_g_x", "ink_share_real_y", "cycle_l1",
                           "l1_to_true_thick_x"}
    assert metrics["ink_share_real_y"] > metrics["ink_share_real_x"]      # Y is thicker


def test_cyclegan_resume_is_bit_exact(tmp_path, data_dir, monkeypatch):
    """A run of 6 iterations killed after its checkpoint at 4, then --resume, equals
    one uninterrupted run: networks, optimizers, image pools, learning-rate
    schedule and the generator's state all come back."""
    demo = load_demo("cyclegan")
    small_pool = demo.ImagePool
    monkeypatch.setattr(demo, "ImagePool", lambda size: small_pool(2))   # full at once: swaps matter

    def run(out, *extra):
        return demo.main(
            ["--iters", "6", "--batch-size", "2", "--num-test", "8", "--sample-every", "2",
             "--data-dir", str(data_dir), "--no-download", "--out", str(out), "--no-progress",
             *extra])
    run(tmp_path / "whole")

    real_save = demo.CycleGAN.save

    def save_then_die(self, path, config):
        real_save(self, path, config)
        if self.iteration == 4:
            raise KeyboardInterrupt                      # killed right after a checkpoint
    monkeypatch.setattr(demo.CycleGAN, "save", save_then_die)
    with pytest.raises(KeyboardInterrupt):
        run(tmp_path / "parts")
    monkeypatch.setattr(demo.CycleGAN, "save", real_save)
    with pytest.raises(SystemExit):                      # an earlier run: refused without --resume
        run(tmp_path / "parts")
    run(tmp_path / "parts", "--resume")
    for name in ("test_x2y", "test_y2x", "test_x2y2x"):
        numpy.testing.assert_array_equal(numpy.load(tmp_path / "whole" / f"{name}.npy"),
                                         numpy.load(tmp_path / "parts" / f"{name}.npy"))
