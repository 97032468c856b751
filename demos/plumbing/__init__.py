"""The plumbing every demo shares: flags, device and seed, and writing results.

Kept out of the demos so that each demo reads as the algorithm only, and out
of the library: ``scratchgan`` is what your own script calls, this package is
what the demo scripts call around it.  (``demos/gan_loop.py`` does without
most of it, to show the whole loop on one page.)  One job per file:

* ``flags.py``        ``make_parser``: the same flags, help and defaults in every
                      demo; the argparse types; ``--threads``
* ``errors.py``       ``select_device`` (``--device``), ``run_script``: one line
                      and an exit status for bad input, divergence and Ctrl-C
* ``output.py``       ``prepare_out``: --out checked, an earlier run never overwritten
* ``toy.py``          the toy demos: ``setup``, ``mlp``, ``gan_adam``, ``snapshot_iters``,
                      ``save_samples_and_curves``
* ``checkpoints.py``  ``save_run``, ``load_run`` and the flags a resume must keep
* ``images.py``       ``load_images``, epochs as iterations, one-hot labels, fixed noise
* ``image_run.py``    ``ImageRun``: data, fixed grid noise, checkpoints and
                      ``--resume``, sample grids, ``fit``

Every demo sets its BLAS threads itself, first thing (``threads.py``);
``make_parser`` adds the ``--threads`` flag that goes with it.
"""
import os
import sys

try:
    try:
        import scratchgan  # noqa: F401                   # installed (pip install -e .)
    except ImportError:                                   # run from a source checkout
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
        import scratchgan                                 # noqa: F401
except RuntimeError as e:                  # SCRATCHGAN_BACKEND=cupy where CuPy cannot run
    if type(e).__name__ != "BackendError" or "--debug" in sys.argv:
        raise
    print(f"error: {e}", file=sys.stderr)
    sys.exit(2)

from scratchgan.gan.diagnostics import TrainingDiverged                       # noqa: E402
from .checkpoints import (ADJUSTABLE_KEYS, CHECKPOINT, CONFIG_KEYS, load_run,  # noqa: E402
                          save_run)
from .errors import (BAD_INPUT, FlagError, OutputError, interrupted, run_script,  # noqa: E402
                     select_device)
from .flags import (DemoParser, HelpFormatter, add_threads_flag, folder, fraction,  # noqa: E402
                    make_parser, nonnegative_float, nonnegative_int, positive_float,
                    positive_int, seed_int, unit_interval)
from .image_run import ImageRun                                               # noqa: E402
from .images import (CLASS_NAMES, epochs_to_iters, fixed_noise, iters_from_epochs,  # noqa: E402
                     load_images, onehot)
from .output import RUN_FILES, prepare_out                                    # noqa: E402
from .toy import gan_adam, save_samples_and_curves, mlp, progress, setup, snapshot_iters           # noqa: E402

__all__ = ["ADJUSTABLE_KEYS", "CHECKPOINT", "CONFIG_KEYS", "load_run", "save_run", "BAD_INPUT",
           "FlagError", "OutputError", "interrupted", "run_script", "select_device",
           "DemoParser", "HelpFormatter", "add_threads_flag", "folder", "fraction",
           "make_parser", "nonnegative_float", "nonnegative_int", "positive_float",
           "positive_int", "seed_int", "unit_interval", "ImageRun", "CLASS_NAMES",
           "epochs_to_iters", "fixed_noise", "iters_from_epochs", "load_images", "onehot",
           "RUN_FILES", "prepare_out", "gan_adam", "save_samples_and_curves", "mlp", "progress", "setup",
           "snapshot_iters", "TrainingDiverged"]
