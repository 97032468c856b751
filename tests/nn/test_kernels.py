"""The one switch over the speed detours (``scratchgan/nn/kernels``): with the
kernels off every layer takes its plain path, and training computes the same
numbers (up to rounding) as with them on."""
import os
import subprocess
import sys

import numpy
import pytest

from scratchgan import backend, models, nn, optim, strict_device
from scratchgan.gan import GANSteps, normal_noise
from scratchgan.nn import kernels
from scratchgan.nn.kernels import gemm, shifted_gemm

from helpers import ROOT


def test_off_is_a_context_that_restores_the_switch():
    assert kernels.enabled()
    with kernels.off():
        assert not kernels.enabled()
        with kernels.off():
            assert not kernels.enabled()
        assert not kernels.enabled()
    assert kernels.enabled()
    with pytest.raises(ZeroDivisionError):
        with kernels.off():
            1 / 0
    assert kernels.enabled()


def test_use_takes_a_bool_only():
    with pytest.raises(TypeError, match="kernels.use: expected True or False"):
        kernels.use("off")
    kernels.use(False)
    try:
        assert not kernels.enabled()
    finally:
        kernels.use(True)


@pytest.mark.parametrize("value, on", [("off", False), ("0", False), ("on", True), ("1", True)])
def test_the_environment_variable_starts_a_program_with_them_off(value, on):
    env = dict(os.environ, PYTHONPATH=str(ROOT), SCRATCHGAN_KERNELS=value)
    out = subprocess.run([sys.executable, "-c", "from scratchgan.nn import kernels; "
                          "print(kernels.enabled())"], capture_output=True, text=True, env=env)
    assert out.stdout.strip() == str(on), out.stderr


def test_off_takes_no_detour(monkeypatch):
    """With the kernels off: no shifted GEMM, no tall-product trick, no joint batch."""
    calls = []
    real_forward = shifted_gemm.forward
    monkeypatch.setattr(shifted_gemm, "forward", lambda *a: calls.append("shifted") or real_forward(*a))
    conv = nn.Conv2d(32, 16, 3, padding=1)
    x = backend.randn(2, 32, 12, 12)
    conv(x)
    assert calls == ["shifted"]                       # on: this shape takes the detour
    with kernels.off():
        conv(x)
        a, b = numpy.ones((5000, 2)), numpy.ones((5000, 3))
        assert gemm.at_b(a, b).flags.c_contiguous     # a.T @ b itself, not a transposed view
    assert calls == ["shifted"]
    assert not gemm.at_b(a, b).flags.c_contiguous     # on, a long shared axis: (b.T a).T, a view
    short = numpy.ones((64, 2)), numpy.ones((64, 3))
    assert gemm.at_b(*short).flags.c_contiguous       # on, a short one (Linear's batch): plain


def _train(make, kernels_on, seed=1, iterations=2, batch_size=8):
    backend.set_default_dtype(numpy.float64)
    try:
        backend.manual_seed(seed)
        G, D = make()
        data = backend.randn(64, *G(backend.randn(2, 100)).shape[1:])
        rng = numpy.random.default_rng(seed)

        def sample_data(m):
            return data[rng.integers(0, len(data), m)]
        steps = GANSteps(G, D, optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999)),
                         optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999)),
                         sample_data, normal_noise(100), batch_size=batch_size)
        if kernels_on:
            for _ in range(iterations):
                steps.step()
        else:
            with kernels.off():
                for _ in range(iterations):
                    steps.step()
        return [backend.to_host(p.data).copy() for p in G.parameters() + D.parameters()]
    finally:
        backend.set_default_dtype(numpy.float32)


@pytest.mark.parametrize("make", [lambda: models.mlp_gan(img_shape=(1, 8, 8)),
                                  lambda: models.dcgan28(),
                                  lambda: models.pytorch_gan_dcgan(img_size=16)],
                         ids=["mlp_gan", "dcgan28", "pytorch_gan_dcgan"])
def test_training_with_the_kernels_off_gives_the_same_numbers(make):
    """Two Adam iterations of a whole GAN (im2col and shifted convolutions,
    BatchNorm's sums, the joint D batch, Adam's blocks): float64 parameters
    agree to rounding."""
    on, off = _train(make, True), _train(make, False)
    assert len(on) == len(off)
    for p_on, p_off in zip(on, off):
        numpy.testing.assert_allclose(p_on, p_off, rtol=1e-9, atol=1e-9)   # atol: biases before BatchNorm, true gradient 0


def test_d_step_skips_the_input_gradient_through_a_flatten():
    """Sequential(Flatten, Linear, ...).backward(input_grad=False): Flatten has nothing
    to learn, so Linear computes no dx (returns None) and the weight gradients agree."""
    grads = []
    for input_grad in (True, False):
        backend.manual_seed(0)
        D = nn.Sequential(nn.Flatten(), nn.Linear(12, 5), nn.LeakyReLU(0.2), nn.Linear(5, 1))
        x = backend.randn(4, 3, 2, 2)
        out = D(x)
        dx = D.backward(backend.randn(4, 1), out, input_grad=input_grad)
        assert (dx is None) == (not input_grad)
        grads.append([backend.to_host(p.grad).copy() for p in D.parameters()])
    for a, b in zip(*grads):
        numpy.testing.assert_allclose(a, b, rtol=1e-6)


# ------------------------------------------------------------------ add_product: C += A @ B
from hypothesis import given, settings, strategies as st          # noqa: E402

from scratchgan.nn.kernels import add_product as add_product_module   # noqa: E402
from scratchgan.nn.kernels.add_product import add_product          # noqa: E402


def _laid_out(rng, shape, layout, dtype):
    """An array of ``shape`` in memory as ``layout``: "rows" (C order), "cols" (a
    transposed C array), "block" (rows of a wider array: leading dimension >
    columns), "strided" (every other column: no BLAS layout)."""
    r, c = shape
    if layout == "rows":
        return rng.standard_normal((r, c)).astype(dtype)
    if layout == "cols":
        return rng.standard_normal((c, r)).astype(dtype).T
    if layout == "block":
        return rng.standard_normal((r, c + 3)).astype(dtype)[:, 1:c + 1]
    return rng.standard_normal((r, 2 * c)).astype(dtype)[:, ::2]


@settings(max_examples=60, deadline=None)
@given(m=st.integers(1, 40), k=st.integers(1, 40), n=st.integers(1, 40),
       a_layout=st.sampled_from(["rows", "cols", "block", "strided"]),
       b_layout=st.sampled_from(["rows", "cols", "block", "strided"]),
       c_layout=st.sampled_from(["rows", "cols", "block"]),
       dtype=st.sampled_from([numpy.float32, numpy.float64]), seed=st.integers(0, 10_000))
def test_add_product_equals_c_plus_a_times_b(m, k, n, a_layout, b_layout, c_layout, dtype, seed):
    rng = numpy.random.default_rng(seed)
    A, B = _laid_out(rng, (m, k), a_layout, dtype), _laid_out(rng, (k, n), b_layout, dtype)
    C = _laid_out(rng, (m, n), c_layout, dtype)
    expected = C.astype(numpy.float64) + A.astype(numpy.float64) @ B.astype(numpy.float64)
    out = add_product(C, A, B)
    assert out is C and C.dtype == dtype
    tol = 1e-4 if dtype == numpy.float32 else 1e-12
    numpy.testing.assert_allclose(C, expected, rtol=tol, atol=tol * (1 + k))


def test_add_product_calls_numpys_own_blas_where_the_wheel_has_it():
    """NumPy's Linux/macOS wheels carry a 64-bit-integer OpenBLAS; there the
    product must not take the temporary (else the speed claim is void)."""
    blas = numpy.__config__.CONFIG["Build Dependencies"]["blas"]
    if blas.get("name") != "scipy-openblas":
        pytest.skip(f"NumPy is built against {blas.get('name')!r}, not its wheel's OpenBLAS")
    assert add_product_module.available()
    calls = []
    real = add_product_module._GEMMS

    def spy(dtype):
        return lambda *args: calls.append(dtype) or real[dtype](*args)
    try:
        add_product_module._GEMMS = {dt: spy(dt) for dt in real}
        C, A, B = numpy.zeros((3, 2), numpy.float32), numpy.ones((3, 4), numpy.float32), \
            numpy.ones((4, 2), numpy.float32)
        add_product(C, A, B)
        add_product(C, A, B)
        assert calls == [numpy.dtype(numpy.float32)] * 2 and (C == 8).all()
        add_product(C, A, B.astype(numpy.float64))            # mixed dtypes: the plain path
        add_product(C[::-1], A, B)                             # negative strides: the plain path
        with kernels.off():
            add_product(C, A, B)                               # switched off: the plain path
        assert len(calls) == 2 and (C == 20).all()
    finally:
        add_product_module._GEMMS = real


def test_add_product_on_the_strict_stand_in_makes_numpys_blas_call():
    """The stand-in's arrays hold NumPy arrays: add_product hands those to the
    same BLAS call, so a run under the stand-in equals the NumPy run bit for bit
    on every BLAS kernel (C + AB rounded once, not twice as in C += A @ B)."""
    if not add_product_module.available():
        pytest.skip("NumPy's wheel's OpenBLAS is not there: both paths are C += A @ B")
    rng = numpy.random.default_rng(0)
    C, A, B = (rng.standard_normal(s).astype(numpy.float32) for s in ((37, 29), (37, 300), (300, 29)))
    on_host = add_product(C.copy(), A, B)
    calls = []
    real = add_product_module._GEMMS
    try:
        add_product_module._GEMMS = {dt: (lambda f: lambda *a: calls.append(1) or f(*a))(f)
                                     for dt, f in real.items()}
        dC, dA, dB = (strict_device.asarray(a) for a in (C, A, B))
        out = add_product(dC, dA, dB)
        assert out is dC and isinstance(out, strict_device.ndarray) and calls == [1]
        numpy.testing.assert_array_equal(dC.get(), on_host)
        view = strict_device.asarray(numpy.zeros((40, 29), numpy.float32))
        add_product(view[1:38], dA, dB)                     # a view: written through
        numpy.testing.assert_array_equal(view.get()[1:38], add_product(numpy.zeros_like(C), A, B))
        with pytest.raises(TypeError, match="host"):        # a host array mixed in: refused as CuPy would
            add_product(dC, A, dB)
    finally:
        add_product_module._GEMMS = real


def test_add_product_refuses_what_matmul_refuses_and_handles_overlap():
    C = numpy.zeros((3, 2))
    with pytest.raises(ValueError):
        add_product(C, numpy.ones((3, 4)), numpy.ones((5, 2)))     # inner sizes differ
    M = numpy.arange(16.0).reshape(4, 4)
    expected = M + M @ M
    add_product(M, M, M.copy())                                     # C is A: the plain path
    numpy.testing.assert_array_equal(M, expected)
    ints = numpy.ones((2, 2), numpy.int64)
    add_product(ints, ints, ints)
    assert (ints == 3).all()


# ------------------------------------------------------------------ product_col2im
from scratchgan.nn.im2col import col2im                                # noqa: E402
from scratchgan.nn.kernels.product_col2im import product_col2im        # noqa: E402


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 3), c=st.integers(1, 4), h=st.integers(1, 7), w=st.integers(1, 7),
       k_in=st.integers(1, 5), kh=st.integers(1, 4), kw=st.integers(1, 4),
       sh=st.integers(1, 3), sw=st.integers(1, 3), ph=st.integers(0, 2), pw=st.integers(0, 2),
       w2_view=st.booleans(), seed=st.integers(0, 10_000))
def test_product_col2im_equals_col2im_of_the_product(n, c, h, w, k_in, kh, kw, sh, sw, ph, pw,
                                                     w2_view, seed):
    """One product per kernel offset, added as whole blocks, against the plain
    col2im(A @ W2) in float64 (and the kernels-off path is that plain line)."""
    OH, OW = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
    if OH < 1 or OW < 1:
        return
    rng = numpy.random.default_rng(seed)
    A = rng.standard_normal((OH * OW * n, k_in))
    W2 = rng.standard_normal((k_in, kh * kw * c))
    if w2_view:                                  # as the layers pass it: a reordered copy's view
        W2 = numpy.ascontiguousarray(W2.T).T
    x_shape = (n, c, h, w)
    expected = col2im(A @ W2, x_shape, kh, kw, (sh, sw), (ph, pw))
    got = product_col2im(A, W2, x_shape, kh, kw, (sh, sw), (ph, pw))
    assert got.shape == x_shape
    numpy.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    with kernels.off():
        plain = product_col2im(A, W2, x_shape, kh, kw, (sh, sw), (ph, pw))
    numpy.testing.assert_array_equal(plain, expected)


def test_product_col2im_names_a_mismatch():
    with pytest.raises(ValueError, match=r"product_col2im: A \(5, 3\) @ W2 \(3, 8\)"):
        product_col2im(numpy.ones((5, 3)), numpy.ones((3, 8)), (1, 2, 4, 4), 2, 2, 2, 0)
