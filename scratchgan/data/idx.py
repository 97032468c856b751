"""The IDX file format of MNIST and Fashion-MNIST, read and written with NumPy.

An IDX file is a tiny header followed by raw big-endian numbers::

    bytes 0-1   0x00 0x00                 (always zero)
    byte  2     type code                 0x08 ubyte, 0x09 byte, 0x0B short,
                                          0x0C int, 0x0D float, 0x0E double
    byte  3     ndim                      number of dimensions
    4*ndim      dims                      each a big-endian uint32
    rest        the payload               prod(dims) items, big-endian, C order

MNIST's images are ``ubyte`` with dims (N, 28, 28); its labels are ``ubyte``
with dims (N,).  The files are usually distributed gzipped; a gzip stream
starts with the two bytes 0x1f 0x8b, so we detect compression by content, not
by file name.

Every check below exists because a real download can go wrong: a proxy's HTML
error page saved under the data file's name, a download cut short, a file
decompressed by hand and renamed.  Each failure raises ``DataError`` naming
the file, what was expected, and how to fix it.
"""
import gzip as _gzip
import os
import tempfile
import zlib
from pathlib import Path

import numpy

GZIP_MAGIC = b"\x1f\x8b"

#: IDX type code -> big-endian NumPy dtype.
IDX_DTYPES = {
    0x08: numpy.dtype(">u1"),
    0x09: numpy.dtype(">i1"),
    0x0B: numpy.dtype(">i2"),
    0x0C: numpy.dtype(">i4"),
    0x0D: numpy.dtype(">f4"),
    0x0E: numpy.dtype(">f8"),
}
_CODES = {dt.newbyteorder("="): code for code, dt in IDX_DTYPES.items()}


class DataError(ValueError):
    """A data file is missing, damaged, or not what it claims to be."""


def _fail(path, problem, fix=None):
    fix = fix or ("The file is damaged or is not an IDX file: delete it and run "
                  "again to download a fresh copy (or replace it by hand).")
    return DataError(f"{path}: {problem}. {fix}")


def read_idx(path):
    """Read an IDX file (gzipped or raw) into a NumPy array of native byte order.

    Raises ``DataError`` when the header is invalid or the payload size does
    not equal ``prod(dims) * itemsize``.
    """
    path = Path(path)
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == GZIP_MAGIC:
        data = _gunzip_idx(data, path)
    return parse_idx(data, path)


#: The largest IDX payload read (MNIST's training images are 47 MB).
MAX_IDX_BYTES = 1 << 30


def _gunzip_idx(raw, path):
    """Decompress a gzipped IDX file, never more than its header says it holds.

    The header comes first: its dims give the payload's size, which must stay
    under ``MAX_IDX_BYTES``; then at most that many bytes (plus one, to notice
    trailing data) are decompressed.  A gzip bomb (a small file that expands to
    gigabytes) is refused without expanding it.
    """
    import io
    try:
        with _gzip.GzipFile(fileobj=io.BytesIO(raw)) as g:
            head = g.read(4)
            if len(head) < 4 or head[:2] != b"\x00\x00" or head[3] == 0:
                return head + g.read(64)               # parse_idx says what is wrong
            dims = g.read(4 * head[3])
            if len(dims) < 4 * head[3]:
                return head + dims
            shape = numpy.frombuffer(dims, ">u4").astype(numpy.float64)
            itemsize = IDX_DTYPES[head[2]].itemsize if head[2] in IDX_DTYPES else 1
            size = int(numpy.prod(shape)) * itemsize
            if size > MAX_IDX_BYTES:
                raise _fail(path, f"the header declares dims {tuple(int(d) for d in shape)}, "
                                  f"{size:,} bytes, more than the {MAX_IDX_BYTES:,} allowed")
            return head + dims + g.read(size + 1)
    except (EOFError, OSError, zlib.error) as e:
        # EOFError: the gzip stream stops early (a download cut short).
        raise _fail(path, f"the gzip stream is damaged or truncated ({e})") from None


def parse_idx(data, name="<bytes>"):
    """Parse the (already decompressed) bytes of an IDX file; see ``read_idx``."""
    if len(data) < 4:
        raise _fail(name, f"only {len(data)} bytes, too short for the 4-byte IDX header")
    if data[:2] != b"\x00\x00":
        hint = ""
        if data.lstrip()[:1] == b"<":
            hint = " (it looks like an HTML page: a mirror or proxy error saved as data)"
        raise _fail(name, f"expected the IDX magic 00 00 <type> <ndim>, found "
                          f"{data[:4].hex(' ')}{hint}")
    code, ndim = data[2], data[3]
    if code not in IDX_DTYPES:
        known = ", ".join(f"0x{c:02X}" for c in IDX_DTYPES)
        raise _fail(name, f"unknown IDX type code 0x{code:02X} (expected one of {known})")
    if ndim == 0:
        raise _fail(name, "the IDX header says 0 dimensions")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise _fail(name, f"the header announces {ndim} dimensions but the file "
                          f"ends after {len(data)} bytes")
    dims = tuple(int(d) for d in numpy.frombuffer(data, ">u4", count=ndim, offset=4))
    dtype = IDX_DTYPES[code]
    expected = int(numpy.prod(dims, dtype=numpy.int64)) * dtype.itemsize
    got = len(data) - header
    if got != expected:
        what = "truncated" if got < expected else "has trailing bytes"
        raise _fail(name, f"payload {what}: dims {dims} of {dtype.name} need "
                          f"{expected:,} bytes after the header, found {got:,}")
    array = numpy.frombuffer(data, dtype, offset=header).reshape(dims)
    return array.astype(dtype.newbyteorder("="))     # a writable native copy


def write_idx(path, array, gzip=True):
    """Write ``array`` as an IDX file (gzipped by default); the inverse of ``read_idx``.

    The write is atomic (a temporary file, then ``os.replace``), and gzip's
    timestamp is fixed at 0 so the same array always gives the same bytes.
    """
    array = numpy.asarray(array)
    native = array.dtype.newbyteorder("=")
    if native not in _CODES:
        raise TypeError(f"write_idx: IDX cannot store dtype {array.dtype}; use uint8, "
                        "int8, int16, int32, float32 or float64")
    if not 1 <= array.ndim <= 255:
        raise ValueError(f"write_idx: IDX needs 1 to 255 dimensions, got {array.ndim}")
    code = _CODES[native]
    header = bytes([0, 0, code, array.ndim]) + numpy.asarray(array.shape, ">u4").tobytes()
    data = header + numpy.ascontiguousarray(array, IDX_DTYPES[code]).tobytes()
    if gzip:
        data = _gzip.compress(data, mtime=0)
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path
