"""demos/pix2pix.py: a short smoke run of every loss writes every file it promises."""
import json

import numpy
import pytest

from helpers import load_demo

pytestmark = pytest.mark.usefixtures("numpy_backend")


@pytest.mark.parametrize("task", ["tophalf", "edges"])
def test_pix2pix_compare_smoke(tmp_path, data_dir, task):
    metrics = load_demo("pix2pix").main(
        ["--iters", "2", "--batch-size", "4", "--compare", "--task", task, "--num-test", "16",
         "--data-dir", str(data_dir), "--no-download", "--out", str(tmp_path), "--no-progress"])
    for name in ("test_inputs", "test_targets", "test_outputs_l1", "test_outputs_gan",
                 "test_outputs_gan+l1"):
        a = numpy.load(tmp_path / f"{name}.npy")
        assert a.shape == (16, 1, 32, 32) and a.dtype == numpy.float32, name
        assert -1 <= a.min() and a.max() <= 1
    assert numpy.load(tmp_path / "test_labels.npy").shape == (16,)
    for name in ("comparison.png", "losses_l1.png", "losses_gan_l1.png", "history_gan.csv"):
        assert (tmp_path / name).stat().st_size > 0, name
    stored = json.loads((tmp_path / "metrics.json").read_text())
    assert stored == json.loads(json.dumps(metrics))
    for loss in ("l1", "gan", "gan+l1", "real"):
        assert set(stored[loss]) >= {"l1_to_target", "mid_grey_share", "ink_share", "class_kept"}
    assert stored["real"]["l1_to_target"] == 0.0


def test_pix2pix_single_loss_draws_its_outputs(tmp_path, data_dir):
    load_demo("pix2pix").main(
        ["--iters", "1", "--batch-size", "4", "--loss", "l1", "--num-test", "8",
         "--data-dir", str(data_dir), "--no-download", "--out", str(tmp_path), "--no-progress"])
    assert (tmp_path / "outputs_l1.png").exists() and not (tmp_path / "comparison.png").exists()
