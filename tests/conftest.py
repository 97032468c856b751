"""Shared fixtures: every layer test runs on NumPy, and on CuPy where a GPU exists."""
import http.server
import sys
import threading
import time
from pathlib import Path

import numpy
import pytest

from scratchgan import backend, strict_device
from scratchgan.data import write_idx

# "strict": the CuPy code path on a CPU stand-in that refuses what CuPy refuses
# (scratchgan/strict_device.py), so the GPU path is tested on every machine.
BACKENDS = ["numpy", "cupy", "strict"]

# The demos import their shared plumbing (demos/plumbing/) by name, as a
# script's folder is on the path when it runs; the tests do the same.
DEMOS = str(Path(__file__).resolve().parents[1] / "demos")
if DEMOS not in sys.path:
    sys.path.insert(0, DEMOS)


@pytest.fixture(params=BACKENDS)
def backend_name(request):
    """Select the backend for one test, restoring NumPy (and seed, dtype) after.

    The CuPy case skips cleanly when CuPy or a GPU is missing (as on CI); the
    strict stand-in runs everywhere.
    """
    name = request.param
    if name == "cupy" and not backend.gpu_available():
        pytest.skip("CuPy backend: no CuPy or no CUDA GPU on this machine")
    if name == "strict":
        backend.set_device_module(strict_device)
        strict_device.reset()
    backend.set_backend("numpy" if name == "numpy" else "cupy")
    backend.manual_seed(0)
    yield name
    backend.set_device_module(None)            # (also back to NumPy)
    backend.set_default_dtype(numpy.float32)
    backend.manual_seed(0)


@pytest.fixture
def device():
    """The strict stand-in plays CuPy for one test (its ``counts`` start at 0);
    NumPy again afterwards."""
    backend.set_device_module(strict_device)
    backend.set_backend("cupy")
    backend.manual_seed(0)
    strict_device.reset()
    yield strict_device
    backend.set_device_module(None)
    backend.manual_seed(0)


@pytest.fixture
def xp(backend_name):
    """The array module (numpy or cupy) of the selected backend."""
    return backend.get_xp()



@pytest.fixture
def numpy_backend():
    """The NumPy backend for the image-demo tests, whatever ran before."""
    backend.set_backend("numpy")
    yield
    backend.set_backend("numpy")
    backend.manual_seed(0)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    """A fake MNIST training split of 64 random 'digits' (no download, no files needed)."""
    root = tmp_path_factory.mktemp("data")
    rs = numpy.random.RandomState(0)
    write_idx(root / "train-images-idx3-ubyte.gz", rs.randint(0, 256, (64, 28, 28)).astype(numpy.uint8))
    write_idx(root / "train-labels-idx1-ubyte.gz", (numpy.arange(64) % 10).astype(numpy.uint8))
    return root


# Hypothesis: CI draws the same examples every run (a red CI is reproducible).
from hypothesis import settings  # noqa: E402

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if __import__("os").environ.get("CI") else "dev")


# A loopback HTTP server for the download tests (no network: 127.0.0.1 only).
class _Handler(http.server.BaseHTTPRequestHandler):
    """Serves ``routes[path]``; a ``("cut", bytes)`` route stops half way."""

    def do_GET(self):
        self.server.log.append(self.path)
        body = self.server.routes.get(self.path)
        if body is None:
            self.send_error(404)
            return
        if isinstance(body, tuple) and body[0] == "slow":      # a byte every 50 ms
            self.send_response(200)
            self.send_header("Content-Length", str(len(body[1])))
            self.end_headers()
            try:
                for i in range(len(body[1])):
                    self.wfile.write(body[1][i:i + 1])
                    self.wfile.flush()
                    time.sleep(0.05)
            except (BrokenPipeError, ConnectionResetError):
                pass
            return
        if isinstance(body, tuple) and body[0] == "endless":   # no length, never stops
            self.send_response(200)
            self.end_headers()
            try:
                while True:
                    self.wfile.write(b"\0" * 65536)
            except (BrokenPipeError, ConnectionResetError):
                pass
            return
        cut = isinstance(body, tuple)
        body = body[1] if cut else body
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[:len(body) // 2] if cut else body)
        if cut:
            self.close_connection = True

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    """An HTTP server on 127.0.0.1 serving ``server.routes``; ``server.log`` lists the
    paths asked for.  Stopped after the test."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.routes, httpd.log = {}, []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield httpd
    httpd.shutdown()
    httpd.server_close()
