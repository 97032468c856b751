"""The flags every demo takes: argparse types that say what a value must be,
one parser with the demo's defaults, and --threads."""
import argparse
import math

import threads                                           # the BLAS thread policy (threads.py)


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
