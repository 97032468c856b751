"""Checkpoints: everything needed to resume a GAN, in one ``.npz`` file.

A GAN's training state is more than G's weights: D's weights, both
optimizers' moment estimates (Adam without its ``exp_avg`` restarts with a
jolt), the iteration count and the random generator's state.  All of it is
arrays and scalars, so it fits NumPy's ``.npz`` format: a zip of ``.npy``
files, one per key.  Keys are prefixed by what they belong to::

    meta/format, meta/version       "scratchgan-checkpoint", 1
    meta/iteration, meta/arch       the iteration, an architecture string
    model/G/0.weight                model "G"'s state_dict entry "0.weight"
    optim/D/exp_avg                 optimizer "D"'s state_dict entry "exp_avg"
    rng/keys, rng/pos, ...          backend.get_rng_state()
    extra/<key>                     anything else: arrays, numbers, strings

Nested dicts are stored with ``/`` between the levels and come back nested.
Strings are stored as 0-d unicode arrays and numbers as 0-d arrays, so the
file is read with ``allow_pickle=False``: loading a checkpoint never runs code.

Two promises:

* the write is atomic: the data goes to a temporary file in the same folder,
  is flushed to disk, and only then replaces ``path`` (``os.replace``), so a
  crash mid-save leaves the previous checkpoint intact;
* loading checks everything first (the file is readable, it has every model
  and optimizer asked for, with the same keys and shapes, and the same
  ``arch``), and only then writes into the models and optimizers.  A bad
  checkpoint raises ``CheckpointError`` and leaves them untouched.

This file is over 300 lines because saving and loading must mirror each
other line for line: one reader checks that what is written is what is read.
"""
import os
import zipfile
import zlib
from pathlib import Path

import numpy

from . import backend
from .atomic import atomic_open

FORMAT = "scratchgan-checkpoint"
VERSION = 1
_EMPTY = "__empty_dict__"          # marks a nested dict with no entries


class CheckpointError(ValueError):
    """A checkpoint is damaged, or does not fit the models it is loaded into."""


# ------------------------------------------------------------------ saving
def _to_array(value, key):
    """A host NumPy array for ``value``; objects that would need pickle are refused."""
    if hasattr(value, "detach"):                    # a torch tensor
        value = value.detach().cpu().numpy()
    array = backend.to_host(value) if backend.is_gpu_array(value) else numpy.asarray(value)
    if array.dtype.kind == "O":
        raise CheckpointError(f"save_checkpoint: '{key}' is a {type(value).__name__}, "
                              "which .npz cannot hold without pickle; store arrays, "
                              "numbers, booleans or strings")
    return array


def _flatten(prefix, mapping, out):
    """Add ``mapping``'s entries to ``out`` as ``prefix/key`` (dicts recurse)."""
    if not mapping:
        out[f"{prefix}/{_EMPTY}"] = numpy.array(True)
    for key, value in mapping.items():
        key = str(key)
        if not key or "/" in key:
            raise CheckpointError(f"save_checkpoint: key {key!r} under '{prefix}' must be "
                                  "a non-empty string without '/'")
        if isinstance(value, (list, tuple)) and value and all(isinstance(v, dict) for v in value):
            value = {str(i): v for i, v in enumerate(value)}    # a list of dicts: by index
        if isinstance(value, dict):
            _flatten(f"{prefix}/{key}", value, out)
        else:
            out[f"{prefix}/{key}"] = _to_array(value, f"{prefix}/{key}")


def save_checkpoint(path, *, models=None, optimizers=None, iteration=None,
                    rng_state=None, extra=None, arch=None):
    """Write one ``.npz`` checkpoint atomically; see the module doc for its layout.

    ``models`` and ``optimizers`` map names (e.g. "G", "D") to objects with a
    ``state_dict()``.  ``rng_state`` is usually ``backend.get_rng_state()``,
    ``arch`` a string naming the architecture (checked again on load).
    Returns the path written.
    """
    arrays = {"meta/format": numpy.array(FORMAT), "meta/version": numpy.array(VERSION)}
    if iteration is not None:
        arrays["meta/iteration"] = numpy.array(int(iteration), dtype=numpy.int64)
    if arch is not None:
        arrays["meta/arch"] = numpy.array(str(arch))
    for group, objects in (("model", models), ("optim", optimizers)):
        for name, obj in (objects or {}).items():
            _flatten(f"{group}/{_check_name(name)}", obj.state_dict(), arrays)
    if rng_state is not None:
        _flatten("rng", rng_state, arrays)
    if extra:
        _flatten("extra", extra, arrays)
    return _atomic_savez(Path(path), arrays)


def _check_name(name):
    if not isinstance(name, str) or not name or "/" in name:
        raise CheckpointError(f"save_checkpoint: name {name!r} must be a non-empty "
                              "string without '/'")
    return name


def _atomic_savez(path, arrays):
    """Temporary file in the same folder, fsync, then os.replace over ``path``
    (``atomic.py``): a crash leaves the previous checkpoint whole."""
    with atomic_open(path, "wb") as f:
        numpy.savez(f, **arrays)          # _to_array refused object arrays
    return path


# ------------------------------------------------------------------ loading
def _damaged(path, why):
    return CheckpointError(
        f"{path}: cannot read this checkpoint: {why}. The file is damaged (a copy "
        "or save cut short?) or is not a scratchgan checkpoint; use an earlier "
        "checkpoint or train from scratch.")


#: A checkpoint may expand to at most this many bytes, or 50 times its size on
#: disk, whichever is more (numpy.savez stores, it does not compress).
MAX_EXPANDED_BYTES = 1 << 30


def _check_members(path, f):
    """Before any array is allocated: every member's declared size against the
    caps, and its .npy header (dtype, shape) against the bytes it really holds.
    A crafted file (a zip bomb, a header declaring a huge shape, an object
    array) is refused here, naming the entry."""
    try:
        archive = zipfile.ZipFile(f)
    except zipfile.BadZipFile:
        return                             # not a zip: numpy.load says what it is
    with archive:
        members = archive.infolist()
        total = sum(m.file_size for m in members)
        cap = max(MAX_EXPANDED_BYTES, 50 * os.fstat(f.fileno()).st_size)
        if total > cap:
            raise _damaged(path, f"its entries expand to {total:,} bytes, more than the "
                                 f"{cap:,} allowed for a file of this size")
        for m in members:
            entry = m.filename[:-4] if m.filename.endswith(".npy") else m.filename
            try:
                with archive.open(m) as member:
                    version = numpy.lib.format.read_magic(member)
                    read_header = (numpy.lib.format.read_array_header_1_0 if version == (1, 0)
                                   else numpy.lib.format.read_array_header_2_0)
                    shape, _, dtype = read_header(member, max_header_size=10000)
            except (ValueError, OSError, EOFError, zipfile.BadZipFile, zlib.error) as e:
                raise _damaged(path, f"entry {entry!r}: {e}") from None
            if dtype.hasobject:
                raise _damaged(path, f"entry {entry!r} is an object array (it would "
                                     "need pickle, which scratchgan never loads)")
            declared = int(numpy.prod(shape, dtype=numpy.float64)) * dtype.itemsize
            if declared > m.file_size:
                raise _damaged(path, f"entry {entry!r} declares shape {shape} of {dtype} "
                                     f"({declared:,} bytes) but holds {m.file_size:,}")
    f.seek(0)


def _read(path):
    """Every array of the file, read eagerly, or CheckpointError."""
    try:
        # Our own file handle: numpy.load leaks its handle on a damaged zip.
        with open(path, "rb") as f:
            _check_members(path, f)
            npz = numpy.load(f, allow_pickle=False)
            if not isinstance(npz, numpy.lib.npyio.NpzFile):
                raise _damaged(path, "it holds a single .npy array, not an .npz archive")
            with npz:
                raw = {key: npz[key] for key in npz.files}
    except CheckpointError:
        raise
    except FileNotFoundError:
        raise CheckpointError(f"{path}: no such checkpoint file") from None
    except (ValueError, OSError, EOFError, KeyError, zipfile.BadZipFile, zlib.error) as e:
        raise _damaged(path, f"{type(e).__name__}: {e}") from None
    fmt = raw.get("meta/format")
    if fmt is None or fmt.shape != () or str(fmt) != FORMAT:
        raise _damaged(path, "the key meta/format is missing")
    version = int(raw["meta/version"]) if "meta/version" in raw else None
    if version != VERSION:
        raise CheckpointError(f"{path}: checkpoint format version {version}, but this "
                              f"scratchgan reads version {VERSION}")
    return raw


def _value(array):
    """0-d arrays back to Python numbers and strings; other arrays as they are."""
    return array.item() if array.shape == () else array


def _unflatten(raw, prefix, scalars=True):
    """The nested dict stored under ``prefix/`` (None when there is none)."""
    tree, found, start = {}, False, len(prefix) + 1
    for key, array in raw.items():
        if not key.startswith(prefix + "/"):
            continue
        found = True
        *parents, leaf = key[start:].split("/")
        node = tree
        for part in parents:
            node = node.setdefault(part, {})
        if leaf != _EMPTY:
            node[leaf] = _value(array) if scalars else array
    return tree if found else None


def _names(raw, group):
    return sorted({key.split("/")[1] for key in raw if key.startswith(group + "/")})


def _compare(stored, own, what):
    """Problems between a stored state dict and an object's current one."""
    problems = []
    missing = [k for k in own if k not in stored]
    unexpected = [k for k in stored if k not in own]
    if missing:
        problems.append(f"{what}: keys missing from the checkpoint: {missing}")
    if unexpected:
        problems.append(f"{what}: keys the checkpoint has but the object lacks: {unexpected}")
    for key in own:
        if key in stored:
            if isinstance(own[key], (dict, list)) or isinstance(stored[key], (dict, list)):
                continue                  # nested (an optimizer's param_groups): its own load checks
            want, got = _shape(own[key]), _shape(stored[key])
            if want != got:
                problems.append(f"{what}: '{key}' has shape {got} in the checkpoint, "
                                f"{want} in the object")
                continue
            value = numpy.asarray(stored[key]) if not hasattr(stored[key], "dtype") else stored[key]
            if hasattr(own[key], "dtype") and own[key].dtype.kind == "f":
                if value.dtype.kind not in "fiu":
                    problems.append(f"{what}: '{key}' holds {value.dtype} values in the "
                                    "checkpoint, numbers were expected")
                elif not numpy.isfinite(value).all():
                    problems.append(f"{what}: '{key}' holds NaN or Inf in the checkpoint "
                                    "(saved from a run that had diverged?)")
    return problems


def _shape(value):
    """The shape of an array on either device, or of a number (())."""
    return tuple(value.shape) if hasattr(value, "shape") else numpy.shape(value)


def copy_state(state):
    """A copy of a state dict: arrays copied on their own device, nested dicts
    (an optimizer's ``param_groups``) copied too, numbers and strings as they are.
    The one copy helper: checkpoint rollback, the trainer's last good state and
    the sample grids' BatchNorm statistics all use it."""
    out = {}
    for k, v in state.items():
        if isinstance(v, dict):
            out[k] = copy_state(v)
        elif isinstance(v, list):
            out[k] = [copy_state(x) if isinstance(x, dict) else x for x in v]
        elif hasattr(v, "shape") and hasattr(v, "copy"):
            out[k] = backend.get_array_module(v).array(v, copy=True)
        else:
            out[k] = v
    return out


def load_checkpoint(path, models=None, optimizers=None, arch=None):
    """Read a checkpoint and, if given, load it into ``models`` and ``optimizers``.

    Everything is validated before anything is written: on any problem a
    ``CheckpointError`` names the file and what differs, and the models and
    optimizers are left exactly as they were.  ``arch``, if given, must equal
    the stored architecture string.

    Returns a dict with ``iteration`` (int or None), ``arch`` (str or None),
    ``rng_state`` (dict or None; restore it with ``backend.set_rng_state``),
    ``extra`` (dict), and ``models`` / ``optimizers`` (name -> state dict of
    NumPy arrays), whatever was or was not loaded.
    """
    path = Path(path)
    raw = _read(path)
    stored_arch = _value(raw["meta/arch"]) if "meta/arch" in raw else None
    result = {
        "path": path,
        "iteration": _value(raw["meta/iteration"]) if "meta/iteration" in raw else None,
        "arch": stored_arch,
        "rng_state": _unflatten(raw, "rng"),
        "extra": _unflatten(raw, "extra") or {},
        "models": {n: _unflatten(raw, f"model/{n}", scalars=False)
                   for n in _names(raw, "model")},
        "optimizers": {n: _unflatten(raw, f"optim/{n}") for n in _names(raw, "optim")},
    }

    # 1. validate everything
    problems = []
    it = result["iteration"]
    if it is not None and not (isinstance(it, int) and not isinstance(it, bool)
                               and 0 <= it < 10 ** 12):
        problems.append(f"meta/iteration: {it!r} is not an iteration count "
                        "(an integer from 0 up)")
    if arch is not None and stored_arch is not None and str(arch) != stored_arch:
        problems.append(f"architecture: the checkpoint is {stored_arch!r}, "
                        f"the models are {str(arch)!r}")
    for group, objects, what in (("models", models, "model"),
                                 ("optimizers", optimizers, "optimizer")):
        for name, obj in (objects or {}).items():
            stored = result[group].get(name)
            if stored is None:
                problems.append(f"{what} {name!r}: not in the checkpoint (it has "
                                f"{sorted(result[group]) or 'none'})")
            else:
                problems += _compare(stored, obj.state_dict(), f"{what} {name!r}")
    if problems:
        raise CheckpointError(f"{path} does not fit (nothing was loaded):\n  "
                              + "\n  ".join(problems))

    # 2. load, rolling back if an object's own load_state_dict still objects
    done, failing = [], None
    try:
        for group, objects in (("models", models), ("optimizers", optimizers)):
            for name, obj in (objects or {}).items():
                failing = (obj, copy_state(obj.state_dict()))
                obj.load_state_dict(result[group][name])
                done.append(failing)
                failing = None
    except Exception as e:
        for obj, backup in reversed(done):
            obj.load_state_dict(backup)
        if failing is not None:           # it may have written part before raising
            try:
                failing[0].load_state_dict(failing[1])
            except Exception:
                pass                      # it refuses its own state too: nothing to undo
        raise CheckpointError(f"{path}: loading failed and was rolled back: "
                              f"{type(e).__name__}: {e}") from e
    return result
