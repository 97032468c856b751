"""The toy demos' pieces: setup (device, seed, --out), small MLPs, Adam with
beta1 = 0.5, snapshot iterations and the files written at the end."""
import os
import sys
import time
import warnings

from scratchgan import backend, nn, optim, viz
from scratchgan.atomic import save_npy
from scratchgan.gan.diagnostics import GANWarning

from .errors import OutputError, _one_line_errors, select_device
from .output import prepare_out


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


def gan_adam(module, lr, beta1=0.5):
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


def save_samples_and_curves(trainer, args, t0, n=10000):
    """Write samples.npy (n samples of G), history.csv and curves.png; return the samples."""
    samples = trainer.generate(n)
    save_npy(os.path.join(args.out, "samples.npy"), samples)
    trainer.to_csv(os.path.join(args.out, "history.csv"))
    viz.plot_history(trainer.history, os.path.join(args.out, "curves.png"),
                     **trainer.d_loss_terms())
    print(f"trained {trainer.iteration} iterations in {time.time() - t0:.1f} s; "
          f"wrote samples.npy, history.csv, curves.png to {args.out}")
    return samples
