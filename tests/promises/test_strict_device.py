"""The GPU path without a GPU: the strict CuPy stand-in (scratchgan/strict_device.py).

1. The stand-in refuses what CuPy refuses and counts what CuPy would sync on.
2. A training iteration on the "device" moves nothing to the host and reads no
   scalar between log points; minibatches and noise are drawn on the device.
3. Every demo runs with --device gpu on the stand-in for a few iterations, and
   the image demos give the CPU run's samples bit for bit.
4. The benchmark's step runs once on it.
"""
import os
import runpy
import sys

import numpy
import pytest

from scratchgan import backend, models, nn, optim, strict_device
from scratchgan.data import ArraySampler
from scratchgan.gan import GANTrainer, normal_noise

from helpers import ROOT, load_demo

pytestmark = pytest.mark.filterwarnings("ignore::scratchgan.gan.diagnostics.GANWarning")


# ------------------------------------------------------------- 1. refusals
def test_refuses_what_cupy_refuses(device):
    xp = backend.get_xp()
    x = xp.ones((2, 3), dtype=numpy.float32)
    with pytest.raises(TypeError, match="Implicit conversion to a NumPy array"):
        numpy.asarray(x)
    with pytest.raises(TypeError, match="host"):
        x + numpy.ones((2, 3), dtype=numpy.float32)            # mixing host into device
    with pytest.raises(TypeError, match="host"):
        xp.concatenate([x, numpy.ones((2, 3), dtype=numpy.float32)])
    with pytest.raises(TypeError, match="host"):
        x[0] = numpy.zeros(3, dtype=numpy.float32)
    with pytest.raises(TypeError, match="numpy.concatenate"):
        numpy.concatenate([x, x])                              # NumPy functions on device
    assert isinstance(x.sum(), strict_device.ndarray)         # reductions stay on the device
    assert x.sum().shape == ()
    assert device.counts == {"to_host": 0, "to_device": 0, "scalar_reads": 0, "syncs": 0}


def test_counts_every_transfer_and_scalar_read(device):
    xp = backend.get_xp()
    x = xp.asarray(numpy.arange(6.0))                          # host -> device
    s = x.sum()
    float(s), s.item(), bool(s > 0), f"{s:.1f}"                # four syncs
    backend.to_host(x)                                         # device -> host
    backend.synchronize()
    assert device.counts == {"to_host": 1, "to_device": 1, "scalar_reads": 4, "syncs": 1}


def test_arithmetic_in_place_keeps_the_array_and_scalars_mix(device):
    xp = backend.get_xp()
    x = xp.zeros(3, dtype=numpy.float32)
    y = x
    x += 2                                                     # Python scalar
    x *= numpy.float32(0.5)                                    # NumPy scalar (a number)
    assert x is y and backend.to_host(x).tolist() == [1.0, 1.0, 1.0]


def test_random_draws_equal_numpys(device):
    z = backend.randn(4, 5)
    u = backend.rand(3)
    rs = numpy.random.RandomState(0)
    numpy.testing.assert_array_equal(backend.to_host(z), rs.standard_normal((4, 5)).astype(numpy.float32))
    numpy.testing.assert_array_equal(backend.to_host(u), rs.random_sample(3).astype(numpy.float32))


# ----------------------------------------- 2. a training iteration stays on the device
def _trainer(arch, conditional=False, batch=16):
    rs = numpy.random.RandomState(0)
    images = backend.to_device(rs.uniform(-1, 1, (200, 1, 28, 28)).astype(numpy.float32))
    if conditional:
        G, D = models.cgan_mlp(latent_dim=8, n_classes=10)
        labels = backend.to_device(numpy.eye(10, dtype=numpy.float32)[rs.randint(0, 10, 200)])
        sampler = ArraySampler(images, labels)
        extra = {"mismatched_labels": True}
    else:
        G, D = getattr(models, arch)(latent_dim=8)
        sampler, extra = ArraySampler(images), {}
    opt_G = optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_D = optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    return GANTrainer(G, D, opt_G, opt_D, sampler, normal_noise(8), batch_size=batch, **extra)


@pytest.mark.parametrize("arch,conditional", [("mlp_gan", False), ("dcgan28", False),
                                              (None, True)])
def test_an_iteration_moves_nothing_to_the_host(device, arch, conditional):
    trainer = _trainer(arch, conditional)
    device.reset(record=True)
    for _ in range(9):                                         # between log points
        trainer.step()
    assert device.counts == {"to_host": 0, "to_device": 0, "scalar_reads": 0, "syncs": 0}, \
        "".join(where for _, where in device.events[:3])
    trainer.log()                                              # the log point: one batch of reads
    reads = dict(device.counts)
    assert 0 < reads["scalar_reads"] + reads["to_host"] <= 40, reads


def test_train_syncs_only_at_log_points(device):
    trainer = _trainer("mlp_gan")
    trainer.train(10, log_every=5, progress=False)            # warm up: the first good state
    device.reset()
    trainer.train(20, log_every=10, progress=False)
    per_log = dict(device.counts)
    device.reset()
    trainer.train(20, log_every=5, progress=False)
    # twice the log points, twice the reads: none of them belongs to an iteration
    assert device.counts["scalar_reads"] + device.counts["to_host"] == \
        2 * (per_log["scalar_reads"] + per_log["to_host"])
    assert device.counts["to_device"] == 0


def test_minibatches_and_noise_are_drawn_on_the_device(device):
    images = backend.to_device(numpy.zeros((50, 3), numpy.float32))
    device.reset()
    x = ArraySampler(images)(8)
    z = normal_noise(4)(8)
    assert isinstance(x, strict_device.ndarray) and isinstance(z, strict_device.ndarray)
    assert device.counts["to_device"] == 0 and device.counts["to_host"] == 0


def test_module_to_gpu_moves_every_parameter(device):
    backend.set_backend("numpy")
    net = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    net.to("gpu")
    assert all(isinstance(p.data, strict_device.ndarray) for p in net.parameters())
    assert all(isinstance(b, strict_device.ndarray) for _, b in net.named_buffers()
               if b is not None)


# ------------------------------------------------------------------ 3. demos
def _image_demo(name, out, data_dir, device_flag, extra=()):
    argv = ["--iters", "3", "--batch-size", "8", "--sample-every", "2", "--num-samples", "16",
            "--out", str(out), "--no-progress", "--device", device_flag, *extra]
    if name != "lines_dcgan":
        argv += ["--data-dir", str(data_dir), "--no-download"]
    load_demo(name).main(argv)
    return numpy.load(out / "samples.npy")


@pytest.mark.parametrize("name,extra", [("mnist_mlp", ()), ("mnist_dcgan", ()),
                                        ("mnist_cgan", ()), ("lines_dcgan", ())])
def test_image_demos_on_the_device_match_the_cpu_bit_for_bit(tmp_path, data_dir, name, extra):
    backend.set_device_module(strict_device)
    try:
        on_device = _image_demo(name, tmp_path / "gpu", data_dir, "gpu", extra)
    finally:
        backend.set_device_module(None)
    on_cpu = _image_demo(name, tmp_path / "cpu", data_dir, "cpu", extra)
    numpy.testing.assert_array_equal(on_device, on_cpu)
    assert backend.backend_name() == "numpy"


@pytest.mark.parametrize("name,extra", [
    ("normal_1d", ()), ("curve_2d", ("--data", "line")), ("curve_2d", ("--data", "sine")),
    ("mixture_2d", ("--remedy", "pack", "--batch-size", "32")),
    ("mixture_2d", ("--remedy", "fm", "--batch-size", "32")),
    ("saturation_1d", ("--head-start", "3"))])
def test_toy_demos_run_on_the_device(tmp_path, monkeypatch, name, extra):
    argv = [f"{name}.py", "--iters", "30", "--out", str(tmp_path), "--no-progress",
            "--device", "gpu", *extra]
    monkeypatch.setattr(sys, "argv", argv)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    backend.set_device_module(strict_device)
    try:
        runpy.run_path(str(ROOT / "demos" / f"{name}.py"), run_name="__main__")
    finally:
        backend.set_device_module(None)
    assert (tmp_path / "samples.npy").stat().st_size > 0


# -------------------------------------------------------------- 4. benchmarks
def test_benchmark_step_runs_on_the_device(device):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import train_step
        for arch in ("mlp_gan", "dcgan28"):
            step, sync = train_step.ours(arch, 8, "gpu")
            device.reset()
            step()
            sync()
            assert device.counts["to_host"] == 0 and device.counts["scalar_reads"] == 0
            assert device.counts["syncs"] == 1
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
        os.environ.pop("SCRATCHGAN_BENCH", None)


# ------------------------------------------- the newer demos on the stand-in
def _on_device(fn):
    backend.set_device_module(strict_device)
    try:
        return fn()
    finally:
        backend.set_device_module(None)
        backend.set_backend("numpy")


def test_gain_on_the_device_matches_the_cpu(tmp_path):
    rng = numpy.random.RandomState(0)
    factors = rng.uniform(0, 1, (80, 2))
    table = (factors @ rng.uniform(-1, 1, (2, 4))).astype(numpy.float32)
    csv = tmp_path / "t.csv"
    numpy.savetxt(csv, table, delimiter=",", header="a,b,c,d", comments="")
    argv = lambda out, dev: ["--data", str(csv), "--iters", "20", "--out", str(tmp_path / out),  # noqa: E731
                             "--no-progress", "--device", dev]
    _on_device(lambda: load_demo("gain").main(argv("gpu", "gpu")))
    load_demo("gain").main(argv("cpu", "cpu"))
    numpy.testing.assert_array_equal(numpy.load(tmp_path / "gpu" / "imputed.npy"),
                                      numpy.load(tmp_path / "cpu" / "imputed.npy"))


def test_lecture_question_demos_run_on_the_device(tmp_path, data_dir):
    _on_device(lambda: load_demo("discriminator_generates").main(
        ["--iters", "20", "--rounds", "2", "--ascent-steps", "3", "--n-starts", "32",
         "--batch-size", "16", "--out", str(tmp_path / "dg"), "--no-progress", "--device", "gpu"]))
    _on_device(lambda: load_demo("autoencoder").main(
        ["--iters", "3", "--gan-iters", "2", "--num-samples", "10", "--judge-epochs", "1",
         "--batch-size", "8", "--data-dir", str(data_dir), "--no-download",
         "--out", str(tmp_path / "ae"), "--no-progress", "--device", "gpu"]))
    assert (tmp_path / "dg" / "metrics.json").exists() and (tmp_path / "ae" / "metrics.json").exists()


def test_bagan_runs_on_the_device(tmp_path, data_dir):
    _on_device(lambda: load_demo("bagan").main(
        ["--iters", "2", "--ae-iters", "2", "--clf-epochs", "1", "--test-per-class", "2",
         "--repeats", "1",
         "--batch-size", "8", "--data-dir", str(data_dir), "--no-download",
         "--out", str(tmp_path), "--no-progress", "--device", "gpu"]))
    assert (tmp_path / "metrics.json").exists()
