"""Mode-collapse remedies: PacGAN packing, the minibatch-stddev feature, feature matching."""
import numpy
import numpy as np
import pytest

from scratchgan import backend, nn
from scratchgan.gan import FeatureMatching, MinibatchStdDev, Pack
from scratchgan.gradient_check import gradcheck
from scratchgan.nn import ShapeError


def randn(*shape):
    return numpy.random.RandomState(1).standard_normal(shape)


# ------------------------------------------------------------------ Pack
def test_pack_shapes_vectors_and_images():
    x = numpy.arange(8 * 3, dtype=numpy.float32).reshape(8, 3)
    y = Pack(4).forward(x)
    assert y.shape == (2, 12)
    # pack i holds samples 4i .. 4i+3 side by side
    numpy.testing.assert_array_equal(y[1], numpy.concatenate(x[4:8]))
    img = numpy.zeros((6, 1, 5, 5), dtype=numpy.float32)
    img[3] = 1.0
    y = Pack(3).forward(img)
    assert y.shape == (2, 3, 5, 5)                   # stacked as channels
    assert y[1, 0].sum() == 25 and y[0].sum() == 0 and y[1, 1:].sum() == 0


def test_pack_backward_unpacks():
    x = randn(6, 2)
    layer = Pack(2)
    y = layer.forward(x)
    dy = randn(*y.shape)
    dx = layer.backward(dy)
    assert dx.shape == x.shape
    numpy.testing.assert_array_equal(dx[2:4].ravel(), dy[1])   # the gradient goes home
    assert gradcheck(Pack(3), randn(6, 2))["input"] < 1e-8


def test_pack_rejects_a_batch_that_is_not_a_multiple():
    with pytest.raises(ShapeError, match="multiple of pack=4"):
        Pack(4).forward(numpy.zeros((6, 2), dtype=numpy.float32))


def test_pack_composes_with_a_discriminator():
    backend.manual_seed(0)
    D = nn.Sequential(Pack(4), nn.Linear(8, 5), nn.LeakyReLU(0.2), nn.Linear(5, 1), nn.Sigmoid())
    errors = gradcheck(D, randn(8, 2))
    assert max(errors.values()) < 1e-6, errors
    assert D.forward(numpy.zeros((8, 2), dtype=numpy.float32)).shape == (2, 1)


# ------------------------------------------------------- MinibatchStdDev
def test_minibatch_stddev_forward_is_the_formula():
    x = randn(5, 3)
    y = MinibatchStdDev(eps=0.0).forward(x)
    assert y.shape == (5, 4)
    numpy.testing.assert_array_equal(y[:, :3], x)
    numpy.testing.assert_allclose(y[:, 3], x.std(axis=0).mean())        # biased std


def test_minibatch_stddev_images_append_a_constant_plane():
    x = randn(4, 2, 3, 3)
    y = MinibatchStdDev(eps=0.0).forward(x)
    assert y.shape == (4, 3, 3, 3)
    numpy.testing.assert_allclose(y[:, 2], x.std(axis=0).mean())


@pytest.mark.parametrize("shape", [(6, 3), (4, 2, 3, 3), (2, 1)])
def test_minibatch_stddev_gradcheck(shape):
    errors = gradcheck(MinibatchStdDev(), randn(*shape))
    assert errors["input"] < 1e-6, errors


def test_minibatch_stddev_collapsed_batch_scores_zero():
    x = numpy.ones((8, 2))
    assert MinibatchStdDev().forward(x)[0, 2] == pytest.approx(1e-4)   # sqrt(eps)
    layer = MinibatchStdDev()
    layer.forward(x)
    dx = layer.backward(numpy.ones((8, 3)))
    assert numpy.isfinite(dx).all()                # no 0/0 thanks to eps


# ------------------------------------------------------- feature matching
def _d(dtype=numpy.float64):
    backend.manual_seed(3)
    return nn.Sequential(nn.Linear(2, 6), nn.Tanh(), nn.Linear(6, 4), nn.Tanh(),
                         nn.Linear(4, 1), nn.Sigmoid()).to(dtype=dtype)


def test_feature_matching_loss_value():
    D = _d()
    fm = FeatureMatching(D, 4)
    x_real, x_fake = randn(7, 2), randn(5, 2) + 1
    f = nn.Sequential(*D.layers[:4])
    expected = ((f.forward(x_real).mean(0) - f.forward(x_fake).mean(0)) ** 2).sum()
    assert float(fm.forward(x_real, x_fake)) == pytest.approx(expected)
    assert float(fm.forward(x_real, x_real)) == pytest.approx(0.0)


def test_feature_matching_gradient_matches_finite_differences():
    D = _d()
    fm = FeatureMatching(D, -2)                  # D without its last Linear and Sigmoid
    x_real, x_fake = randn(6, 2), randn(6, 2) * 0.5
    fm.forward(x_real, x_fake)
    analytic = fm.backward()
    numeric = numpy.zeros_like(x_fake)
    h = 1e-6
    for idx in numpy.ndindex(*x_fake.shape):
        old = x_fake[idx]
        x_fake[idx] = old + h
        plus = float(fm.forward(x_real, x_fake))
        x_fake[idx] = old - h
        minus = float(fm.forward(x_real, x_fake))
        x_fake[idx] = old
        numeric[idx] = (plus - minus) / (2 * h)
    numpy.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-9)


def test_feature_matching_needs_a_sequential_and_a_real_split():
    with pytest.raises(TypeError, match="Sequential"):
        FeatureMatching(nn.Linear(2, 1), 1)
    with pytest.raises(ValueError, match="non-empty"):
        FeatureMatching(_d(), 6)
    with pytest.raises(RuntimeError, match="before forward"):
        FeatureMatching(_d(), 2).backward()


# ------------------------------------------------------------ the image pool
def test_image_pool_fills_then_swaps_half(xp):
    from scratchgan.gan import ImagePool
    backend.manual_seed(0)
    pool = ImagePool(size=4)
    first = xp.arange(6, dtype=xp.float32).reshape(6, 1)
    out = backend.to_host(pool.query(first))
    assert out[:4, 0].tolist() == [0, 1, 2, 3] and pool.count == 4      # stored, handed on
    stored = set(backend.to_host(pool.state_dict()["images"])[:, 0].tolist())
    assert stored <= {0, 1, 2, 3, 4, 5} and len(stored) == 4
    new = xp.full((2000, 1), -1.0, dtype=xp.float32)
    out = backend.to_host(pool.query(new))
    assert 0.4 < (out[:, 0] != -1).mean() < 0.6                           # about half swapped
    assert backend.to_host(first).tolist() == [[float(i)] for i in range(6)]   # input untouched


def test_image_pool_of_size_zero_is_the_identity_and_shapes_are_checked():
    from scratchgan.gan import ImagePool
    x = np.ones((3, 2), np.float32)
    assert ImagePool(0).query(x) is x
    pool = ImagePool(2)
    pool.query(x)
    with pytest.raises(ValueError, match="ImagePool"):
        pool.query(np.ones((3, 5), np.float32))
