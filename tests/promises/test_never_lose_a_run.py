"""Never lose a run: earlier runs are not overwritten, every output is written
atomically, links in --out are replaced and not followed, and bad input ends
in one clear line with exit status 2 (argparse's format for flags)."""
import os
import runpy
import stat
import subprocess
import sys

import numpy
import pytest

from scratchgan import atomic, backend
from scratchgan.checkpoint import save_checkpoint
from scratchgan.gan import TrainingDiverged

import plumbing
from helpers import ROOT, load_demo, run, tiny
pytestmark = [pytest.mark.filterwarnings("ignore::scratchgan.gan.diagnostics.GANWarning"),
              pytest.mark.usefixtures("numpy_backend")]

IMAGE_DEMOS = ["mnist_mlp", "mnist_dcgan", "mnist_cgan", "lines_dcgan"]
TOY_DEMOS = ["normal_1d", "curve_2d", "mixture_2d", "saturation_1d"]


# ------------------------------------------------------------- bad flags
BAD_FLAGS = [("--iters", "0"), ("--iters", "-5"), ("--batch-size", "0"), ("--lr", "-1"),
             ("--lr", "0"), ("--lr", "nan"), ("--k", "0"), ("--device", "tpu"),
             ("--seed", "-1"), ("--iters", "ten"), ("--seed", "99999999999999"), ("--out", "")]


@pytest.mark.parametrize("demo", IMAGE_DEMOS + TOY_DEMOS)
@pytest.mark.parametrize("flag,value", BAD_FLAGS)
def test_every_bad_flag_is_refused_at_parse_time(demo, flag, value, tmp_path, capsys,
                                                 monkeypatch):
    """argparse's own format, exit status 2, and nothing written."""
    out = tmp_path / "out"
    argv = ["--out", str(out), flag, value]
    if demo in IMAGE_DEMOS:
        with pytest.raises(SystemExit) as e:
            load_demo(demo).main(argv)
    else:                                      # a script: run it as `python demos/<demo>.py`
        monkeypatch.setattr(sys, "argv", [f"{demo}.py", *argv])
        with pytest.raises(SystemExit) as e:
            runpy.run_path(str(ROOT / "demos" / f"{demo}.py"), run_name="__main__")
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert "usage:" in err and f"argument {flag}" in err
    assert not out.exists()


def test_toy_demo_bad_flag_as_a_user_meets_it(tmp_path):
    done = run("normal_1d", "--iters", "-5", "--out", tmp_path / "out")
    assert done.returncode == 2
    assert "argument --iters: must be a positive integer, got -5" in done.stderr
    assert "Traceback" not in done.stderr


def test_sample_every_larger_than_the_run(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        load_demo("mnist_mlp").main(["--iters", "5", "--sample-every", "10",
                                     "--out", str(tmp_path / "o")])
    assert e.value.code == 2 and "--sample-every: 10 is more than --iters 5" in capsys.readouterr().err
    # not given: the demo's default is cut to the run
    args = plumbing.make_parser("", iters=100, sample_every=50, images=True).parse_args(
        ["--iters", "20"])
    assert args.sample_every == 20


def test_saturation_demo_with_one_iteration(tmp_path):
    done = run("saturation_1d", "--iters", "1", "--head-start", "1", "--out", tmp_path,
               "--no-progress")
    assert done.returncode == 0, done.stderr[-2000:]


# ------------------------------------------------------------- the data folder
def test_a_missing_data_dir_is_one_line_and_exit_2(tmp_path):
    done = run("mnist_mlp", *tiny(tmp_path / "out", tmp_path / "nowhere"))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"data folder {tmp_path / 'nowhere'} does not exist" in done.stderr


def test_a_data_dir_without_mnist_names_what_was_looked_for(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    done = run("mnist_mlp", *tiny(tmp_path / "out", empty))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "holds no MNIST files" in done.stderr and "train-images-idx3-ubyte" in done.stderr
    assert not (tmp_path / "out" / "samples.npy").exists()


# ------------------------------------------------------------- earlier runs
def test_an_earlier_run_is_refused_then_kept_aside_with_force(tmp_path, data_dir):
    out = tmp_path / "out"
    assert run("mnist_mlp", *tiny(out, data_dir)).returncode == 0
    before = (out / "checkpoint.npz").read_bytes()

    again = run("mnist_mlp", *tiny(out, data_dir))
    assert again.returncode == 2 and "Traceback" not in again.stderr
    assert "holds an earlier run" in again.stderr and "--resume" in again.stderr
    assert "--force" in again.stderr
    assert (out / "checkpoint.npz").read_bytes() == before             # untouched

    forced = run("mnist_mlp", *tiny(out, data_dir, "--force"))
    assert forced.returncode == 0, forced.stderr[-2000:]
    aside = [p for p in out.iterdir() if p.name.startswith("previous-")]
    assert len(aside) == 1 and (aside[0] / "checkpoint.npz").read_bytes() == before
    assert (aside[0] / "grids").is_dir() and (out / "checkpoint.npz").exists()

    deleted = run("mnist_mlp", *tiny(out, data_dir, "--force", "--delete-old"))
    assert deleted.returncode == 0, deleted.stderr[-2000:]
    assert [p.name for p in out.iterdir() if p.name.startswith("previous-")] == [aside[0].name]


def test_toy_demo_refuses_an_earlier_run_too(tmp_path):
    (tmp_path / "samples.npy").write_bytes(b"an earlier run")
    done = run("normal_1d", "--iters", "10", "--out", tmp_path, "--no-progress")
    assert done.returncode == 2 and "holds an earlier run (samples.npy)" in done.stderr
    assert "--resume" not in done.stderr                               # toy demos have none
    assert (tmp_path / "samples.npy").read_bytes() == b"an earlier run"


def test_delete_old_needs_force(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        load_demo("mnist_mlp").main(["--delete-old", "--out", str(tmp_path)])
    assert e.value.code == 2 and "only together with --force" in capsys.readouterr().err


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_an_unwritable_out_is_found_before_training(tmp_path, data_dir):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        done = run("mnist_mlp", *tiny(locked, data_dir))
        assert done.returncode == 2 and "cannot write there" in done.stderr
        done = run("mnist_mlp", *tiny(locked / "sub", data_dir))
        assert done.returncode == 2 and "cannot create it" in done.stderr
    finally:
        locked.chmod(0o700)


def test_an_out_that_is_a_file(tmp_path, data_dir):
    (tmp_path / "f").write_text("x")
    done = run("mnist_mlp", *tiny(tmp_path / "f", data_dir))
    assert done.returncode == 2 and "is not a folder" in done.stderr


# ------------------------------------------------------------- atomic writes
def test_a_save_interrupted_mid_write_leaves_the_previous_file(tmp_path):
    path = tmp_path / "samples.npy"
    atomic.save_npy(path, numpy.arange(5))

    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        with atomic.atomic_open(path, "wb") as f:
            f.write(b"half a file")
            raise Boom                           # between write and rename
    numpy.testing.assert_array_equal(numpy.load(path), numpy.arange(5))
    assert [p.name for p in tmp_path.iterdir()] == ["samples.npy"]      # no stray temporary


def test_a_killed_writer_leaves_the_previous_file_and_the_next_start_cleans_up(tmp_path,
                                                                                data_dir):
    out = tmp_path / "out"
    out.mkdir()
    atomic.save_npy(out / "samples.npy", numpy.arange(3))
    code = (f"import sys, os; sys.path.insert(0, {str(ROOT)!r})\n"
            "from scratchgan import atomic\n"
            f"with atomic.atomic_open({str(out / 'samples.npy')!r}, 'wb') as f:\n"
            "    f.write(b'x' * 1000); f.flush(); os.kill(os.getpid(), 9)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    assert done.returncode == -9
    numpy.testing.assert_array_equal(numpy.load(out / "samples.npy"), numpy.arange(3))
    stale = [p for p in out.iterdir() if atomic.TMP_MARK in p.name]
    assert len(stale) == 1                       # kill -9: nobody could clean up
    plumbing.prepare_out(out, force=True, delete_old=True)
    assert not any(atomic.TMP_MARK in p.name for p in out.rglob("*"))


def test_outputs_follow_the_umask_checkpoints_included(tmp_path):
    old = os.umask(0o022)
    try:
        atomic.save_npy(tmp_path / "a.npy", numpy.zeros(2))
        save_checkpoint(tmp_path / "c.npz", extra={"x": numpy.zeros(2)})
    finally:
        os.umask(old)
    for name in ("a.npy", "c.npz"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o644, name


def test_a_planted_link_is_replaced_not_written_through(tmp_path, data_dir):
    victim = tmp_path / "bashrc"
    victim.write_text("precious")
    out = tmp_path / "out"
    out.mkdir()
    for name in ("final_grid.png", "losses.png", "progress.gif", "labels.npy"):
        (out / name).symlink_to(victim)
    done = run("mnist_cgan", *tiny(out, data_dir))
    assert done.returncode == 0, done.stderr[-2000:]
    assert victim.read_text() == "precious"
    for name in ("final_grid.png", "losses.png", "progress.gif", "labels.npy"):
        assert not (out / name).is_symlink() and (out / name).stat().st_size > 0


# ------------------------------------------------------------- divergence
def test_a_blown_up_run_stops_and_keeps_the_last_good_checkpoint(tmp_path, data_dir):
    """A huge learning rate used to train silently to absurd weights: now the run
    stops, says which network and when, leaves the last good checkpoint as it
    was, and exits with status 1; a lower --lr may then --resume it."""
    out = tmp_path / "out"
    # (Adam moves each weight by at most ~lr a step: with lr 6000, two steps stay
    # under the 1e4 weight limit, the third crosses it. A resume may not raise --lr.)
    assert run("mnist_mlp", *tiny(out, data_dir, "--lr", "6000", iters=2)).returncode == 0
    good = (out / "checkpoint.npz").read_bytes()
    done = run("mnist_mlp", *tiny(out, data_dir, "--resume", "--lr", "6000", iters=20))
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert "training diverged at iteration 3" in done.stderr
    assert "largest weight" in done.stderr and "restored to iteration 2" in done.stderr
    assert (out / "checkpoint.npz").read_bytes() == good
    again = run("mnist_mlp", *tiny(out, data_dir, "--resume", "--lr", "1e-4", iters=4))
    assert again.returncode == 0, again.stderr[-2000:]


def test_a_toy_generator_blowing_up_stops_in_one_line(tmp_path):
    done = run("normal_1d", "--lr", "10", "--iters", "2000", "--out", tmp_path, "--no-progress")
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert "training diverged" in done.stderr and "largest sample |G(z)|" in done.stderr


def test_the_api_raises_training_diverged_for_blown_up_weights():
    from scratchgan import nn, optim
    from scratchgan.gan import GANTrainer, normal_noise
    from scratchgan.data.toy import normal_1d
    backend.manual_seed(0)
    G = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1))
    D = nn.Sequential(nn.Linear(1, 8), nn.ReLU(), nn.Linear(8, 1), nn.Sigmoid())
    t = GANTrainer(G, D, optim.SGD(G.parameters(), lr=0.01), optim.SGD(D.parameters(), lr=0.01),
                   normal_1d, normal_noise(2), batch_size=8, monitor=None)
    t.train(10, log_every=10, progress=False)
    D.layers[0].weight.data[0, 0] = 5e4                        # blown up
    with pytest.raises(TrainingDiverged) as e:
        t.train(10, log_every=10, progress=False)
    assert e.value.network == "discriminator" and e.value.what == "largest weight |w|"
    assert e.value.restored_iteration == 10 and "growing without bound" in str(e.value)


def test_an_unwritable_out_as_root_sees_it(tmp_path, monkeypatch):
    """The same check, where the tests run as root (who may write anywhere)."""
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")
    import tempfile
    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(plumbing.OutputError, match="cannot write there .Permission denied"):
        plumbing.prepare_out(tmp_path)


@pytest.mark.parametrize("demo", ["pix2pix", "cyclegan"])
@pytest.mark.parametrize("flag,value", [f for f in BAD_FLAGS if f[0] != "--k"])
def test_translation_demos_refuse_bad_flags(demo, flag, value, tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        load_demo(demo).main(["--out", str(tmp_path / "out"), flag, value])
    assert e.value.code == 2 and f"argument {flag}" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
