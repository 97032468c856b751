"""Tests of scratchgan.data: the IDX reader, the MNIST loader and its downloads,
the minibatch sampler, and the synthetic and toy distributions.

No test touches the network: downloads are served by a loopback HTTP server
on 127.0.0.1 from fixture files made here, with the checksum table patched to
the fixtures' hashes.
"""
import gzip
import hashlib
import math
import time
from pathlib import Path

import numpy
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

from scratchgan import backend
from scratchgan.data import mnist, toy
from scratchgan.data.idx import DataError, parse_idx, read_idx, write_idx
from scratchgan.data.sampler import ArraySampler
from scratchgan.data.synthetic import vertical_lines, vertical_lines_sampler
from helpers import ROOT

SHARED_MNIST = ROOT.parent / "shared" / "data" / "mnist"


# ---------------------------------------------------------------- IDX format
@pytest.mark.parametrize("dtype", ["uint8", "int8", "int16", "int32", "float32", "float64"])
@pytest.mark.parametrize("compress", [True, False])
def test_idx_round_trip(tmp_path, dtype, compress):
    a = (numpy.arange(2 * 3 * 5) - 7).astype(dtype).reshape(2, 3, 5)
    path = write_idx(tmp_path / "a.idx", a, gzip=compress)
    b = read_idx(path)
    assert b.dtype == numpy.dtype(dtype) and b.dtype.isnative
    numpy.testing.assert_array_equal(a, b)
    assert b.flags.writeable
    assert (path.read_bytes()[:2] == b"\x1f\x8b") == compress


@settings(max_examples=30)
@given(hnp.arrays(st.sampled_from([numpy.uint8, numpy.int16, numpy.float64]),
                  hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=5)))
def test_idx_round_trip_property(a):
    data = write_and_read_bytes(a)
    numpy.testing.assert_array_equal(parse_idx(data), a)


def write_and_read_bytes(a):
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        path = write_idx(Path(d) / "x", a, gzip=False)
        return path.read_bytes()


def test_idx_header_layout(tmp_path):
    """Byte for byte what the format says: 00 00 08 03, then big-endian dims."""
    path = write_idx(tmp_path / "x", numpy.zeros((2, 28, 28), numpy.uint8), gzip=False)
    data = path.read_bytes()
    assert data[:4] == b"\x00\x00\x08\x03"
    assert data[4:16] == (2).to_bytes(4, "big") + (28).to_bytes(4, "big") * 2
    assert len(data) == 16 + 2 * 28 * 28


def test_gzip_detected_by_content_not_name(tmp_path):
    a = numpy.arange(10, dtype=numpy.uint8)
    raw = write_idx(tmp_path / "labels.gz", a, gzip=False)        # raw, named .gz
    zipped = write_idx(tmp_path / "labels", a, gzip=True)         # gzipped, no .gz
    numpy.testing.assert_array_equal(read_idx(raw), a)
    numpy.testing.assert_array_equal(read_idx(zipped), a)


def _header_error(tmp_path, data, match, name="bad-idx3-ubyte"):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(DataError, match=match) as info:
        read_idx(path)
    assert str(path) in str(info.value)                 # names the file
    assert "delete it" in str(info.value)               # and says how to fix it
    return info.value


def test_truncated_payload(tmp_path):
    good = write_idx(tmp_path / "g", numpy.zeros((3, 4, 4), numpy.uint8), gzip=False).read_bytes()
    err = _header_error(tmp_path, good[:-5], "truncated")
    assert "48 bytes" in str(err) and "found 43" in str(err)


def test_trailing_bytes(tmp_path):
    good = write_idx(tmp_path / "g", numpy.zeros(4, numpy.uint8), gzip=False).read_bytes()
    _header_error(tmp_path, good + b"\x00", "trailing bytes")


def test_truncated_gzip_stream(tmp_path):
    labels = (numpy.arange(5000) % 251).astype(numpy.uint8)
    zipped = gzip.compress(write_idx(tmp_path / "g", labels, gzip=False).read_bytes())
    _header_error(tmp_path, zipped[:len(zipped) // 2], "gzip")


def test_html_page_instead_of_data(tmp_path):
    _header_error(tmp_path, b"<html><body>403 Forbidden</body></html>", "HTML page")


def test_unknown_type_code(tmp_path):
    _header_error(tmp_path, b"\x00\x00\x07\x01" + (0).to_bytes(4, "big"), "type code 0x07")


@pytest.mark.parametrize("data", [b"", b"\x00\x00", b"\x00\x00\x08\x03\x00\x00"])
def test_header_too_short(tmp_path, data):
    _header_error(tmp_path, data, "too short|announces|dimensions")


def test_write_idx_refuses_unsupported_dtype(tmp_path):
    with pytest.raises(TypeError, match="uint8"):
        write_idx(tmp_path / "x", numpy.zeros(3, numpy.uint16))


# ---------------------------------------------------------------- fixtures for the loader
def fake_split(folder, split, n, value, gz=True, raw_names=False):
    """Write n images all equal to ``value`` and labels 0..n-1 mod 10 into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    images_name, labels_name = mnist.FILES[split]
    if raw_names:
        images_name = images_name.replace("-idx", ".idx")
    suffix = ".gz" if gz else ""
    write_idx(folder / (images_name + suffix), numpy.full((n, 28, 28), value, numpy.uint8), gz)
    write_idx(folder / (labels_name + suffix), numpy.arange(n, dtype=numpy.uint8) % 10, gz)
    return folder


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """No environment variable, an empty cache under tmp_path, no system or shared folders."""
    monkeypatch.delenv("SCRATCHGAN_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr(mnist, "CACHE_ROOT", None)
    monkeypatch.setattr(mnist, "SYSTEM_DIRS", {"mnist": [], "fashion-mnist": []})
    monkeypatch.setenv("NO_PROXY", "*")          # loopback requests never go via a proxy
    monkeypatch.setenv("no_proxy", "*")
    return tmp_path


def first_pixel(images):
    """Undo the [-1, 1] scaling of the first pixel: which fixture was read."""
    return int(round((float(images[0, 0, 0, 0]) + 1) * 127.5))


# ---------------------------------------------------------------- loader: local files
def test_loader_output_format(isolated):
    fake_split(isolated / "d", "test", 12, 255)
    x, y = mnist.load_mnist("test", data_dir=isolated / "d", download=False)
    assert x.shape == (12, 1, 28, 28) and x.dtype == numpy.float32
    assert y.shape == (12,) and y.dtype == numpy.int64
    assert x.min() == 1.0 and x.max() == 1.0
    numpy.testing.assert_array_equal(y, numpy.arange(12) % 10)
    fake_split(isolated / "z", "test", 2, 0)
    x, _ = mnist.load_mnist("test", data_dir=isolated / "z", download=False)
    assert x.min() == -1.0


def test_search_order(isolated, monkeypatch):
    cache = mnist.default_cache_dir("mnist")
    assert cache == isolated / "xdg" / "scratchgan" / "mnist"
    fake_split(cache, "train", 3, 30)
    fake_split(isolated / "env", "train", 3, 20)
    fake_split(isolated / "arg", "train", 3, 10)
    monkeypatch.setenv("SCRATCHGAN_DATA", str(isolated / "env"))

    load = lambda **kw: first_pixel(mnist.load_mnist("train", download=False, **kw)[0])
    assert load(data_dir=isolated / "arg") == 10       # 1. the argument
    assert load() == 20                                  # 2. the environment variable
    monkeypatch.delenv("SCRATCHGAN_DATA")
    assert load() == 30                                  # 3. the cache
    monkeypatch.setattr(mnist, "CACHE_ROOT", isolated / "root")
    assert mnist.default_cache_dir("mnist") == isolated / "root" / "mnist"


def test_home_cache_without_xdg(isolated, monkeypatch):
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(isolated / "home"))
    assert mnist.default_cache_dir("fashion-mnist") == \
        isolated / "home" / ".cache" / "scratchgan" / "fashion-mnist"


def test_dataset_subfolder_and_raw_names(isolated):
    fake_split(isolated / "root" / "fashion-mnist", "test", 4, 40, gz=False, raw_names=True)
    x, _ = mnist.load_fashion_mnist("test", data_dir=isolated / "root", download=False)
    assert first_pixel(x) == 40


def test_env_folder_of_other_dataset_is_skipped(isolated, monkeypatch):
    """SCRATCHGAN_DATA=.../mnist must not hand MNIST digits to load_fashion_mnist."""
    fake_split(isolated / "mnist", "test", 3, 50)
    monkeypatch.setenv("SCRATCHGAN_DATA", str(isolated / "mnist"))
    assert first_pixel(mnist.load_mnist("test", download=False)[0]) == 50
    with pytest.raises(DataError, match="Fashion-MNIST test split not found"):
        mnist.load_fashion_mnist("test", download=False)


def test_system_folders_come_last_and_no_developer_folder_is_searched(isolated, monkeypatch):
    """Users have --data-dir, $SCRATCHGAN_DATA, the cache and system packages;
    a ../shared/data beside a checkout (a developer's folder) is not looked in."""
    fake_split(isolated / "debian", "test", 3, 60)
    fake_split(isolated / "shared" / "data" / "fashion-mnist", "test", 3, 70)
    monkeypatch.setattr(mnist, "SYSTEM_DIRS", {"mnist": [], "fashion-mnist": [isolated / "debian"]})
    monkeypatch.chdir(isolated / "shared" / "data")              # as if ../shared were beside
    dirs = mnist.search_dirs("fashion-mnist")
    assert dirs[-1] == isolated / "debian"
    assert not any("shared" in str(d) for d in dirs)
    assert first_pixel(mnist.load_fashion_mnist("test", download=False)[0]) == 60
    monkeypatch.setattr(mnist, "SYSTEM_DIRS", {"mnist": [], "fashion-mnist": []})
    with pytest.raises(DataError, match="not found"):
        mnist.load_fashion_mnist("test", download=False)


def test_not_found_error_says_where_and_how(isolated):
    with pytest.raises(DataError) as info:
        mnist.load_mnist("test", download=False)
    text = str(info.value)
    assert str(mnist.default_cache_dir("mnist")) in text
    assert "t10k-images-idx3-ubyte.gz" in text and "SCRATCHGAN_DATA" in text


def test_test_split_fallback_warns(isolated):
    fake_split(isolated / "d", "test", 7, 80)
    with pytest.warns(mnist.TestSplitFallback, match=r"training on the 7-image test split .* "
                      r"because the 60,000 training digits are not there and downloads are off"):
        x, y = mnist.load_mnist("train", data_dir=isolated / "d", download=False)
    assert len(x) == 7 and first_pixel(x) == 80


def test_bad_split_name(isolated):
    with pytest.raises(ValueError, match="'train' or 'test'"):
        mnist.load_mnist("valid")


def test_mismatched_files_are_refused(isolated):
    d = fake_split(isolated / "d", "test", 5, 0)
    write_idx(d / "t10k-labels-idx1-ubyte.gz", numpy.zeros(4, numpy.uint8))
    with pytest.raises(DataError, match="do not belong together"):
        mnist.load_mnist("test", data_dir=d, download=False)


# ---------------------------------------------------------------- loader: downloads
def fixture_bytes(tmp_path, split="train", n=6, value=90):
    """The gzipped bytes of a fake split and the patched SHA-256 table for them."""
    d = fake_split(tmp_path / "fixture", split, n, value)
    blobs = {stem + ".gz": (d / (stem + ".gz")).read_bytes() for stem in mnist.FILES[split]}
    sums = {name: hashlib.sha256(b).hexdigest() for name, b in blobs.items()}
    return blobs, sums


def test_download_tries_mirrors_in_order(isolated, server, monkeypatch):
    blobs, sums = fixture_bytes(isolated)
    monkeypatch.setitem(mnist.SHA256, "mnist", sums)
    for name, blob in blobs.items():
        server.routes[f"/bad/{name}"] = blob[::-1]          # wrong checksum
        server.routes[f"/good/{name}"] = blob
    mirrors = [server.url + "/missing/", server.url + "/bad/", server.url + "/good/"]
    monkeypatch.setitem(mnist.MIRRORS, "mnist", mirrors)

    x, y = mnist.load_mnist("train", progress=False)
    assert first_pixel(x) == 90 and len(y) == 6
    name = "train-images-idx3-ubyte.gz"
    assert server.log[:3] == [f"/missing/{name}", f"/bad/{name}", f"/good/{name}"]
    cache = mnist.default_cache_dir("mnist")
    assert sorted(p.name for p in cache.iterdir()) == sorted(blobs)    # no .part left
    for name, blob in blobs.items():
        assert (cache / name).read_bytes() == blob

    server.log.clear()                   # a second load reads the cache
    mnist.load_mnist("train", progress=False)
    assert server.log == []


def test_mirror_argument_and_cache_dir_argument(isolated, server, monkeypatch):
    blobs, sums = fixture_bytes(isolated, "test")
    monkeypatch.setitem(mnist.SHA256, "fashion-mnist", sums)
    for name, blob in blobs.items():
        server.routes[f"/f/{name}"] = blob
    target = isolated / "elsewhere"
    x, _ = mnist.load_fashion_mnist("test", mirrors=[server.url + "/f"], cache_dir=target,
                                    progress=False)
    assert first_pixel(x) == 90
    assert sorted(p.name for p in target.iterdir()) == sorted(blobs)


def test_checksum_mismatch_everywhere_is_rejected(isolated, server, monkeypatch):
    blobs, sums = fixture_bytes(isolated, "test")
    monkeypatch.setitem(mnist.SHA256, "mnist", sums)
    for name, blob in blobs.items():
        server.routes[f"/bad/{name}"] = blob + b"x"
        server.routes[f"/cut/{name}"] = ("cut", blob)         # connection dropped mid-file
    mirrors = [server.url + "/bad/", server.url + "/cut/"]
    with pytest.raises(DataError) as info:
        mnist.load_mnist("test", mirrors=mirrors, progress=False)
    text = str(info.value)
    assert "SHA-256 mismatch" in text
    assert server.url + "/bad/t10k-images-idx3-ubyte.gz" in text
    assert server.url + "/cut/t10k-images-idx3-ubyte.gz" in text
    assert "place the files by hand" in text
    cache = mnist.default_cache_dir("mnist")
    assert not cache.exists() or list(cache.iterdir()) == []      # no half files


def test_download_file_keeps_nothing_on_mismatch(isolated, server):
    server.routes["/x"] = b"hello"
    dest = isolated / "d" / "x.gz"
    with pytest.raises(DataError, match="SHA-256 mismatch"):
        mnist.download_file(server.url + "/x", dest, "0" * 64, progress=False)
    assert list(dest.parent.iterdir()) == []
    good = hashlib.sha256(b"hello").hexdigest()
    mnist.download_file(server.url + "/x", dest, good, progress=True)   # text or tqdm bar
    assert dest.read_bytes() == b"hello"


def test_failed_train_download_falls_back_to_test_split(isolated, server, monkeypatch):
    fake_split(isolated / "d", "test", 5, 100)
    with pytest.warns(mnist.TestSplitFallback, match="training on the 5-image test split.*"
                                                     "the download failed \\("):
        x, _ = mnist.load_mnist("train", data_dir=isolated / "d",
                                mirrors=[server.url + "/nothing/"], progress=False)
    assert first_pixel(x) == 100


# ---------------------------------------------------------------- real data
@pytest.mark.skipif(not SHARED_MNIST.is_dir(), reason="no shared MNIST copy beside the repo")
def test_real_mnist_test_split(isolated):
    x, y = mnist.load_mnist("test", data_dir=SHARED_MNIST, download=False)
    assert x.shape == (10000, 1, 28, 28) and y.shape == (10000,)
    assert x.min() == -1.0 and x.max() == 1.0
    assert numpy.array_equal(numpy.unique(y), numpy.arange(10))
    numpy.testing.assert_array_equal(y[:5], [7, 2, 1, 0, 4])     # the famous first digits


# ---------------------------------------------------------------- sampler
def test_sampler_rows_and_labels_stay_paired(backend_name, xp):
    n = 50
    images = xp.arange(n, dtype=xp.float32).reshape(n, 1, 1, 1) * xp.ones((1, 1, 2, 2), xp.float32)
    labels = xp.arange(n)
    s = ArraySampler(images, labels, batch_size=8)
    x, y = s()
    assert x.shape == (8, 1, 2, 2) and type(x) is type(images)
    assert bool((x[:, 0, 0, 0] == y).all())
    assert s.sample(3)[0].shape == (3, 1, 2, 2)


def test_sampler_is_seeded_by_backend(backend_name, xp):
    s = ArraySampler(xp.arange(100), batch_size=10)
    backend.manual_seed(3)
    a = backend.to_host(s())
    backend.manual_seed(3)
    numpy.testing.assert_array_equal(a, backend.to_host(s()))


def test_sampler_epochs_visit_every_row_once(backend_name, xp):
    s = ArraySampler(xp.arange(12), batch_size=4, shuffle=True)
    seen = numpy.concatenate([backend.to_host(s()) for _ in range(3)])
    assert sorted(seen) == list(range(12)) and s.epoch == 0
    s()
    assert s.epoch == 1


def test_sampler_host_data_with_any_backend(backend_name):
    """Data on the host, generator on the device: indices follow the data."""
    s = ArraySampler(numpy.arange(20), batch_size=5)
    assert isinstance(s(), numpy.ndarray)


def test_sampler_errors():
    with pytest.raises(ValueError, match="3 labels for 4 images"):
        ArraySampler(numpy.zeros(4), numpy.zeros(3))
    with pytest.raises(ValueError, match="without replacement"):
        ArraySampler(numpy.zeros(4), shuffle=True).sample(5)


# ---------------------------------------------------------------- synthetic images
def test_vertical_lines(backend_name, xp):
    backend.manual_seed(0)
    x = vertical_lines(200, size=16, max_lines=3, width=2)
    assert x.shape == (200, 1, 16, 16) and x.dtype == backend.get_default_dtype()
    assert type(x) is type(xp.zeros(1))
    x = backend.to_host(x)
    assert set(numpy.unique(x)) == {-1.0, 1.0}
    assert (x == x[:, :, :1, :]).all()                       # every row the same: vertical
    lit = (x[:, 0, 0, :] > 0).sum(axis=1)
    assert lit.min() >= 2 and lit.max() <= 6                 # 1..3 lines of width 2
    assert len({tuple(r) for r in x[:, 0, 0, :]}) > 20        # varied images


def test_vertical_lines_sampler_and_seed():
    sample = vertical_lines_sampler(size=8)
    backend.manual_seed(5)
    a = sample(4)
    backend.manual_seed(5)
    numpy.testing.assert_array_equal(a, sample(4))
    assert a.shape == (4, 1, 8, 8)
    rng = numpy.random.RandomState(1)
    assert vertical_lines(3, 8, rng=rng).shape == (3, 1, 8, 8)


# ---------------------------------------------------------------- toy distributions
def test_toy_shapes_and_dtype(backend_name, xp):
    for f, d in [(toy.normal_1d, 1), (toy.line_2d, 2), (toy.sine_2d, 2),
                 (toy.ring_of_gaussians, 2), (toy.grid_of_gaussians, 2)]:
        x = f(64)
        assert x.shape == (64, d) and x.dtype == backend.get_default_dtype(), f.__name__
        assert type(x) is type(xp.zeros(1))


def test_toy_distributions_have_the_stated_shape():
    backend.manual_seed(0)
    x = toy.normal_1d(20000)
    assert abs(float(x.mean()) - 4) < 0.05 and abs(float(x.std()) - 1.25) < 0.05
    x = toy.line_2d(100)
    numpy.testing.assert_array_equal(x[:, 0], x[:, 1])
    x = toy.sine_2d(100)
    numpy.testing.assert_allclose(x[:, 1], numpy.sin(x[:, 0]), atol=1e-6)
    r = numpy.hypot(*toy.ring_of_gaussians(1000).T)
    assert abs(r - 1).max() < 0.1


def test_mode_centres():
    grid = toy.grid_centres()
    assert {tuple(c) for c in grid.tolist()} == {(a, b) for a in range(-4, 5, 2)
                                                 for b in range(-4, 5, 2)}
    ring = toy.ring_centres(8, 2.0)
    numpy.testing.assert_allclose(numpy.hypot(*ring.T), 2.0, rtol=1e-6)
    backend.manual_seed(0)
    x = toy.grid_of_gaussians(2000)
    nearest = ((x[:, None, :] - grid[None]) ** 2).sum(-1).argmin(1)
    assert len(numpy.unique(nearest)) == 25                        # every mode drawn
    assert numpy.abs(x - grid[nearest]).max() < 0.05 * 6
    assert math.isclose(float(numpy.abs(x - grid[nearest]).std()), 0.05 * 0.6, rel_tol=0.2)


def test_a_gzip_bomb_is_refused_without_expanding(tmp_path, monkeypatch):
    """A small .gz whose header declares 2 GB: refused from the header alone;
    one with a small header and gigabytes of trailing zeros: at most the
    declared payload plus one byte is ever decompressed."""
    import gzip
    from scratchgan.data import idx
    huge = bytes([0, 0, 0x08, 3]) + numpy.array([1 << 16, 1 << 8, 1 << 7], ">u4").tobytes()
    (tmp_path / "huge.gz").write_bytes(gzip.compress(huge + b"\0" * 1000))
    with pytest.raises(DataError, match="declares dims .*more than the"):
        idx.read_idx(tmp_path / "huge.gz")

    small = bytes([0, 0, 0x08, 1]) + numpy.array([10], ">u4").tobytes()
    bomb = gzip.compress(small + b"\0" * (256 << 20), compresslevel=9)   # 256 MB of zeros
    assert len(bomb) < 1_000_000
    (tmp_path / "bomb.gz").write_bytes(bomb)
    read = []
    real_read = gzip.GzipFile.read
    monkeypatch.setattr(gzip.GzipFile, "read",
                        lambda self, n=-1: read.append(n) or real_read(self, n))
    with pytest.raises(DataError, match="has trailing bytes"):
        idx.read_idx(tmp_path / "bomb.gz")
    assert -1 not in read and sum(read) <= 4 + 4 + 11               # header, dims, payload + 1


def test_a_slow_server_meets_the_total_deadline(isolated, server):
    server.routes["/slow"] = ("slow", b"x" * 10000)             # would take 500 s
    dest = isolated / "d" / "x.gz"
    t0 = time.monotonic()
    with pytest.raises(TimeoutError, match="more than 1 s in total"):
        mnist.download_file(server.url + "/slow", dest, "0" * 64, progress=False, deadline=1)
    assert time.monotonic() - t0 < 10 and list(dest.parent.iterdir()) == []


def test_an_oversized_download_is_stopped(isolated, server, monkeypatch):
    dest = isolated / "d" / "x.gz"
    server.routes["/big"] = b"x" * 5000                         # announces 5,000 bytes
    with pytest.raises(DataError, match="announces 5,000 bytes, but the file is 100"):
        mnist.download_file(server.url + "/big", dest, "0" * 64, progress=False, max_bytes=100)
    server.routes["/endless"] = ("endless", None)               # no length, no end
    with pytest.raises(DataError, match="sent more than the file's 1,000,000 bytes"):
        mnist.download_file(server.url + "/endless", dest, "0" * 64, progress=False,
                            max_bytes=1_000_000)
    assert list(dest.parent.iterdir()) == []
    # and the loader passes the real files' sizes, listing every mirror tried
    blobs, sums = fixture_bytes(isolated, "test")
    monkeypatch.setitem(mnist.SHA256, "mnist", sums)
    monkeypatch.setitem(mnist.SIZES, "mnist", {name: 10 for name in blobs})
    for name, blob in blobs.items():
        server.routes[f"/m/{name}"] = blob
    with pytest.raises(DataError) as info:
        mnist.load_mnist("test", mirrors=[server.url + "/m/", server.url + "/none/"],
                         progress=False)
    assert "but the file is 10" in str(info.value) and "/none/" in str(info.value)


# ---------------------------------------------------------------- translation sets
def test_morphology_on_a_single_pixel():
    from scratchgan.data import translation as tr
    x = -np.ones((1, 1, 5, 5), np.float32)
    x[0, 0, 2, 2] = 1.0
    d = tr.dilate(x)
    assert (d[0, 0] == 1).sum() == 5 and d[0, 0, 1, 2] == 1 and d[0, 0, 1, 1] == -1   # a plus
    assert (tr.erode(x) == -1).all()                               # a lone pixel vanishes
    e = tr.outline(x)
    assert e.min() >= -1 and e.max() <= 1 and (e[0, 0] == 1).sum() == 5
    t = tr.top_half(np.ones((2, 1, 4, 4), np.float32))
    assert (t[:, :, :2] == 1).all() and (t[:, :, 2:] == -1).all()
    assert tr.pad32(np.zeros((3, 1, 28, 28), np.float32)).shape == (3, 1, 32, 32)


def test_split_is_disjoint_and_seeded():
    from scratchgan.data import translation as tr
    a, b, c = tr.split(100, (0.5, 0.3, 0.2), seed=3)
    assert len(a) == 50 and len(b) == 30 and len(c) == 20
    assert len(set(a) | set(b) | set(c)) == 100
    assert (tr.split(100, (0.5, 0.3, 0.2), seed=3)[0] == a).all()
    with pytest.raises(ValueError, match="sum to at most 1"):
        tr.split(10, (0.7, 0.7))
    x = np.zeros((2, 1, 28, 28), np.float32)
    inputs, targets = tr.paired(x, "edges")
    assert inputs.shape == targets.shape == x.shape
    with pytest.raises(ValueError, match="unknown task"):
        tr.paired(x, "colour")


# ---------------------------------------------------------------- data_dir is the only place
def test_data_dir_without_download_looks_nowhere_else(isolated, monkeypatch):
    """Files in the cache, the environment folder and the shared folder are not
    used when data_dir is named; the error names data_dir alone."""
    fake_split(mnist.default_cache_dir("mnist"), "test", 3, 30)
    fake_split(isolated / "env", "test", 3, 20)
    monkeypatch.setenv("SCRATCHGAN_DATA", str(isolated / "env"))
    (isolated / "empty").mkdir()
    with pytest.raises(DataError, match="holds no MNIST files") as info:
        mnist.load_mnist("test", data_dir=isolated / "empty", download=False)
    assert "env" not in str(info.value) and "xdg" not in str(info.value)
    with pytest.raises(DataError, match="does not exist"):
        mnist.load_mnist("test", data_dir=isolated / "missing", download=False)


def test_data_dir_with_download_fills_that_folder(isolated, server, monkeypatch):
    blobs, sums = fixture_bytes(isolated, "test", n=3)
    monkeypatch.setitem(mnist.SHA256, "mnist", sums)
    for name, blob in blobs.items():
        server.routes[f"/m/{name}"] = blob
    x, _ = mnist.load_mnist("test", data_dir=isolated / "root", progress=False,
                            mirrors=[server.url + "/m/"])
    assert len(x) == 3
    assert (isolated / "root" / "mnist" / "t10k-images-idx3-ubyte.gz").is_file()
    assert not mnist.default_cache_dir("mnist").exists()        # not the cache


def test_image_size_resizes_on_loading(isolated):
    fake_split(isolated / "d", "test", 4, 255)
    x, _ = mnist.load_mnist("test", data_dir=isolated / "d", download=False, image_size=32)
    assert x.shape == (4, 1, 32, 32) and x.dtype == numpy.float32
    numpy.testing.assert_allclose(x, 1.0, atol=1e-6)             # a constant image stays constant


# ---------------------------------------------------------------- the data set asked for
def look_alike(folder, kind, n=300, seed=0):
    """Files with the statistics of MNIST's digits (82% black, mean 0.12) or
    Fashion-MNIST's clothes (50% black, mean 0.29)."""
    rs = numpy.random.RandomState(seed)
    ink, level = (0.18, 170) if kind == "digits" else (0.5, 148)
    images = ((rs.uniform(size=(n, 28, 28)) < ink) * rs.randint(level - 40, level + 40,
                                                                 (n, 28, 28))).astype(numpy.uint8)
    folder.mkdir(parents=True, exist_ok=True)
    write_idx(folder / "t10k-images-idx3-ubyte.gz", images)
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", (numpy.arange(n) % 10).astype(numpy.uint8))
    return folder


def test_a_folder_of_the_other_data_set_is_refused(isolated):
    digits, clothes = look_alike(isolated / "digits", "digits"), look_alike(isolated / "c", "clothes")
    assert len(mnist.load_mnist("test", data_dir=digits, download=False)[0]) == 300
    assert len(mnist.load_fashion_mnist("test", data_dir=clothes, download=False)[0]) == 300
    with pytest.raises(DataError, match=r"holds MNIST images \(digits\), not Fashion-MNIST"):
        mnist.load_fashion_mnist("test", data_dir=digits, download=False)
    with pytest.raises(DataError, match=r"holds Fashion-MNIST images .* not MNIST"):
        mnist.load_mnist("test", data_dir=clothes, download=False)


@pytest.mark.skipif(not SHARED_MNIST.is_dir(), reason="no shared MNIST copy beside the repo")
def test_real_mnist_is_not_taken_for_fashion(isolated):
    with pytest.raises(DataError, match="not Fashion-MNIST"):
        mnist.load_fashion_mnist("test", data_dir=SHARED_MNIST, download=False)
