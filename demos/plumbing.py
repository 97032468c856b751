"""The plumbing every demo shares: flags, device and seed, and writing results.

Kept out of the demos so that each demo reads as the algorithm only, and out
of the library: ``scratchgan`` is what your own script calls, this module is
what the demo scripts call around it.  (``demos/gan_loop.py`` does without
it, to show the whole loop on one page.)

* ``make_parser``     one parser: the same flags, help and defaults in every demo
* ``select_device``   ``--device``: NumPy or CuPy
* toy demos           ``setup``, ``mlp``, ``adam``, ``snapshot_iters``, ``finish``
* image demos         ``ImageRun``: data, fixed grid noise, checkpoints and
                      ``--resume``, sample grids, ``fit``; ``run_script``

Every demo sets its BLAS threads itself, first thing (``threads.py``);
``make_parser`` adds the ``--threads`` flag that goes with it.
"""
import argparse
import math
import os
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

try:
    try:
        import scratchgan  # noqa: F401                   # installed (pip install -e .)
    except ImportError:                                   # run from a source checkout
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
        import scratchgan                                 # noqa: F401
except RuntimeError as e:                  # SCRATCHGAN_BACKEND=cupy where CuPy cannot run
    if type(e).__name__ != "BackendError" or "--debug" in sys.argv:
        raise
    print(f"error: {e}", file=sys.stderr)
    sys.exit(2)

import numpy

import threads                                           # the BLAS thread policy (threads.py)
from scratchgan import backend, nn, optim, viz
from scratchgan.atomic import remove_stale_temporaries, save_npy
from scratchgan.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from scratchgan.data import DataError, load_dataset
from scratchgan.data.mnist import TestSplitFallback
from scratchgan.gan import sampling
from scratchgan.gan.diagnostics import COLUMNS, GANWarning, History, TrainingDiverged

#: Flags that shape training: a checkpoint made with other values is refused.
CONFIG_KEYS = ("dataset", "batch_size", "beta1", "beta2", "k", "latent_dim",
               "seed", "mismatched_labels", "instance_noise", "noise_decay_iters",
               "real_label")
#: Flags that may change on --resume: a lower (never a higher) --lr after a diverged run.
ADJUSTABLE_KEYS = ("lr",)

CHECKPOINT = "checkpoint.npz"


# ---------------------------------------------------------------- the flags
def positive_int(text):
    """argparse type: an integer >= 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def nonnegative_int(text):
    """argparse type: an integer >= 0."""
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


def positive_float(text):
    """argparse type: a finite number > 0."""
    value = float(text)
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def nonnegative_float(text):
    """argparse type: a finite number >= 0."""
    value = float(text)
    if not (value >= 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


def seed_int(text):
    """argparse type: a seed NumPy accepts, an integer in [0, 2**32)."""
    value = int(text)
    if not 0 <= value < 2 ** 32:
        raise argparse.ArgumentTypeError(f"must be an integer from 0 to {2 ** 32 - 1}, "
                                         f"got {text}")
    return value


def folder(text):
    """argparse type: a folder name, not empty."""
    if not text.strip():
        raise argparse.ArgumentTypeError("must name a folder, got an empty string")
    return text


def fraction(text):
    """argparse type: a number in [0, 1) (Adam's betas, momentum)."""
    value = float(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be in [0, 1), got {text}")
    return value


def unit_interval(text):
    """argparse type: a probability, a number in [0, 1]."""
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be in [0, 1], got {text}")
    return value


class DemoParser(argparse.ArgumentParser):
    """An ArgumentParser that also checks the flags against each other, in
    argparse's own error format (usage, message, exit status 2)."""

    def parse_args(self, args=None, namespace=None):
        a = super().parse_args(args, namespace)
        if hasattr(a, "sample_every"):
            by_epochs = getattr(a, "epochs", None) is not None
            if a.sample_every is None:                        # not given: the demo's default,
                a.sample_every = (self.sample_every_default if by_epochs  # or the whole run
                                  else min(self.sample_every_default, a.iters))
            elif not by_epochs and a.sample_every > a.iters:
                self.error(f"argument --sample-every: {a.sample_every} is more than --iters "
                           f"{a.iters}; no picture or checkpoint would be taken before the end")
        if getattr(a, "delete_old", False) and not a.force:
            self.error("argument --delete-old: only together with --force")
        if getattr(a, "force", False) and getattr(a, "resume", None):
            self.error("argument --force: not with --resume (--resume continues the "
                       "earlier run, --force starts a new one)")
        return a


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """--help shows the demo's docstring as written, and each flag's default
    where it has one (not for on/off switches, nor where the help says it)."""

    def _get_help_string(self, action):
        text = action.help or ""
        switch = action.default is None or isinstance(action.default, bool)   # (1 == True)
        if "default" not in text and not switch and action.default != argparse.SUPPRESS:
            text += " (default: %(default)s)"
        return text


def make_parser(description, *, iters, batch_size=64, lr=2e-4, k=1, optimizer="Adam",
                images=False, dataset=False, sample_every=None, beta1=0.5,
                num_samples=10000, grid_size=10):
    """The flags every demo takes, with this demo's defaults; a demo adds its own.

    Every demo: --iters --batch-size --k (unless k=None) --lr --seed --out --force
    --device --no-progress --debug.
    ``images=True`` (the image demos) adds Adam's betas, --latent-dim,
    --resume, the sample grids and samples.npy; ``dataset=True`` (MNIST and
    Fashion-MNIST) adds --dataset, --data-dir, --no-download and --epochs.
    """
    p = DemoParser(description=description, formatter_class=HelpFormatter)
    if dataset:
        p.add_argument("--dataset", choices=("mnist", "fashion"), default="mnist",
                       help="MNIST digits or Fashion-MNIST clothes")
        p.add_argument("--data-dir", default=None,
                       help="folder holding the IDX files (default: searched, "
                            "then downloaded; see scratchgan.data.mnist)")
        p.add_argument("--no-download", action="store_true",
                       help="never download; use only files already present")
    length = p.add_mutually_exclusive_group()
    length.add_argument("--iters", type=positive_int, default=iters,
                        help="training iterations in total")
    if dataset:
        length.add_argument("--epochs", type=positive_float, default=None,
                            help="or: passes over the training set, "
                                 "iters = ceil(epochs * N / batch size)")
    p.add_argument("--batch-size", type=positive_int, default=batch_size,
                   help="minibatch size m, for real and noise minibatches")
    if k is not None:                            # (k=None: a demo without Algorithm 1's k)
        p.add_argument("--k", type=positive_int, default=k, help="D steps per G step")
    p.add_argument("--lr", type=positive_float, default=lr,
                   help=f"learning rate of G and D ({optimizer})")
    if images:
        p.add_argument("--beta1", type=fraction, default=beta1, help="Adam's beta1 (0.5 as DCGAN)")
        p.add_argument("--beta2", type=fraction, default=0.999, help="Adam's beta2")
        p.add_argument("--latent-dim", type=positive_int, default=100, help="dimension of z")
    p.add_argument("--seed", type=seed_int, default=0, help="random seed")
    p.add_argument("--out", type=folder, default=None,
                   help="output folder (default: out/<demo name>)")
    p.add_argument("--force", action="store_true",
                   help="--out holds an earlier run: start anew anyway, moving its files "
                        "into <out>/previous-<date-time>/")
    p.add_argument("--delete-old", action="store_true",
                   help="with --force: delete the earlier run's files instead")
    p.add_argument("--device", choices=("cpu", "gpu"), default="cpu",
                   help="cpu: NumPy; gpu: CuPy")
    add_threads_flag(p)
    p.add_argument("--debug", action="store_true",
                   help="show the full traceback of an error, not one line")
    if images:
        p.add_argument("--resume", nargs="?", const="auto", default=None, metavar="CHECKPOINT",
                       help="continue from a checkpoint (default path: <out>/checkpoint.npz) "
                            "up to --iters iterations in total")
        p.sample_every_default = sample_every
        p.add_argument("--sample-every", type=positive_int, default=None,
                       help="grid of fixed-noise samples and a checkpoint every this many "
                            f"iterations (default: {sample_every}, or --iters if fewer)")
        p.add_argument("--sample-mode", choices=("train", "eval"), default="train",
                       help="BatchNorm statistics when drawing pictures: of the batch "
                            "drawn (train) or the running averages (eval)")
        p.add_argument("--num-samples", type=nonnegative_int, default=num_samples,
                       help="images of the final G saved to samples.npy")
        p.add_argument("--grid-size", type=positive_int, default=grid_size,
                       help="the sample grids are grid-size x grid-size")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def add_threads_flag(p):
    """--threads: read before NumPy loaded (``threads.py``); here it is checked
    and shown in --help with this demo's default."""
    default = "1" if threads.default == 1 else "all cores"
    p.add_argument("--threads", type=positive_int, default=None,
                   help=f"BLAS threads (default here: {default}; on a busy machine use 1; "
                        "an OPENBLAS_NUM_THREADS you set wins; README: Threads)")


# ------------------------------------------------------------- the device
def select_device(name):
    """``--device``: "cpu" -> NumPy, "gpu" -> CuPy (raises BackendError if none)."""
    backend.set_backend("cupy" if name == "gpu" else "numpy")


class FlagError(ValueError):
    """Flags that each pass argparse but do not fit the data (--batch-size larger
    than the data set, say)."""


#: Errors a user can fix (bad input: exit status 2) and a run that blew up (1).
BAD_INPUT = (backend.BackendError, CheckpointError, DataError, OSError, FlagError)


class OutputError(Exception):
    """--out cannot be used as asked (an earlier run is there, or it is not writable)."""


def interrupted(out=None, checkpoint=True):
    """What Ctrl-C prints: one line, where the last checkpoint is and how to go on."""
    script = os.path.basename(sys.argv[0]) or "the demo"
    path = Path(out) / CHECKPOINT if out else None
    if checkpoint and path is not None and path.is_file():
        return (f"interrupted; the last checkpoint is {path}. Continue with: python "
                f"demos/{script} --out {out} --resume")
    return "interrupted; nothing of this run was saved yet"


def run_script(main):
    """Call ``main()``; report bad input (no GPU, a bad checkpoint or data folder,
    an --out that is taken or not writable) in one line with exit status 2, a
    diverged training in one line with exit status 1, and Ctrl-C in one line
    (where the last checkpoint is) with status 130.  --debug: the traceback."""
    try:
        main()
    except KeyboardInterrupt:
        if "--debug" in sys.argv:
            raise
        print(f"\n{interrupted(_argv_out())}", file=sys.stderr)
        sys.exit(130)
    except (*BAD_INPUT, OutputError) as e:
        if "--debug" in sys.argv:
            raise
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
    except TrainingDiverged as e:
        if "--debug" in sys.argv:
            raise
        print(f"error: {e}", file=sys.stderr)
        sys.exit(1)


def _argv_out():
    """--out as given on the command line (or out/<script> by default)."""
    argv = sys.argv[1:]
    for i, a in enumerate(argv):
        if a == "--out" and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith("--out="):
            return a.split("=", 1)[1]
    return os.path.join("out", os.path.splitext(os.path.basename(sys.argv[0]))[0])


# ------------------------------------------------------------ the output folder
#: The files that mark a folder as holding a run (every demo that measures
#: something writes metrics.json).
RUN_FILES = ("checkpoint.npz", "samples.npy", "history.csv", "metrics.json")


def prepare_out(out, force=False, delete_old=False, resuming=False):
    """Make --out ready before the first iteration, or raise OutputError.

    * An earlier run there is never overwritten by accident: without --resume
      or --force, refuse and say so.  --force moves its files into
      <out>/previous-<date-time>/ (--delete-old: deletes them).
    * The folder must be writable: found out now, not after hours of training.
    * Temporary files of a run killed while saving are removed.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutputError(f"--out {out}: exists and is not a folder")
    earlier = [name for name in RUN_FILES if (out / name).exists() or (out / name).is_symlink()]
    if earlier and not resuming:
        if not force:
            resume = "continue it with --resume, or " if "checkpoint.npz" in earlier else ""
            raise OutputError(
                f"--out {out} holds an earlier run ({', '.join(earlier)}); nothing was "
                f"changed. To keep it, {resume}choose another --out; to start anew there, "
                "add --force (moves its files into previous-<date-time>/ inside --out; "
                "with --delete-old deletes them)")
        _set_aside(out, delete_old)
    if out.is_dir():
        try:                                     # the honest test: write a file
            fd, probe = tempfile.mkstemp(dir=out, prefix=".write-test")
            os.close(fd)
            os.unlink(probe)
        except OSError as e:
            raise OutputError(f"--out {out}: cannot write there ({e.strerror or e})") from None
    else:              # created later, by the run's first write: try it now, leave nothing
        missing = [out.absolute()] + [p for p in out.absolute().parents if not p.exists()]
        try:
            out.mkdir(parents=True)
            fd, probe = tempfile.mkstemp(dir=out, prefix=".write-test")
            os.close(fd)
            os.unlink(probe)
        except OSError as e:
            raise OutputError(f"--out {out}: cannot create a folder there "
                              f"({e.strerror or e})") from None
        finally:
            for p in missing:                    # deepest first
                try:
                    p.rmdir()
                except OSError:
                    pass
    for stale in remove_stale_temporaries(out):
        print(f"removed {stale}, a temporary file of an earlier run killed while saving")
    return out


def _set_aside(out, delete):
    """Move (or delete) everything an earlier run left in ``out``; earlier
    previous-* folders stay where they are."""
    entries = [p for p in out.iterdir() if not p.name.startswith("previous-")]
    if delete:
        for p in entries:
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p)
            else:
                p.unlink()                       # a file, or a link (never what it points to)
        print(f"--force --delete-old: deleted the earlier run's files in {out}")
        return
    aside = out / time.strftime("previous-%Y%m%d-%H%M%S")
    n = 1
    while aside.exists():
        n += 1
        aside = out / time.strftime(f"previous-%Y%m%d-%H%M%S-{n}")
    aside.mkdir()
    for p in entries:
        os.replace(p, aside / p.name)            # moves links as links
    print(f"--force: moved the earlier run's files to {aside}")


# ---------------------------------------------------------------- toy demos
def setup(args):
    """A toy demo's start: select the device, seed the generator, create --out
    (default out/<script name>); returns the start time."""
    if args.out is None:
        args.out = os.path.join("out", os.path.splitext(os.path.basename(sys.argv[0]))[0])
    try:
        select_device(args.device)
        prepare_out(args.out, args.force, args.delete_old,
                    resuming=bool(getattr(args, "resume", None)))
        os.makedirs(args.out, exist_ok=True)
    except (backend.BackendError, OutputError, OSError) as e:
        if args.debug:
            raise
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
    backend.manual_seed(args.seed)
    if not args.debug:
        sys.excepthook = _one_line_errors
    # The trainer prints its warnings as plain "WARNING ..." lines on the console;
    # the Python warning with its source line would say the same thing twice.
    warnings.simplefilter("ignore", GANWarning)
    k = f" k={args.k}" if hasattr(args, "k") else ""
    print(f"device={args.device} seed={args.seed} iters={args.iters} "
          f"batch_size={args.batch_size}{k} lr={args.lr} out={args.out}")
    return time.time()


def _one_line_errors(kind, error, traceback):
    """A toy demo's uncaught error: one line for the ones a user can act on."""
    if isinstance(error, (TrainingDiverged, *BAD_INPUT)):
        print(f"error: {error}", file=sys.stderr)
    elif isinstance(error, KeyboardInterrupt):
        print(f"\n{interrupted(checkpoint=False)}", file=sys.stderr)
    else:
        sys.__excepthook__(kind, error, traceback)


def progress(iterable, desc, disabled=False):
    """A progress bar over ``iterable`` (``--no-progress``: none)."""
    from tqdm import tqdm
    return tqdm(iterable, desc=desc, disable=disabled, unit="it")


def mlp(sizes, act=nn.ReLU, out=None):
    """Linear layers of the given sizes with ``act()`` between them and an
    optional output activation, e.g. mlp([8, 32, 32, 1], out=nn.Sigmoid)."""
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(act())
    if out is not None:
        layers.append(out())
    return nn.Sequential(*layers)


def adam(module, lr, beta1=0.5):
    """Adam with beta1 = 0.5, the GAN setting of DCGAN and PyTorch-GAN."""
    return optim.Adam(module.parameters(), lr=lr, betas=(beta1, 0.999))


def snapshot_iters(iters):
    """0, 100, 200, 500, 1000, 2000, 5000, ... up to ``iters``, and ``iters``:
    GANs change fastest early on, so snapshots are spaced geometrically."""
    marks, scale = [0], 100
    while scale < iters:
        marks += [m * scale for m in (1, 2, 5) if m * scale < iters]
        scale *= 10
    return marks + [iters]


def finish(trainer, args, t0, n=10000):
    """Write samples.npy (n samples of G), history.csv and curves.png; return the samples."""
    samples = trainer.generate(n)
    save_npy(os.path.join(args.out, "samples.npy"), samples)
    trainer.to_csv(os.path.join(args.out, "history.csv"))
    viz.plot_history(trainer.history, os.path.join(args.out, "curves.png"),
                     **trainer.d_loss_terms())
    print(f"trained {trainer.iteration} iterations in {time.time() - t0:.1f} s; "
          f"wrote samples.npy, history.csv, curves.png to {args.out}")
    return samples


# ------------------------------------------------------------- checkpoints
def save_run(path, arch, iteration, models, optimizers, history, config, extra=None):
    """One checkpoint of a run with any number of named networks and optimizers
    (``{"G": G, "F": F, "D_X": D_X, ...}``): their states, the iteration, the
    CPU generator's state, the history (one array per column) and the config
    (the flags that shape training), plus ``extra`` arrays; written atomically."""
    rng = backend.get_rng_state() if backend.backend_name() == "numpy" else None
    columns = history.columns() or list(COLUMNS)
    table = {c: numpy.array([row.get(c, numpy.nan) for row in history],
                            dtype=numpy.int64 if c == "iter" else numpy.float64)
             for c in columns}
    save_checkpoint(path, arch=arch, iteration=iteration, models=models,
                    optimizers=optimizers, rng_state=rng,
                    extra={"history": table, "config": config, **(extra or {})})


def load_run(path, arch, config, seed, models, optimizers):
    """Load a ``save_run`` checkpoint into ``models`` and ``optimizers``, after
    checking everything (architecture, shapes, the flags in ``config``, all but
    ADJUSTABLE_KEYS); on a problem CheckpointError, and nothing is changed.
    Restores the generator's state (on a GPU: reseeds from seed and iteration).
    Returns {"iteration", "history", "config", "extra"}."""
    try:
        info = load_checkpoint(path, arch=arch)       # read, check the arch, load nothing
    except CheckpointError as e:
        raise CheckpointError(f"--resume: {e}") from None
    stored = info["extra"].get("config", {})
    wrong = [f"--{k.replace('_', '-')} {stored[k]!r} in the checkpoint, {v!r} now"
             for k, v in config.items()
             if k in stored and stored[k] != v and k not in ADJUSTABLE_KEYS]
    if "lr" in config and "lr" in stored and config["lr"] > stored["lr"]:
        wrong.append(f"--lr {config['lr']!r} is higher than the checkpoint's {stored['lr']!r} "
                     "(a resumed run may keep or lower its learning rate)")
    if wrong:
        raise CheckpointError(
            f"--resume: {path} was trained with other settings (nothing was "
            "loaded):\n  " + "\n  ".join(wrong)
            + "\nResume with the checkpoint's settings, or start a new run "
              "with another --out.")
    if info["iteration"] is None:
        raise CheckpointError(f"--resume: {path} has no iteration count")
    load_checkpoint(path, models=models, optimizers=optimizers, arch=arch)
    iteration = int(info["iteration"])
    columns = info["extra"].get("history", {})
    rows = [{c: (int(v[i]) if c == "iter" else float(v[i])) for c, v in columns.items()}
            for i in range(len(columns.get("iter", ())))]
    if info["rng_state"] is not None and backend.backend_name() == "numpy":
        backend.set_rng_state(info["rng_state"])
    else:                                            # CuPy: reseed, not bit-exact
        backend.manual_seed(seed * 1_000_003 + iteration)
    return {"iteration": iteration, "history": History(rows), "config": stored,
            "extra": info["extra"]}


# ------------------------------------------------------------- image demos
def load_images(dataset, data_dir=None, no_download=False, batch_size=None):
    """The training split of MNIST ("mnist") or Fashion-MNIST ("fashion") on the
    host.  A --data-dir given is the only place looked; falling back to the test
    split is said in one plain line, not a warning's echo.  A ``batch_size``
    larger than the data set is refused (``FlagError``)."""
    name = {"mnist": "mnist", "fashion": "fashion-mnist"}[dataset]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", TestSplitFallback)
        images, labels = load_dataset(name, "train", data_dir=data_dir,
                                      download=not no_download,
                                      only_data_dir=data_dir is not None)
    for w in caught:
        if issubclass(w.category, TestSplitFallback):
            print(f"note: {w.message}")
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if batch_size is not None and batch_size > len(images):
        raise FlagError(f"--batch-size {batch_size} is more than the {len(images):,} "
                        f"training images; choose at most {len(images)}")
    return images, labels


def epochs_to_iters(epochs, n_train, batch_size):
    """Iterations of ``epochs`` passes over n_train images: ceil(epochs * n_train / batch size)."""
    return math.ceil(epochs * n_train / batch_size)


def iters_from_epochs(args, n_train):
    """Set and return args.iters: from --epochs, where given (demos without ImageRun)."""
    if getattr(args, "epochs", None) is not None:
        args.iters = epochs_to_iters(args.epochs, n_train, args.batch_size)
        print(f"--epochs {args.epochs:g}: {args.iters} iterations over {n_train} training images")
    return args.iters


def onehot(labels, n_classes=10):
    """Integer labels (N,) -> one-hot rows (N, n_classes) in the default dtype."""
    labels = numpy.asarray(labels)
    return numpy.eye(n_classes, dtype=backend.get_default_dtype())[labels]


CLASS_NAMES = {"mnist": [str(d) for d in range(10)],
               "fashion": ["T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                           "Shirt", "Sneaker", "Bag", "Boot"]}


def fixed_noise(n, dim, seed):
    """n noise vectors from their own RandomState(seed): the same in every run
    and every resume, and drawn without touching ``backend.rng()``."""
    z = numpy.random.RandomState(seed).standard_normal((n, dim))
    return z.astype(backend.get_default_dtype())


class ImageRun:
    """One command-line run of an image GAN: device, data, and ``fit``.

    Creating it selects the device (before any array is made) and seeds
    ``backend.rng()`` with ``--seed``; so build G and D after it.

    What ``fit`` does
    -----------------
    * resumes from a checkpoint if ``--resume`` is given (before writing anything);
    * trains to ``--iters`` iterations in total with the trainer's progress bar
      (live losses and D's accuracies on real and fake samples);
    * every ``--sample-every`` iterations draws a grid of G's samples from the
      *same* fixed noise, so consecutive grids show G learning and not merely
      new noise, and saves a checkpoint;
    * at the end writes, into ``--out``::
    
          grids/iter_000500.png ...  one grid per --sample-every iterations
          final_grid.png             the final generator on the fixed noise
          progress.gif               the grids as an animation
          losses.png                 d_loss and g_loss, D(x) and D(G(z))
          history.csv                the trainer's diagnostics, one row per log point
          samples.npy                --num-samples images of the final G, float32
                                     (N, C, H, W) in [-1, 1]
          labels.npy                 conditional GANs: the class asked for, per sample
          checkpoint.npz             everything needed to resume (see below)
    
    How G is sampled for pictures (``--sample-mode``)
    -------------------------------------------------
    During training, G's BatchNorm layers normalise each minibatch with its own
    mean and variance; the running averages they keep are used only in
    evaluation mode.  Two ways to draw pictures therefore exist:
    
    * ``train``: BatchNorm uses the statistics of the batch being drawn
      (PyTorch-GAN's scripts save pictures this way, from the training batch);
    * ``eval``: BatchNorm uses its running statistics, the standard at test time.
    
    Either way the fixed noise is drawn as one batch (for the grids) or in
    batches of ``--batch-size`` (for samples.npy), and drawing has no side effect
    on training: in ``train`` mode the BatchNorm running statistics are put back
    afterwards.  The default is ``train``: it is the mode in which G was trained
    and judged by D, and the running statistics of a generator are averages over
    the batches of a network that keeps changing, which can put eval-mode samples
    slightly off what D has been judging.  For these demos the two agree closely:
    resampled in eval mode, the default runs score the same within 0.002 in mean
    classifier confidence (demos/score_digits.py).  To compare on a finished run,
    resample it without training::
    
        python demos/mnist_dcgan.py --out out/mnist_dcgan_eval --sample-mode eval
                                    --resume out/mnist_dcgan/checkpoint.npz
    
    Resuming exactly
    ----------------
    ``--resume`` continues from ``<out>/checkpoint.npz`` (or the given path) up
    to the same ``--iters`` total.  On the CPU, N iterations and then M more give
    *bit-for-bit* the parameters of one run of N + M.  That holds because
    everything an iteration depends on is either in the checkpoint::
    
        G and D        parameters and BatchNorm running statistics
        optimizers     both Adams' moments m and v and step counts t
        iteration      where to continue
        RNG state      backend.rng(), the source of every random draw in training:
                       minibatch indices, z, dropout masks, soft labels, wrong labels
        history        so history.csv and losses.png cover the whole run
        config         the flags that shape training; a resume with other values
                       is refused rather than silently mixing two runs
    
    or is recomputed identically, and because nothing done *beside* training
    touches what training uses: the fixed grid noise and the noise of
    samples.npy come from their own ``RandomState(seed)``, not from
    ``backend.rng()``, and drawing puts BatchNorm's statistics back.  Checkpoints
    are taken at the trainer's log points, where its diagnostic window is empty;
    its other caches (the last minibatch and labels) are overwritten before they
    are read again.
    
    On the GPU, CuPy's generator state cannot be saved: a resumed GPU run
    reseeds from (seed, iteration), so it continues soundly but not bit-exactly.
    
    Errors: a checkpoint from another architecture, with other flags, or damaged
    raises ``CheckpointError`` before anything in ``--out`` is written;
    ``--device gpu`` without a GPU raises ``BackendError``.  ``run_script(main)``
    turns both into a one-line message and exit status 1.
    """

    def __init__(self, args, name="run", conditional=False, n_classes=10):
        self.args = args
        self.name = name
        self.conditional, self.n_classes = conditional, n_classes
        select_device(args.device)
        backend.manual_seed(args.seed)
        self.out = Path(args.out if args.out else Path("out") / name)
        prepare_out(self.out, args.force, args.delete_old, resuming=bool(args.resume))
        self.n_train = None

    # -- data ---------------------------------------------------------------
    def load_data(self):
        """The training images on the device (and, for a conditional GAN, their
        labels as one-hot rows on the device).  Moved once; the sampler then
        gathers minibatches there."""
        images, labels = load_images(self.args.dataset, self.args.data_dir,
                                     self.args.no_download, self.args.batch_size)
        self.n_train = len(images)
        images = backend.to_device(images, dtype=backend.get_default_dtype())
        if not self.conditional:
            return images, None
        return images, backend.to_device(onehot(labels, self.n_classes))

    def total_iters(self):
        epochs = getattr(self.args, "epochs", None)
        if epochs is None:
            return int(self.args.iters)
        if self.n_train is None:
            raise RuntimeError("--epochs needs the data set: call load_data() first")
        return epochs_to_iters(epochs, self.n_train, self.args.batch_size)

    def config(self):
        return {k: getattr(self.args, k) for k in CONFIG_KEYS + ADJUSTABLE_KEYS
                if hasattr(self.args, k)}

    # -- the fixed inputs of the pictures -----------------------------------
    def grid_inputs(self):
        """z (and c) of the progress grids: n x n fixed noise vectors; for a
        conditional GAN row i asks for class i and column j shares one z, so a
        row shows one class in ten styles and a column one style in ten classes."""
        n = self.args.grid_size
        if not self.conditional:
            return backend.to_device(fixed_noise(n * n, self.args.latent_dim, self.args.seed)), None
        z = fixed_noise(n, self.args.latent_dim, self.args.seed)     # one per column
        z = numpy.tile(z, (n, 1))                                    # row i, column j -> z_j
        labels = numpy.repeat(numpy.arange(n) % self.n_classes, n)   # row i -> class i
        return backend.to_device(z), backend.to_device(onehot(labels, self.n_classes))

    def sample_labels(self, n):
        """The classes asked for in samples.npy: equal shares, in order 0, 1, ..."""
        return numpy.arange(n) % self.n_classes

    def sample_images(self, trainer, z, c=None):
        return sampling.sample_images(trainer.G, z, c, self.args.sample_mode)

    def samples_for_file(self, trainer, n):
        """n samples of the final G (host, float32), in batches of --batch-size,
        from noise of RandomState(seed + 1).  Returns (images, labels or None)."""
        rs = numpy.random.RandomState(self.args.seed + 1)
        labels = self.sample_labels(n) if self.conditional else None
        parts, m = [], self.args.batch_size
        for i in range(0, n, m):
            j = min(n, i + m)
            z = backend.to_device(rs.standard_normal((j - i, self.args.latent_dim))
                                  .astype(backend.get_default_dtype()))
            c = None if labels is None else backend.to_device(onehot(labels[i:j], self.n_classes))
            parts.append(self.sample_images(trainer, z, c))
        images = numpy.concatenate(parts) if parts else numpy.zeros((0,), numpy.float32)
        return images.astype(numpy.float32, copy=False), labels

    # -- checkpoints ----------------------------------------------------------
    def checkpoint_path(self):
        resume = self.args.resume
        return self.out / CHECKPOINT if resume in (None, "auto") else Path(resume)

    def save(self, trainer, arch):
        """Write G, D, both optimizers, the iteration, the RNG state, the history
        and the config into <out>/checkpoint.npz (atomically)."""
        save_run(self.out / CHECKPOINT, arch, trainer.iteration,
                 models={"G": trainer.G, "D": trainer.D},
                 optimizers={"G": trainer.opt_G, "D": trainer.opt_D},
                 history=trainer.history, config=self.config())

    def resume(self, trainer, arch):
        """Load the checkpoint of --resume into the trainer; returns its iteration.

        Everything is checked first (architecture, shapes, flags); on any
        problem a CheckpointError is raised and nothing is changed or written.
        """
        run = load_run(self.checkpoint_path(), arch, self.config(), self.args.seed,
                       models={"G": trainer.G, "D": trainer.D},
                       optimizers={"G": trainer.opt_G, "D": trainer.opt_D})
        trainer.iteration, trainer.history = run["iteration"], run["history"]
        if trainer.monitor is not None:      # the D-accuracy band and warnings go on, not anew
            trainer.monitor.prime(trainer.history.rows)
        stored = run["config"]
        if "lr" in stored and stored["lr"] != self.args.lr:        # e.g. after a divergence
            trainer.opt_G.lr = trainer.opt_D.lr = self.args.lr
            print(f"{self.name}: --lr {self.args.lr} now, {stored['lr']} in the checkpoint: "
                  "continuing with the new rate")
        return trainer.iteration

    # -- pictures ---------------------------------------------------------------
    def grid_path(self, iteration):
        return self.out / "grids" / f"iter_{iteration:06d}.png"

    def save_grid(self, trainer, path, z, c, title=None):
        path.parent.mkdir(parents=True, exist_ok=True)
        rows = None
        if c is not None:                      # row i asks for class i: say which
            names = CLASS_NAMES.get(self.args.dataset)
            rows = [names[i % self.n_classes] if names else i % self.n_classes
                    for i in range(self.args.grid_size)]
        viz.save_image_grid(self.sample_images(trainer, z, c), path, nrow=self.args.grid_size,
                        title=title or f"{self.name}, iteration {trainer.iteration}",
                        row_labels=rows)

    def finish(self, trainer, arch):
        """The files of the end of a run (see the module doc)."""
        a, out = self.args, self.out
        z, c = self.grid_inputs()
        self.save_grid(trainer, out / "final_grid.png", z, c)
        frames = sorted(p for p in (out / "grids").glob("iter_*.png")
                        if int(p.stem.split("_")[1]) <= trainer.iteration)
        if frames:
            viz.save_gif(frames, out / "progress.gif")
        if len(trainer.history):
            viz.plot_history(trainer.history, out / "losses.png", **trainer.d_loss_terms())
        trainer.to_csv(out / "history.csv")
        written = ["final_grid.png"] + (["progress.gif"] if frames else []) + (
            ["losses.png"] if len(trainer.history) else []) + ["history.csv", CHECKPOINT]
        if a.num_samples > 0:
            images, labels = self.samples_for_file(trainer, a.num_samples)
            save_npy(out / "samples.npy", images)
            written.append("samples.npy")
            if labels is not None:
                save_npy(out / "labels.npy", labels.astype(numpy.int64))
                written.append("labels.npy")
        print(f"{self.name}: {trainer.iteration} iterations; wrote {', '.join(written)} "
              f"to {out}")

    # -- training ---------------------------------------------------------------
    def fit(self, trainer, arch):
        """Resume if asked, train to the total iterations with grids and
        checkpoints every --sample-every, then write the final files."""
        a = self.args
        total = self.total_iters()
        if a.sample_every < 1 or total < 0:
            raise ValueError("--sample-every must be >= 1 and --iters >= 0")
        start = self.resume(trainer, arch) if a.resume else 0   # may raise: nothing written yet
        self.out.mkdir(parents=True, exist_ok=True)
        z, c = self.grid_inputs()
        if start == 0:
            self.save_grid(trainer, self.grid_path(0), z, c)    # the untrained G
        else:
            print(f"{self.name}: resumed from {self.checkpoint_path()} at iteration {start}")

        saved = []

        def every_log_point(trainer, row):
            if trainer.iteration % a.sample_every == 0:
                self.save_grid(trainer, self.grid_path(trainer.iteration), z, c)
                self.save(trainer, arch)
                saved.append(trainer.iteration)

        log_every = math.gcd(a.sample_every, 100)     # checkpoints fall on log points
        if total > start:
            with warnings.catch_warnings():
                # the trainer prints each as a plain "WARNING ..." console line already
                warnings.simplefilter("ignore", GANWarning)
                trainer.train(total - start, log_every=log_every, print_every=a.sample_every,
                              callback=every_log_point, progress=not a.no_progress)
        elif a.resume:
            print(f"{self.name}: the checkpoint is at iteration {start} >= {total}: "
                  "nothing to train")
        if not saved or saved[-1] != trainer.iteration:
            self.save(trainer, arch)                 # the final state, if not saved just now
        self.finish(trainer, arch)
        return trainer
