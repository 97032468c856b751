"""Numeric tables from CSV files, with missing cells as NaN (for GAIN).

``read_csv(path)`` reads any comma-separated table of numbers with a header
row into (column names, float32 array).  An empty cell, ``nan``, ``NA`` or
``?`` is a missing value and becomes NaN: that is what a user's real table
looks like, and the imputation code takes its mask from it.  Anything else
that is not a number, a row with the wrong number of cells, or a file
without a header or rows raises ``DataError`` naming the file, the line and
the column.

``load_table(name)`` finds the GAIN paper's two UCI tables by name:

    letter   20000 x 16   UCI Letter Recognition (integer features 0..15)
    spam      4601 x 57   UCI Spambase (continuous features)

looking, in order, in ``data_dir/gain/`` and ``data_dir/``, in
``$SCRATCHGAN_DATA/gain/`` and in the downloads cache (``~/.cache/scratchgan/gain``);
if none holds it, it downloads the file from
the GAIN authors' public repository into the cache, keeping it only if its
SHA-256 matches.  Any other argument is read as a path to a CSV file.
"""
import csv
import math
import os
from pathlib import Path

import numpy

from .idx import DataError
from . import mnist
from .download import download_file

#: The GAIN authors' repository serves both files (github.com/jsyoon0823/GAIN).
URL = "https://raw.githubusercontent.com/jsyoon0823/GAIN/master/data/{file}"

TABLES = {
    "letter": {"file": "letter.csv", "shape": (20000, 16), "bytes": 672669,
               "sha256": "42835dcd77d1ca6f9cd57b32062683ea836d2fac741be629a76f926396280465"},
    "spam": {"file": "spam.csv", "shape": (4601, 57), "bytes": 689586,
             "sha256": "0097a29db5e48ecb268afd175d4f0b603f3cd16d000ca43328ca8ce739070938"},
}

MISSING = {"", "nan", "na", "n/a", "?", "null"}   # (case-insensitive) cells read as NaN
MAX_BYTES = 1 << 30                               # a CSV larger than 1 GiB is refused


def read_csv(path):
    """(column names, float32 array (rows, columns)); missing cells are NaN."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file (expected a CSV table with a header row)")
    if path.stat().st_size > MAX_BYTES:
        raise DataError(f"{path}: {path.stat().st_size:,} bytes; tables over "
                        f"{MAX_BYTES:,} bytes are refused")
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            lines = list(csv.reader(fh))
    except UnicodeDecodeError as e:
        raise DataError(f"{path}: not a text CSV file ({e.reason} at byte {e.start})") from None
    except csv.Error as e:
        raise DataError(f"{path}: not a readable CSV file ({e})") from None
    lines = [(n, line) for n, line in enumerate(lines, start=1) if any(c.strip() for c in line)]
    if not lines:
        raise DataError(f"{path}: the file is empty (expected a header row and rows of numbers)")
    header_line, header = lines[0]
    columns = [c.strip() for c in header]
    if all(_number(c) is not None for c in columns):
        raise DataError(f"{path}: line {header_line} holds only numbers; the first row must be "
                        f"a header with the column names")
    if len(lines) == 1:
        raise DataError(f"{path}: a header but no rows of data")
    table = numpy.empty((len(lines) - 1, len(columns)), dtype=numpy.float64)
    for r, (n, line) in enumerate(lines[1:]):
        if len(line) != len(columns):
            raise DataError(f"{path}: line {n} has {len(line)} cells, but the header has "
                            f"{len(columns)} columns (ragged rows)")
        for c, cell in enumerate(line):
            value = _number(cell)
            if value is None:
                raise DataError(f"{path}: line {n}, column {c + 1} ({columns[c]!r}): "
                                f"{cell.strip()!r} is not a number (missing cells may be "
                                f"empty, NaN, NA or ?)")
            table[r, c] = value
    too_large = numpy.abs(numpy.nan_to_num(table, nan=0.0, posinf=numpy.inf,
                                          neginf=numpy.inf)) > numpy.finfo(numpy.float32).max
    if too_large.any():
        r, c = numpy.argwhere(too_large)[0]
        raise DataError(f"{path}: row {r + 1} of the data, column {c + 1} "
                        f"({columns[c]!r}) is infinite or too large for float32")
    return columns, table.astype(numpy.float32)


def _number(cell):
    """float(cell), NaN for a missing cell, None for anything else."""
    text = cell.strip()
    if text.lower() in MISSING:
        return math.nan
    try:
        return float(text)
    except ValueError:
        return None


def search_dirs(data_dir=None):
    """The folders searched for the named tables, in order (see the module doc)."""
    dirs = []
    if data_dir is not None:
        dirs += [Path(data_dir) / "gain", Path(data_dir)]
    env = os.environ.get(mnist.ENV_VAR)
    if env:
        dirs.append(Path(env) / "gain")
    dirs.append(cache_dir())
    return dirs


def cache_dir():
    """Where downloaded tables are kept."""
    return mnist.default_cache_dir("mnist").parent / "gain"


def find_table(name, data_dir=None):
    """The path of a named table in the search folders, or None."""
    for folder in search_dirs(data_dir):
        path = folder / TABLES[name]["file"]
        if path.is_file():
            return path
    return None


def load_table(name_or_path, data_dir=None, download=True):
    """(column names, float32 array) of ``letter``, ``spam`` or a CSV path.

    A named table is checked against its known shape (and, when downloaded,
    its SHA-256); ``download=False`` never touches the network.
    """
    name = str(name_or_path)
    if name not in TABLES:
        if data_dir is not None and not Path(name).is_absolute() and not Path(name).is_file():
            candidate = Path(data_dir) / name
            if candidate.is_file():
                return read_csv(candidate)
        return read_csv(name)
    info = TABLES[name]
    path = find_table(name, data_dir)
    if path is None:
        if not download:
            raise DataError(f"the {name} table ({info['file']}) is not in any of "
                            f"{', '.join(str(d) for d in search_dirs(data_dir))}; "
                            f"downloads are off: put the file in --data-dir")
        path = cache_dir() / info["file"]
        url = URL.format(file=info["file"])
        print(f"downloading {url} to {path}")
        try:
            download_file(url, path, info["sha256"], max_bytes=info["bytes"])
        except (OSError, TimeoutError) as e:
            raise DataError(f"could not download the {name} table from {url} ({e}); put "
                            f"{info['file']} in --data-dir instead") from None
    columns, table = read_csv(path)
    if table.shape != info["shape"]:
        raise DataError(f"{path}: expected the {name} table of shape {info['shape']}, got "
                        f"{table.shape}; the file is damaged or a different table")
    return columns, table
