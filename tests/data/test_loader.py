"""DataLoader and ArrayDataset with PyTorch's semantics (len counts batches,
drop_last=False keeps the last smaller batch, shuffle reorders every epoch,
(images, labels) batches), checked against torch.utils.data; resize_images
against F.interpolate."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from scratchgan import backend
from scratchgan.data import ArrayDataset, ArraySampler, DataLoader, resize_images

try:
    import torch
except ImportError:                       # the parity extra is not installed
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch (the parity extra) not installed")


def data(n):
    images = np.arange(n * 4, dtype=np.float32).reshape(n, 1, 2, 2)
    return images, np.arange(n) % 10


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 40), batch_size=st.integers(1, 50), drop_last=st.booleans())
def test_unshuffled_batches_in_order_with_pytorchs_lengths(n, batch_size, drop_last):
    images, labels = data(n)
    loader = DataLoader(ArrayDataset(images, labels), batch_size=batch_size, drop_last=drop_last)
    expected = n // batch_size if drop_last else -(-n // batch_size)
    assert len(loader) == expected
    batches = list(loader)
    assert len(batches) == expected
    seen = np.concatenate([y for _, y in batches]) if batches else np.zeros(0)
    np.testing.assert_array_equal(seen, labels[:len(seen)])
    for x, y in batches:
        assert len(x) == len(y) <= batch_size and x.shape[1:] == (1, 2, 2)
    if batches and not drop_last:
        assert len(batches[-1][0]) == n - (expected - 1) * batch_size


@needs_torch
@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 30), batch_size=st.integers(1, 35), drop_last=st.booleans())
def test_lengths_match_torch_dataloader(n, batch_size, drop_last):
    images, labels = data(n)
    theirs = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.from_numpy(images), torch.from_numpy(labels)),
        batch_size=batch_size, drop_last=drop_last)
    ours = DataLoader((images, labels), batch_size=batch_size, drop_last=drop_last)
    assert len(ours) == len(theirs)
    assert [len(x) for x, _ in ours] == [len(x) for x, _ in theirs]


def test_shuffle_is_a_new_permutation_each_epoch_and_seeded():
    images, labels = data(20)
    backend.manual_seed(0)
    loader = DataLoader((images, labels), batch_size=6, shuffle=True)
    epochs = [np.concatenate([y for _, y in loader]) for _ in range(2)]
    for e in epochs:
        assert sorted(e.tolist()) == sorted(labels.tolist())      # every example once
    first = np.concatenate([x[:, 0, 0, 0] for x, _ in loader])
    assert not np.array_equal(epochs[0], epochs[1])
    backend.manual_seed(0)
    again = DataLoader((images, labels), batch_size=6, shuffle=True)
    np.testing.assert_array_equal(np.concatenate([y for _, y in again]), epochs[0])
    assert len(first) == 20


def test_single_array_custom_dataset_and_device():
    images, labels = data(5)
    assert [b.shape for b in DataLoader(images, batch_size=2)] == [(2, 1, 2, 2)] * 2 + [(1, 1, 2, 2)]

    class Pairs:                          # a map-style Dataset of one's own, as in pix2pix
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return {"A": images[i], "B": -images[i]}

    batch = next(iter(DataLoader(Pairs(), batch_size=3)))
    assert batch["A"].shape == (3, 1, 2, 2)
    np.testing.assert_array_equal(batch["B"], -images[:3])


def test_device_arrays_stay_on_the_device(backend_name):
    xp = backend.get_xp()
    images, labels = data(7)
    loader = DataLoader((xp.asarray(images), xp.asarray(labels)), batch_size=3, shuffle=True)
    for x, y in loader:
        assert backend.get_array_module(x) is xp and backend.get_array_module(y) is xp


def test_clear_errors():
    images, labels = data(4)
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        DataLoader(images, batch_size=0)
    with pytest.raises(ValueError, match="different lengths"):
        ArrayDataset(images, labels[:3])
    with pytest.raises(TypeError, match="dataset must be an array"):
        DataLoader(42)
    with pytest.raises(TypeError, match="DataLoader"):
        iter(ArraySampler(images))                     # points a ported epoch loop here


# ------------------------------------------------------------------ resize_images
@needs_torch
@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize("size", [32, (20, 36), 14])
def test_resize_matches_interpolate(mode, size):
    x = np.random.RandomState(0).uniform(-1, 1, (3, 1, 28, 28)).astype(np.float32)
    ours = resize_images(x, size, mode, clip=False)
    theirs = torch.nn.functional.interpolate(torch.from_numpy(x), size=size, mode=mode,
                                             align_corners=False).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)


def test_resize_keeps_range_and_checks_input():
    x = np.random.RandomState(0).uniform(-1, 1, (2, 1, 28, 28)).astype(np.float32)
    y = resize_images(x, 32, "bicubic")
    assert y.shape == (2, 1, 32, 32) and y.min() >= -1 and y.max() <= 1
    assert resize_images(x, 28) is x
    with pytest.raises(ValueError, match=r"expected images \(N, C, H, W\)"):
        resize_images(x[0], 32)
    with pytest.raises(ValueError, match="mode must be"):
        resize_images(x, 32, "lanczos")
