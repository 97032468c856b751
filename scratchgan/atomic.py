"""Writing a file so that a crash never leaves half of it: temporary file, fsync, rename.

A run killed while ``numpy.save`` writes ``samples.npy`` leaves a truncated
file where a good one was.  Every file scratchgan writes goes through
``atomic_path`` instead:

1. write to a temporary file in the same folder, ``.<name>.tmp-XXXX<suffix>``
   (same folder: the rename below must not cross file systems);
2. flush it to disk (fsync) and give it the permissions the umask allows, as
   a plain ``open`` would (``mkstemp`` creates 0600);
3. ``os.replace`` it over the target: one atomic step, so a reader sees the
   old complete file or the new complete file, never a mix.  The rename
   replaces a symbolic link planted at the target instead of writing through it.

If anything fails in between, the temporary file is removed and the old file
is untouched.  A process killed with ``kill -9`` cannot clean up after itself:
``remove_stale_temporaries(folder)`` does it at the next start.
"""
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy

TMP_MARK = ".tmp-"


def _umask_mode():
    """The mode a plain open() would give a new file: 0o666 minus the umask."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _fsync_folder(folder):
    """Make the rename itself durable (POSIX; elsewhere a no-op)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def atomic_path(path):
    """``with atomic_path(p) as tmp:`` write the file ``tmp``; on leaving the
    block it replaces ``p`` atomically (or is removed, if the block raised).

    ``tmp`` ends in ``p``'s suffix, so writers that pick a format by the file
    name (matplotlib, Pillow) pick the right one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}{TMP_MARK}",
                               suffix=path.suffix)
    os.close(fd)
    try:
        yield Path(tmp)
        with open(tmp, "rb+") as f:          # the writer may have closed it unflushed
            os.fsync(f.fileno())
        os.chmod(tmp, _umask_mode())
        os.replace(tmp, path)
    except BaseException:
        if os.path.lexists(tmp):
            os.unlink(tmp)
        raise
    _fsync_folder(path.parent)


@contextmanager
def atomic_open(path, mode="wb", **kwargs):
    """``open`` for writing, atomically: ``with atomic_open(p, "w") as f: ...``."""
    with atomic_path(path) as tmp:
        with open(tmp, mode, **kwargs) as f:
            yield f
            f.flush()


def save_npy(path, array):
    """``numpy.save`` atomically (the file name is kept as given)."""
    with atomic_open(path, "wb") as f:
        numpy.save(f, array)
    return Path(path)


def remove_stale_temporaries(folder):
    """Delete the temporary files that killed runs left in ``folder`` (and its
    sub-folders); returns their paths."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    stale = [p for p in folder.rglob(f".*{TMP_MARK}*") if p.is_file() or p.is_symlink()]
    for p in stale:
        p.unlink()
    return stale
