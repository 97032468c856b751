"""What every toy demo shares: command-line flags, device and seed, small MLPs,
and writing the results (samples.npy, history.csv, training curves) to --out.

Kept out of the demos so that each of them reads as the algorithm only.
"""
import argparse
import os
import sys
import time
import warnings

# These networks are tiny: multi-threaded BLAS only adds overhead, and on a busy
# machine its spinning threads slow a run down tenfold.  Must precede numpy's import.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

try:
    import scratchgan                                     # installed (pip install -e .)
except ImportError:                                       # run from a source checkout
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    import scratchgan

import numpy

from scratchgan import backend, nn, optim, viz
from scratchgan.gan.diagnostics import GANWarning


def parser(description, iters, batch_size, lr, k=1, out=None, optimizer="Adam"):
    """The flags every demo has, with this demo's defaults."""
    p = argparse.ArgumentParser(description=description,
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--iters", type=int, default=iters, help="training iterations")
    p.add_argument("--batch-size", type=int, default=batch_size, help="minibatch size m")
    p.add_argument("--k", type=int, default=k, help="D steps per G step")
    p.add_argument("--lr", type=float, default=lr, help=f"learning rate of G and D ({optimizer})")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=out or os.path.join(
        "out", os.path.splitext(os.path.basename(sys.argv[0]))[0]), help="output folder")
    p.add_argument("--device", choices=("cpu", "gpu"), default="cpu",
                   help="gpu runs on CuPy")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def setup(args):
    """Select the device, seed the generator, create --out."""
    if args.device == "gpu":
        try:
            scratchgan.set_backend("cupy")
        except backend.BackendError as e:
            sys.exit(f"--device gpu: {e}\nRun with --device cpu instead.")
    backend.manual_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    # The trainer prints its warnings as plain "WARNING ..." lines on the console;
    # the Python warning with its source line would say the same thing twice.
    warnings.simplefilter("ignore", GANWarning)
    print(f"device={args.device} seed={args.seed} iters={args.iters} "
          f"batch_size={args.batch_size} k={args.k} lr={args.lr} out={args.out}")
    return time.time()


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
    numpy.save(os.path.join(args.out, "samples.npy"), samples)
    trainer.to_csv(os.path.join(args.out, "history.csv"))
    viz.plot_history(trainer.history, os.path.join(args.out, "curves.png"),
                     **trainer.d_loss_terms())
    print(f"trained {trainer.iteration} iterations in {time.time() - t0:.1f} s; "
          f"wrote samples.npy, history.csv, curves.png to {args.out}")
    return samples
