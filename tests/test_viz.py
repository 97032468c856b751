"""Pictures: every function writes a readable file, headless."""
import numpy
import pytest

from scratchgan import backend, nn, optim, viz
from scratchgan.data.toy import normal_1d, ring_of_gaussians
from scratchgan.gan import GANTrainer, normal_noise
from scratchgan.metrics import normal_pdf

PNG, GIF = b"\x89PNG", b"GIF8"


def magic(path, n=4):
    with open(path, "rb") as f:
        return f.read(n)


def trainer(dim):
    backend.set_backend("numpy")
    backend.manual_seed(0)
    G = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, dim))
    D = nn.Sequential(nn.Linear(dim, 8), nn.LeakyReLU(0.2), nn.Linear(8, 1), nn.Sigmoid())
    t = GANTrainer(G, D, optim.Adam(G.parameters()), optim.Adam(D.parameters()),
                   normal_1d if dim == 1 else ring_of_gaussians, normal_noise(2), batch_size=16)
    t.train(20, log_every=5, progress=False)
    return t


def test_plot_history(tmp_path):
    t = trainer(1)
    path = viz.plot_history(t.history, tmp_path / "curves.png")
    assert magic(path) == PNG


def test_1d_snapshot_plot_strip_and_gif(tmp_path):
    t = trainer(1)
    real = normal_1d(500)
    snap = viz.snapshot_1d(t, real, -1, 9, n=300, points=50)
    assert snap["x"].shape == snap["D"].shape == (50,) and snap["fake"].shape == (300,)
    assert ((0 <= snap["D"]) & (snap["D"] <= 1)).all()
    p_data = lambda x: normal_pdf(x, 4.0, 1.25)       # noqa: E731
    assert magic(viz.plot_1d(snap, tmp_path / "final.png", p_data=p_data)) == PNG
    assert magic(viz.save_strip([snap, snap, snap], viz.draw_1d, tmp_path / "strip.png",
                                ncols=2, p_data=p_data, suptitle="t")) == PNG
    assert magic(viz.save_snapshot_gif([snap, snap], viz.draw_1d, tmp_path / "a.gif")) == GIF


def test_2d_snapshot_with_and_without_heat_map(tmp_path):
    t = trainer(2)
    real = ring_of_gaussians(200)
    snap = viz.snapshot_2d(t, real, (-1.5, 1.5), (-1.5, 1.5), n=100, resolution=20)
    assert snap["D"].shape == (20, 20) and snap["fake"].shape == (100, 2)
    assert magic(viz.plot_2d(snap, tmp_path / "final.png")) == PNG
    bare = viz.snapshot_2d(t, real, (-1.5, 1.5), (-1.5, 1.5), n=100, heatmap=False)
    assert bare["D"] is None
    assert magic(viz.save_strip([snap, bare], viz.draw_2d, tmp_path / "strip.png")) == PNG


def test_snapshots_leave_the_networks_in_training_mode():
    t = trainer(1)
    t.D.layers.insert(1, nn.Dropout(0.5))       # eval mode must switch dropout off
    x = numpy.linspace(0, 8, 64)[:, None]
    a, b = t.discriminate(x), t.discriminate(x)
    numpy.testing.assert_array_equal(a, b)
    assert t.D.training and all(m.training for m in t.D.modules())


def test_make_grid_is_torchvisions_layout():
    """torchvision.utils.make_grid's rules: channel-first, one channel repeated to
    three, black padding around and between, a single image unpadded."""
    images = numpy.zeros((5, 1, 3, 3), dtype=numpy.float32)
    images[1] = 1.0                                             # one white image
    grid = viz.make_grid(images, nrow=3, padding=1)
    assert grid.shape == (3, 2 * 4 + 1, 3 * 4 + 1)
    assert grid[:, 1:4, 1:4].max() == 0.0 and grid[:, 1:4, 5:8].min() == 1.0
    assert grid[:, 0].max() == 0.0                              # padding: pad_value 0
    assert grid[:, 5:8, 9:12].max() == 0.0                      # the empty 6th cell
    assert viz.make_grid(images[:1], padding=5).shape == (3, 3, 3)
    assert viz.make_grid(images, nrow=8, padding=2, pad_value=0.5)[0, 0, 0] == 0.5


def test_make_grid_normalize_modes():
    x = numpy.stack([numpy.full((1, 2, 2), v, numpy.float32) for v in (-1.0, 0.0, 3.0)])
    x[2, 0, 0, 0] = 1.0
    whole = viz.make_grid(x, nrow=3, padding=0, normalize=True)      # batch min -1, max 3
    numpy.testing.assert_allclose(whole[0, 0, :6:2], [0.0, 0.25, 0.5])
    ranged = viz.make_grid(x, nrow=3, padding=0, normalize=True, value_range=(-1, 1))
    numpy.testing.assert_allclose(ranged[0, 1, :6:2], [0.0, 0.5, 1.0])  # 3 clamped to 1
    each = viz.make_grid(x, nrow=3, padding=0, normalize=True, scale_each=True)
    numpy.testing.assert_allclose(each[0, :, 4:6], [[0.0, 1.0], [1.0, 1.0]])
    numpy.testing.assert_allclose(each[0, :, 0:2], 0.0)        # a constant image: 0 (1e-5 floor)
    assert x[2, 0, 0, 0] == 1.0                                # the input is not changed


def test_save_image_writes_torchvisions_bytes(tmp_path):
    from PIL import Image
    x = numpy.linspace(0, 1, 2 * 1 * 4 * 4, dtype=numpy.float32).reshape(2, 1, 4, 4)
    path = viz.save_image(x, tmp_path / "s.png", nrow=2, padding=1)
    pixels = numpy.asarray(Image.open(path))
    assert pixels.shape == (6, 11, 3) and pixels.dtype == numpy.uint8
    expected = numpy.clip(x[1, 0] * 255 + 0.5, 0, 255).astype(numpy.uint8)
    numpy.testing.assert_array_equal(pixels[1:5, 6:10, 0], expected)
    assert pixels[0].max() == 0


def test_save_image_grid(tmp_path):
    images = numpy.random.RandomState(0).uniform(-1, 1, (16, 1, 28, 28))
    grid = viz.save_image_grid(images, tmp_path / "grid.png", nrow=4, title="samples")
    assert grid.shape == (4 * 30 + 2, 4 * 30 + 2, 1)
    assert magic(tmp_path / "grid.png") == PNG
    rgb = viz.save_image_grid(images.repeat(3, axis=1), tmp_path / "rgb.png", nrow=8)
    assert rgb.shape[2] == 3


def test_save_gif_from_arrays_and_pngs(tmp_path):
    frames = [numpy.full((10, 12), v, dtype=numpy.float64) for v in (0.0, 0.5, 1.0)]
    assert magic(viz.save_gif(frames, tmp_path / "a.gif")) == GIF
    pngs = []
    for i in range(2):
        images = numpy.full((4, 1, 5, 5), -1.0 + i)
        viz.save_image_grid(images, tmp_path / f"{i}.png", nrow=2)
        pngs.append(tmp_path / f"{i}.png")
    path = viz.save_gif([str(p) for p in pngs], tmp_path / "b.gif", fps=4)
    from PIL import Image
    with Image.open(path) as im:
        assert im.n_frames == 2
    with pytest.raises(ValueError):
        viz.save_gif([], tmp_path / "c.gif")


def test_plot_series(tmp_path):
    path = viz.plot_series({"a": ([1, 2, 3], [1e-3, 1e-2, 1e-1]), "b": ([1, 2, 3], [1, 1, 1])},
                           tmp_path / "s.png", title="t", ylabel="y", log_y=True)
    assert magic(path) == PNG


def test_1d_histogram_has_no_false_spike_at_the_edge(tmp_path):
    import numpy as np
    """Samples beyond the plotted range are left out, not piled into the last bin,
    and the share left out is written on the panel."""
    from scratchgan.viz import draw_1d, figure
    x = np.linspace(-1, 9, 400)
    fake = np.concatenate([np.random.RandomState(0).normal(4, 1, 900), np.full(100, 50.0)])
    snap = {"iter": 0, "real": np.random.RandomState(1).normal(4, 1, 1000), "fake": fake,
            "x": x, "D": np.full(400, 0.5)}
    fig = figure(6, 4)
    ax = fig.subplots()
    draw_1d(ax, snap)
    bars = [p for p in ax.patches if abs(p.get_x() + p.get_width() - 9) < 1e-9]
    assert max(p.get_height() for p in bars) < 0.05          # the last bins: no spike
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "10% of generated samples outside the plot" in texts
