"""The device flag, and how a demo ends: one line and an exit status for bad
input (2), a diverged run (1) and Ctrl-C (130), the traceback only with --debug."""
import os
import sys
from pathlib import Path

from scratchgan import backend
from scratchgan.checkpoint import CheckpointError
from scratchgan.data import DataError
from scratchgan.gan.diagnostics import TrainingDiverged

from .checkpoints import CHECKPOINT


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


def _one_line_errors(kind, error, traceback):
    """A toy demo's uncaught error: one line for the ones a user can act on."""
    if isinstance(error, (TrainingDiverged, *BAD_INPUT)):
        print(f"error: {error}", file=sys.stderr)
    elif isinstance(error, KeyboardInterrupt):
        print(f"\n{interrupted(checkpoint=False)}", file=sys.stderr)
    else:
        sys.__excepthook__(kind, error, traceback)
