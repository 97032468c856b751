"""MNIST and Fashion-MNIST: find the IDX files, or download and verify them.

``load_mnist(split)`` and ``load_fashion_mnist(split)`` return ``(images,
labels)`` as NumPy arrays on the host:

    images  float32, shape (N, 1, 28, 28), scaled from [0, 255] to [-1, 1]
            (the range of a generator ending in tanh, as in DCGAN)
    labels  int64, shape (N,), the class 0..9

N is 60,000 for ``split="train"`` and 10,000 for ``split="test"``.  Move them
to the GPU with ``backend.to_device`` and draw minibatches with
``scratchgan.data.sampler.ArraySampler``.

Where the files are looked for, in order (the first folder holding both files
of the split wins; each file may be gzipped or not, so
``train-images-idx3-ubyte.gz``, ``train-images-idx3-ubyte`` and
``train-images.idx3-ubyte`` are all accepted):

1. the ``data_dir`` argument: ``data_dir/<dataset>/``, then ``data_dir/`` itself;
   when ``data_dir`` is given it is the *only* place looked (downloads, if
   on, go into ``data_dir/<dataset>/``), as torchvision's ``root``; the
   folders below are searched only without it;
2. the environment variable ``SCRATCHGAN_DATA``, in the same two ways (a flat
   folder named after the *other* dataset, e.g. ``.../mnist`` while loading
   Fashion-MNIST, is skipped: the file names are the same);
3. the user cache, ``$XDG_CACHE_HOME/scratchgan/<dataset>/`` or
   ``~/.cache/scratchgan/<dataset>/`` (where downloads go);
4. system folders: Debian's package ``dataset-fashion-mnist`` installs
   ``/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz`` etc.

If nothing is found and ``download=True``, the two files of the split are
downloaded into the cache from the mirrors in ``MIRRORS``, one mirror after
another, and each is checked against its SHA-256 in ``SHA256`` before it is
given its real name.  A download killed outright leaves at most a hidden
``.<name>.*.part`` file beside it, never read and safe to delete.  Files found
locally are not checksummed (repackaged copies, such as Debian's, are gzipped
differently); the IDX header checks of ``idx.read_idx`` still catch damage.

When the training split cannot be found or downloaded but the test split can,
a warning says so and the test split is returned: a GAN learns digits from
10,000 of them, too.

This file is over 300 lines because finding, downloading and checking a
data set are one path a reader follows top to bottom (the download itself
is ``download.py``).
"""
import http.client
import os
import warnings
from pathlib import Path

import numpy

from .idx import DataError, read_idx
from .download import download_file       # a verified download (download.py)


class TestSplitFallback(UserWarning):
    """Training falls back to the 10,000-image test split; the message says why.

    The demos print it as one plain line (``demos/plumbing/images.py``); in your own code,
    ``warnings.simplefilter("ignore", TestSplitFallback)`` silences it.
    """

DATASETS = ("mnist", "fashion-mnist")
TITLES = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST"}
THINGS = {"mnist": "digits", "fashion-mnist": "clothing images"}

#: split -> (images file, labels file), without the .gz
FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}

#: Mirrors tried in order; each URL is the mirror plus the file name.
MIRRORS = {
    "mnist": [
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ],
    "fashion-mnist": [
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "https://github.com/zalandoresearch/fashion-mnist/raw/master/data/fashion/",
    ],
}

#: SHA-256 of the original gzipped files as distributed.  These are the values
#: TensorFlow Datasets pins, and the files they describe also match the MD5s
#: torchvision pins (MNIST train-images f68b3c2d..., Fashion train-images
#: 8d4fb7e6..., etc.).  A downloaded file must match before it is kept.
SHA256 = {
    "mnist": {
        "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    },
    "fashion-mnist": {
        "train-images-idx3-ubyte.gz": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
        "train-labels-idx1-ubyte.gz": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
        "t10k-images-idx3-ubyte.gz": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
        "t10k-labels-idx1-ubyte.gz": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
    },
}

#: Read-only folders searched after the cache (Debian's dataset package).
SYSTEM_DIRS = {
    "mnist": [],
    "fashion-mnist": ["/usr/share/datasets/fashion-mnist"],
}

#: Root of the downloads cache; None means $XDG_CACHE_HOME/scratchgan or
#: ~/.cache/scratchgan.  Tests and shared machines may set it.
CACHE_ROOT = None

#: The sizes of the original files: a download that grows past them is cut off.
SIZES = {
    "mnist": {"train-images-idx3-ubyte.gz": 9912422, "train-labels-idx1-ubyte.gz": 28881,
              "t10k-images-idx3-ubyte.gz": 1648877, "t10k-labels-idx1-ubyte.gz": 4542},
    "fashion-mnist": {"train-images-idx3-ubyte.gz": 26421880,
                      "train-labels-idx1-ubyte.gz": 29515,
                      "t10k-images-idx3-ubyte.gz": 4422102, "t10k-labels-idx1-ubyte.gz": 5148},
}

ENV_VAR = "SCRATCHGAN_DATA"


# ------------------------------------------------------------------ where to look
def _check_name(name):
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; expected one of {DATASETS}")


def default_cache_dir(name):
    """The folder where ``name``'s files are downloaded to."""
    _check_name(name)
    if CACHE_ROOT is not None:
        return Path(CACHE_ROOT) / name
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "scratchgan" / name


def search_dirs(name, data_dir=None, cache_dir=None, only_data_dir=False):
    """The folders searched for ``name``'s files, in order (see the module doc);
    with ``only_data_dir`` just ``data_dir/<name>/`` and ``data_dir/``."""
    _check_name(name)
    dirs = []
    if data_dir is not None:
        dirs += [Path(data_dir) / name, Path(data_dir)]
    if only_data_dir:
        return dirs
    env = os.environ.get(ENV_VAR)
    if env:
        env = Path(env)
        dirs.append(env / name)
        if env.name.lower() not in set(DATASETS) - {name}:
            dirs.append(env)
    dirs.append(Path(cache_dir) if cache_dir is not None else default_cache_dir(name))
    dirs += [Path(d) for d in SYSTEM_DIRS.get(name, [])]
    unique, seen = [], set()
    for d in dirs:
        key = os.path.normcase(os.path.abspath(d))
        if key not in seen:
            seen.add(key)
            unique.append(d)
    return unique


def _find_file(folder, stem):
    for candidate in (stem + ".gz", stem, stem.replace("-idx", ".idx")):
        path = Path(folder) / candidate
        if path.is_file():
            return path
    return None


def find_split(name, split, data_dir=None, cache_dir=None, only_data_dir=False):
    """(images path, labels path) from the first folder holding both, else None."""
    for folder in search_dirs(name, data_dir, cache_dir, only_data_dir):
        paths = [_find_file(folder, stem) for stem in FILES[split]]
        if all(paths):
            return tuple(paths)
    return None


def _first_reason(error):
    """The first mirror's failure from a download DataError, in one short phrase."""
    lines = str(error).strip().splitlines()
    tried = [l.strip() for l in lines[1:] if l.startswith("  ")]
    if not tried:
        return lines[0] if lines else "unknown reason"
    url, _, reason = tried[0].partition(": ")
    more = f", and {len(tried) - 1} more mirror(s)" if len(tried) > 1 else ""
    return f"{url}: {reason}{more}"


def _names(split):
    return " and ".join(stem + ".gz" for stem in FILES[split])


def download_split(name, split, cache_dir=None, mirrors=None, progress=True):
    """Download the two files of ``split`` into the cache, trying each mirror.

    Returns (images path, labels path).  Raises ``DataError`` listing every
    URL tried and why it failed when some file could not be had.
    """
    _check_name(name)
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir(name)
    mirrors = list(MIRRORS[name] if mirrors is None else mirrors)
    paths, failures = [], []
    for stem in FILES[split]:
        filename = stem + ".gz"
        dest = folder / filename
        if dest.is_file():
            paths.append(dest)
            continue
        expected = SHA256[name][filename]
        for mirror in mirrors:
            url = mirror.rstrip("/") + "/" + filename
            try:
                paths.append(download_file(url, dest, expected, progress=progress,
                                           max_bytes=SIZES[name].get(filename)))
                break
            except (OSError, ValueError, http.client.HTTPException) as e:
                # OSError covers URLError, HTTPError and timeouts; ValueError
                # covers DataError (a checksum mismatch) and malformed URLs.
                failures.append(f"  {url}: {e}")
        else:
            tried = "\n".join(failures) or "  (no mirrors given)"
            raise DataError(
                f"could not download {TITLES[name]} {filename}; tried:\n{tried}\n"
                f"To place the files by hand, put {_names(split)} into {folder} "
                f"(or into any folder, and name it: a demo's --data-dir, data_dir=... in "
                f"Python, or {ENV_VAR}=...).")
    return tuple(paths)


# ------------------------------------------------------------------ loading
def _read_split(images_path, labels_path):
    images, labels = read_idx(images_path), read_idx(labels_path)
    fix = "Delete it and run again to download a fresh copy."
    if images.dtype != numpy.uint8 or images.ndim != 3 or images.shape[1:] != (28, 28):
        raise DataError(f"{images_path}: expected uint8 images of shape (N, 28, 28), "
                        f"found {images.dtype} {images.shape}. {fix}")
    if labels.dtype != numpy.uint8 or labels.ndim != 1:
        raise DataError(f"{labels_path}: expected uint8 labels of shape (N,), "
                        f"found {labels.dtype} {labels.shape}. {fix}")
    if len(labels) != len(images):
        raise DataError(f"{labels_path}: {len(labels):,} labels for {len(images):,} "
                        f"images in {images_path}; the two files do not belong together")
    if len(labels) and labels.max() > 9:
        raise DataError(f"{labels_path}: labels must be 0..9, found {labels.max()}. {fix}")
    x = images.astype(numpy.float32).reshape(-1, 1, 28, 28)
    x /= 127.5                             # [0, 255] -> [0, 2]
    x -= 1.0                               #          -> [-1, 1]
    return x, labels.astype(numpy.int64)


def load_dataset(name, split="train", data_dir=None, download=True, *,
                 cache_dir=None, mirrors=None, progress=True, only_data_dir=False,
                 image_size=None, resize_mode="bilinear"):
    """Load ``split`` of ``name`` ("mnist" or "fashion-mnist"); see the module doc.

    Returns ``(images, labels)``: float32 (N, 1, 28, 28) in [-1, 1], int64 (N,).
    ``data_dir`` given: look there (and in ``data_dir/<name>/``) only, as
    torchvision's ``root``; with ``download=True`` a missing split is
    downloaded into ``data_dir/<name>/``; with ``download=False`` nothing
    else is tried (no other folder, no network), and a folder that does not
    exist or holds neither split raises ``DataError`` naming it and the files
    looked for.  ``only_data_dir=True`` also turns downloads off.
    Without ``data_dir`` every folder of the module doc is searched.
    ``cache_dir`` replaces the download folder and ``mirrors`` the mirror list.
    ``image_size`` (an int or (H, W)) resizes the images after loading, as the
    lecture scripts' ``transforms.Resize(opt.img_size)`` (``resize_images``,
    ``resize_mode`` "bilinear" or "bicubic").
    """
    _check_name(name)
    if split not in FILES:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    if only_data_dir:
        download = False
    if data_dir is not None:
        only_data_dir = True                   # the folder the user named, and nothing else
        if not download:
            _check_data_dir(name, data_dir)
        cache_dir = Path(data_dir) / name      # where a download goes
    elif only_data_dir:
        raise ValueError("only_data_dir=True needs a data_dir")

    def checked(images, labels, where):
        _check_content(name, images, where)
        if image_size is not None:
            from .resize import resize_images
            images = resize_images(images, image_size, resize_mode)
        return images, labels

    found = find_split(name, split, data_dir, cache_dir, only_data_dir)
    if found is not None:
        return checked(*_read_split(*found), found[0].parent)

    failure = None
    if download:
        try:
            paths = download_split(name, split, cache_dir, mirrors, progress)
            return checked(*_read_split(*paths), paths[0].parent)
        except DataError as e:
            failure = e

    if split == "train":
        test = find_split(name, "test", data_dir, cache_dir, only_data_dir)
        if test is not None:
            images, labels = _read_split(*test)
            why = ("downloads are off (a demo's --no-download or --data-dir; download=False "
                   "in Python)" if failure is None
                   else "the download failed (" + _first_reason(failure) + ")")
            warnings.warn(TestSplitFallback(
                f"training on the {len(images):,}-image test split of {TITLES[name]} found "
                f"at {test[0].parent}, because the 60,000 training {THINGS[name]} are not "
                f"there and {why}"), stacklevel=3)
            return checked(images, labels, test[0].parent)

    searched = "\n".join(f"  {d}" for d in search_dirs(name, data_dir, cache_dir,
                                                        only_data_dir))
    message = f"{TITLES[name]} {split} split not found; searched:\n{searched}\n"
    if failure is not None:
        raise DataError(message + str(failure)) from failure
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir(name)
    raise DataError(
        message + f"and downloads are off. Fix: run once with internet and downloads on "
        f"(a demo without --no-download; in Python download=True), or place "
        f"{_names(split)} by hand into {folder} (or into any folder, and name it: a "
        f"demo's --data-dir, data_dir=... in Python, or {ENV_VAR}=...).")


#: What the two data sets look like, on their first 2,000 images: MNIST's
#: digits are ~82% black pixels with a mean brightness ~0.12; Fashion-MNIST's
#: clothes ~50% and ~0.29.  (Their files have the same names, so a folder of
#: one passed as the other would otherwise train on the wrong images.)
LOOKS = {"mnist": ((0.7, 0.95), (0.05, 0.2)), "fashion-mnist": ((0.35, 0.65), (0.2, 0.4))}


def _looks_like(images):
    """The data set these images look like, or None (neither: a test fixture, say)."""
    p = (images[:2000] + 1) / 2
    zeros, mean = float((p == 0).mean()), float(p.mean())
    for name, ((z0, z1), (m0, m1)) in LOOKS.items():
        if z0 <= zeros <= z1 and m0 <= mean <= m1:
            return name
    return None


def _check_content(name, images, where):
    """Refuse files that clearly hold the other data set."""
    seen = _looks_like(images)
    if seen is not None and seen != name:
        raise DataError(f"{where} holds {TITLES[seen]} images ({THINGS[seen]}), not "
                        f"{TITLES[name]}: the two use the same file names. Point the data "
                        f"folder at {TITLES[name]}'s files")


def _check_data_dir(name, data_dir):
    """A data folder the user named must exist and hold one of the splits."""
    if data_dir is None:
        raise ValueError("only_data_dir=True needs a data_dir")
    folder = Path(data_dir)
    if not folder.is_dir():
        raise DataError(f"data folder {folder} does not exist (or is not a folder)")
    if not any(find_split(name, s, folder, only_data_dir=True) for s in FILES):
        looked = ", ".join(FILES["train"] + FILES["test"])
        raise DataError(f"data folder {folder} holds no {TITLES[name]} files: looked for "
                        f"{looked} (each also .gz) in {folder / name} and {folder}")


def load_mnist(split="train", data_dir=None, download=True, **kwargs):
    """MNIST handwritten digits as ``(images, labels)``; see ``load_dataset``."""
    return load_dataset("mnist", split, data_dir, download, **kwargs)


def load_fashion_mnist(split="train", data_dir=None, download=True, **kwargs):
    """Fashion-MNIST clothing images as ``(images, labels)``; see ``load_dataset``."""
    return load_dataset("fashion-mnist", split, data_dir, download, **kwargs)
