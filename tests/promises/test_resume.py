"""--resume: N iterations, then M more, give bit-for-bit the state of one run of
N + M (on the CPU); bad checkpoints are refused before anything is written."""
import numpy
import pytest

from scratchgan import backend
from scratchgan.checkpoint import CheckpointError

import plumbing
from helpers import load_demo

pytestmark = [pytest.mark.filterwarnings("ignore::scratchgan.gan.diagnostics.GANWarning"),
              pytest.mark.usefixtures("numpy_backend")]



def run(demo, out, iters, data_dir=None, *extra):
    argv = ["--iters", str(iters), "--batch-size", "8", "--sample-every", "2",
            "--num-samples", "12", "--grid-size", "2", "--out", str(out), "--no-progress", *extra]
    if data_dir is not None:
        argv += ["--data-dir", str(data_dir), "--no-download"]
    return load_demo(demo).main(argv)


def state(trainer):
    """Every array training depends on: parameters, BatchNorm statistics,
    optimizer moments and counts, the generator's state."""
    out = {}
    for name, obj in (("G", trainer.G), ("D", trainer.D),
                      ("opt_G", trainer.opt_G), ("opt_D", trainer.opt_D)):
        for key, value in obj.state_dict().items():
            out[f"{name}/{key}"] = numpy.array(value, copy=True)
    for key, value in backend.get_rng_state().items():
        out[f"rng/{key}"] = numpy.array(value, copy=True)
    return out


CASES = [("mnist_mlp", 4, 8, ()),                                  # BatchNorm1d in G
         ("mnist_cgan", 3, 7, ()),                                 # Dropout in D, wrong labels; N odd
         ("lines_dcgan", 2, 4, ())]                                # conv, BatchNorm2d, data from rng


@pytest.mark.parametrize("demo,n,total,extra", CASES)
def test_resume_is_exact(tmp_path, data_dir, demo, n, total, extra):
    data = None if demo == "lines_dcgan" else data_dir
    one = run(demo, tmp_path / "one", total, data, *extra)
    expected, history = state(one), one.history.rows

    run(demo, tmp_path / "two", n, data, *extra)
    two = run(demo, tmp_path / "two", total, data, "--resume", *extra)
    got = state(two)

    assert two.iteration == one.iteration == total
    assert sorted(got) == sorted(expected)
    for key in expected:
        assert numpy.array_equal(got[key], expected[key]), key
    # the history survives the checkpoint.  (The interrupted run logs a row at n;
    # where n is not a log point, the next row averages fewer iterations: skip it.)
    rows = {r["iter"]: r for r in two.history.rows}
    previous = 0
    for r in history:
        if not previous < n < r["iter"]:
            assert rows[r["iter"]] == r
        previous = r["iter"]
    # and the final files agree: the same G draws the same samples from the same noise
    a = numpy.load(tmp_path / "one" / "samples.npy")
    b = numpy.load(tmp_path / "two" / "samples.npy")
    assert numpy.array_equal(a, b)


def snapshot(folder):
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def trained(tmp_path_factory, data_dir):
    """A folder holding a 2-iteration mnist_mlp run (and its checkpoint)."""
    out = tmp_path_factory.mktemp("trained")
    run("mnist_mlp", out, 2, data_dir)
    return out


def test_other_architecture_is_refused_and_nothing_is_written(trained, data_dir):
    before = snapshot(trained)
    with pytest.raises(CheckpointError, match="architecture.*mlp_gan.*dcgan28"):
        run("mnist_dcgan", trained, 4, data_dir, "--resume")
    assert snapshot(trained) == before


def test_other_flags_are_refused(trained, data_dir):
    before = snapshot(trained)
    with pytest.raises(CheckpointError, match="--batch-size"):
        run("mnist_mlp", trained, 4, data_dir, "--resume", "--batch-size", "16")
    with pytest.raises(CheckpointError, match="--k 1 in the checkpoint, 2 now"):
        run("mnist_mlp", trained, 4, data_dir, "--resume", "--k", "2")
    assert snapshot(trained) == before


def test_a_lower_learning_rate_may_continue_a_run(tmp_path, trained, data_dir, capsys):
    """After a divergence the advice is a lower --lr: --resume accepts it."""
    copy = tmp_path / "copy"
    copy.mkdir()
    for path, data in snapshot(trained).items():
        (copy / path).parent.mkdir(parents=True, exist_ok=True)
        (copy / path).write_bytes(data)
    trainer = run("mnist_mlp", copy, 4, data_dir, "--resume", "--lr", "1e-5")
    assert trainer.opt_G.lr == trainer.opt_D.lr == 1e-5
    assert "continuing with the new rate" in capsys.readouterr().out


def test_damaged_checkpoint_is_refused_and_nothing_is_written(tmp_path, trained, data_dir):
    out = tmp_path / "damaged"
    out.mkdir()
    for path, data in snapshot(trained).items():
        (out / path).parent.mkdir(parents=True, exist_ok=True)
        (out / path).write_bytes(data)
    ckpt = out / "checkpoint.npz"
    ckpt.write_bytes(ckpt.read_bytes()[: len(ckpt.read_bytes()) // 2])   # a copy cut short
    before = snapshot(out)
    with pytest.raises(CheckpointError, match="damaged"):
        run("mnist_mlp", out, 4, data_dir, "--resume")
    assert snapshot(out) == before


def test_missing_checkpoint(tmp_path, data_dir):
    with pytest.raises(CheckpointError, match="no such checkpoint"):
        run("mnist_mlp", tmp_path / "empty", 4, data_dir, "--resume")
    assert not (tmp_path / "empty").exists()


def test_resume_from_explicit_path_with_nothing_left_to_train(tmp_path, trained, data_dir):
    trainer = run("mnist_mlp", tmp_path / "copy", 2, data_dir,
                  "--resume", str(trained / "checkpoint.npz"))
    assert trainer.iteration == 2
    assert (tmp_path / "copy" / "samples.npy").exists()


def test_run_script_reports_a_bad_checkpoint_in_one_line(tmp_path, data_dir, capsys):
    demo = load_demo("mnist_mlp")
    argv = ["--iters", "2", "--out", str(tmp_path), "--resume", "--no-progress",
            "--data-dir", str(data_dir), "--no-download"]
    with pytest.raises(SystemExit) as e:
        plumbing.run_script(lambda: demo.main(argv))
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --resume:")
