"""--out: never overwrite an earlier run, find an unwritable folder before
training, and clean up after a run killed while saving."""
import os
import shutil
import tempfile
import time
from pathlib import Path

from scratchgan.atomic import remove_stale_temporaries

from .errors import OutputError


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
