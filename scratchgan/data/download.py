"""A download that never leaves a wrong or half file under the real name.

The bytes go to a temporary file beside the destination and are hashed as
they arrive; only a file whose SHA-256 is the expected one is renamed into
place.  Used by the MNIST loaders (``mnist.py``) and the GAIN tables
(``tabular.py``); tests serve fixtures from a loopback HTTP server.
"""
import hashlib
import os
import tempfile
import time
import urllib.request
from pathlib import Path

from .idx import DataError

TIMEOUT = 30          # seconds a single read may wait
DEADLINE = 600        # seconds one file's download may take in all (a slow server
                      # sending a byte now and then would otherwise hold a run forever)


def _progress(total, desc, enabled):
    """A download progress bar (tqdm is a dependency), or None when switched off."""
    if not enabled:
        return None
    from tqdm import tqdm
    return tqdm(total=total, desc=desc, unit="B", unit_scale=True, unit_divisor=1024)


def download_file(url, dest, sha256, progress=True, timeout=None, deadline=None,
                  max_bytes=None):
    """Download ``url`` to ``dest`` if and only if its SHA-256 is ``sha256``.

    The bytes go to a temporary file in ``dest``'s folder, hashed as they
    arrive; only a verified file is renamed to ``dest`` (``os.replace`` is
    atomic), so an interrupted or wrong download never leaves a half file
    under the real name.  ``timeout``: seconds one read may wait (default
    ``TIMEOUT``); ``deadline``: seconds the whole file may take (default
    ``DEADLINE``); ``max_bytes``: the most it may hold (a larger announced or
    received size stops it at once).  Raises ``DataError`` on a checksum
    mismatch or an oversized file, ``TimeoutError`` past the deadline, and
    ``OSError``/``urllib.error.URLError`` when the transfer fails.
    """
    deadline = DEADLINE if deadline is None else deadline
    start = time.monotonic()
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    try:
        digest = hashlib.sha256()
        request = urllib.request.Request(url, headers={"User-Agent": "scratchgan"})
        with os.fdopen(fd, "wb") as out, \
                urllib.request.urlopen(request, timeout=min(timeout or TIMEOUT, deadline)) \
                as response:
            length = response.headers.get("Content-Length")
            if max_bytes is not None and length and int(length) > max_bytes:
                raise DataError(f"{url}: announces {int(length):,} bytes, but the file is "
                                f"{max_bytes:,}; not downloaded")
            bar = _progress(int(length) if length else None, dest.name, progress)
            received = 0
            try:
                while True:
                    chunk = response.read1(1 << 16)      # what has arrived, up to 64 KB
                    if not chunk:
                        break
                    received += len(chunk)
                    if max_bytes is not None and received > max_bytes:
                        raise DataError(f"{url}: sent more than the file's {max_bytes:,} "
                                        "bytes; stopped and discarded")
                    if time.monotonic() - start > deadline:
                        raise TimeoutError(f"took more than {deadline:g} s in total "
                                           f"({received:,} bytes received); stopped")
                    out.write(chunk)
                    digest.update(chunk)
                    if bar is not None:
                        bar.update(len(chunk))
            finally:
                if bar is not None:
                    bar.close()
            out.flush()
            os.fsync(out.fileno())
        got = digest.hexdigest()
        if got != sha256:
            raise DataError(f"{url}: SHA-256 mismatch (expected {sha256}, got {got}); "
                            "the download was discarded")
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):           # failed, mismatched, or interrupted
            os.unlink(tmp)
    return dest
