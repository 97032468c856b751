"""Pictures of a GAN learning, written straight to files (headless).

We use matplotlib's object-oriented API with the Agg canvas (``Figure`` +
``FigureCanvasAgg``) rather than ``pyplot``: no window, no global backend
switch, so this works on a server and never changes the backend of a
notebook that imports it.

What the pictures show:

* ``plot_history``: the diagnostics of every run, losses, D's outputs, D's
  accuracies, gradient norms, against the iteration.
* ``draw_1d``: Goodfellow et al.'s Figure 1 for real: histograms of p_data
  and p_g, the discriminator D(x), and the optimal discriminator of
  Proposition 1, D*(x) = p_data(x) / (p_data(x) + p_g(x)), with p_g estimated
  by a kernel density estimate.  A well-trained D tracks D*; at the end both
  sit at 1/2.
* ``draw_2d``: real and generated points over a heat map of D(x, y).
* ``save_strip`` / ``save_snapshot_gif``: snapshots over training as a figure
  strip or an animated GIF; ``save_image_grid`` / ``save_gif`` for images;
  ``make_grid`` / ``save_image`` are torchvision's, exactly (``image_grid.py``).

Snapshots are plain dicts of NumPy arrays (``snapshot_1d``, ``snapshot_2d``
take them from a ``GANTrainer``), so they can be taken during training and
drawn at the end.

This file is over 300 lines because it holds every figure the demos draw;
each is a short function with no state, found by its name.
"""
import math

import numpy
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from . import backend
from .atomic import atomic_path
from .image_grid import make_grid, save_image  # noqa: F401  (torchvision's, re-exported)
from .metrics import gaussian_kde

REAL_COLOUR, FAKE_COLOUR = "tab:blue", "tab:orange"
D_COLOUR, DSTAR_COLOUR = "tab:green", "black"
# The two networks keep one colour in every panel: D as its curve D(x), G as
# the samples it makes.
D_NET_COLOUR, G_NET_COLOUR = D_COLOUR, FAKE_COLOUR


def figure(width, height):
    """A headless figure (Agg canvas, constrained layout): ``fig.subplots(...)``,
    draw, then ``fig.savefig(path)``."""
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


_figure = figure


def _save(fig, path, dpi=100):
    """fig.savefig(path), atomically."""
    with atomic_path(path) as tmp:           # a killed run never leaves half a PNG
        fig.savefig(tmp, dpi=dpi)
    return path


save_figure = _save


def figure_to_array(fig, dpi=100):
    """Render a figure to an (H, W, 3) uint8 array (a GIF frame)."""
    fig.set_dpi(dpi)
    fig.canvas.draw()
    return numpy.asarray(fig.canvas.buffer_rgba())[..., :3].copy()


def _host(x):
    return numpy.asarray(backend.to_host(x), dtype=numpy.float64)


# ------------------------------------------------------------- history
D_LOSS_LABEL = "D loss = BCE(real) + BCE(fake)"


def plot_history(history, path, title="Training diagnostics", d_loss_label=D_LOSS_LABEL,
                 d_loss_optimum=2 * math.log(2), d_loss_optimum_label="2 ln 2"):
    """Four panels against the iteration: losses, mean D outputs, accuracies,
    gradient norms (log scale).  ``history``: a History or a list of rows.

    D's curves are green and G's orange in every panel.  The D loss is the
    trainer's sum of terms (``GANTrainer.d_loss_terms()`` says which, and its
    value at the equilibrium D = 1/2, drawn as a dashed line)."""
    rows = list(history)
    it = [r["iter"] for r in rows]

    def col(name):
        return [r[name] for r in rows]

    fig = _figure(11, 7)
    fig.suptitle(title)
    ax = fig.subplots(2, 2, sharex=True)

    a = ax[0, 0]
    a.plot(it, col("d_loss"), color=D_NET_COLOUR, label=d_loss_label)
    a.plot(it, col("g_loss"), color=G_NET_COLOUR, label="G loss")
    a.axhline(d_loss_optimum, color=D_NET_COLOUR, ls="--", lw=1,
              label=f"{d_loss_optimum_label} (D loss at equilibrium)")
    a.axhline(math.log(2), color=G_NET_COLOUR, ls=":", lw=1,
              label="ln 2 (non-saturating G loss at eq.)")
    a.set_ylabel("loss")
    a.set_title("Losses")
    a.legend(fontsize=8)

    a = ax[0, 1]
    a.plot(it, col("D_x"), color=REAL_COLOUR, label="mean D(x), real")
    a.plot(it, col("D_G_z"), color=FAKE_COLOUR, label="mean D(G(z)), generated")
    a.axhline(0.5, color="grey", ls="--", lw=1, label="1/2: D cannot tell")
    a.set_ylim(-0.02, 1.02)
    a.set_ylabel("D's output")
    a.set_title("What D says")
    a.legend(fontsize=8)

    a = ax[1, 0]
    a.plot(it, col("real_acc"), color=REAL_COLOUR, label="on real: D(x) > 1/2")
    a.plot(it, col("fake_acc"), color=FAKE_COLOUR, label="on fake: D(G(z)) < 1/2")
    a.axhline(0.5, color="grey", ls="--", lw=1)
    a.set_ylim(-0.02, 1.02)
    a.set_xlabel("iteration")
    a.set_ylabel("accuracy")
    a.set_title("D's accuracy")
    a.legend(fontsize=8)

    a = ax[1, 1]
    a.semilogy(it, col("d_grad_norm"), color=D_NET_COLOUR, label="||grad theta_D||")
    a.semilogy(it, col("g_grad_norm"), color=G_NET_COLOUR, label="||grad theta_G||")
    a.set_xlabel("iteration")
    a.set_ylabel("gradient norm")
    a.set_title("Gradient norms")
    a.legend(fontsize=8)
    return _save(fig, path)


def plot_series(series, path, title, xlabel="iteration", ylabel="", log_y=False):
    """Several curves on one axis: ``series`` maps a label to (x, y)."""
    fig = _figure(8, 4.5)
    ax = fig.subplots()
    for label, (x, y) in series.items():
        (ax.semilogy if log_y else ax.plot)(x, y, label=label)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend()
    return _save(fig, path)


# ------------------------------------------------------------------- 1D
def snapshot_1d(trainer, real, lo, hi, n=5000, points=400):
    """What to draw of a 1D GAN now: real and generated samples and D on a grid."""
    x = numpy.linspace(lo, hi, points)
    return {"iter": trainer.iteration, "real": _host(real).ravel(),
            "fake": trainer.generate(n).ravel().astype(numpy.float64),
            "x": x, "D": trainer.discriminate(x[:, None]).ravel()}


def draw_1d(ax, snap, p_data=None, xlim=None, ylim=None, legend=True, title=None):
    """Histograms of real and generated samples, with D(x) and D*(x) on a second axis.

    D*(x) = p_data(x) / (p_data(x) + p_g(x)) (Goodfellow et al. 2014,
    Proposition 1), with p_data the true density when given (a function),
    else a KDE of the real samples, and p_g always a KDE of the generated ones.
    """
    x = snap["x"]
    lo, hi = xlim or (x[0], x[-1])
    bins = numpy.linspace(lo, hi, 61)
    outside = {}
    for name, colour, label in (("real", REAL_COLOUR, "real samples"),
                                ("fake", FAKE_COLOUR, "generated samples")):
        v = snap[name]
        # Density of *all* samples, drawn where it is in view: samples outside
        # [lo, hi] are left out (never piled into the edge bins), so the bars
        # show less mass, and the share left out is written on the panel.
        weights = numpy.full(len(v), 1.0 / (max(len(v), 1) * (bins[1] - bins[0])))
        ax.hist(v, bins=bins, weights=weights, alpha=0.45, color=colour, label=label)
        outside[label] = float(numpy.mean((v < lo) | (v > hi))) if len(v) else 0.0
    notes = [f"{100 * share:.0f}% of {label} outside the plot"
             for label, share in outside.items() if share >= 0.005]
    if notes:
        ax.text(0.99, 0.98, "\n".join(notes), transform=ax.transAxes, ha="right", va="top",
                fontsize=7, color="dimgrey")
    p_d = p_data(x) if p_data is not None else gaussian_kde(snap["real"])(x)
    if p_data is not None:
        ax.plot(x, p_d, color=REAL_COLOUR, lw=1.5, label="p_data(x)")
    p_g = gaussian_kde(snap["fake"])(x)
    ax.plot(x, p_g, color=FAKE_COLOUR, lw=1.5, label="p_g(x) (KDE)")
    ax.set_xlim(lo, hi)
    if ylim:
        ax.set_ylim(*ylim)
    ax.set_xlabel("x")
    ax.set_ylabel("density")

    ax2 = ax.twinx()
    # D* is a ratio of two densities; where both are ~0 it is noise, so leave it out
    total = p_d + p_g
    d_star = numpy.where(total > 0.01 * total.max(), p_d / numpy.maximum(total, 1e-300),
                         numpy.nan)
    ax2.plot(x, snap["D"], color=D_COLOUR, lw=2, label="D(x)")
    ax2.plot(x, d_star, color=DSTAR_COLOUR, lw=1.5, ls="--",
             label="D*(x) = p_data / (p_data + p_g)")
    ax2.axhline(0.5, color="grey", lw=0.8, ls=":")
    ax2.set_ylim(-0.02, 1.02)
    ax2.set_ylabel("D(x)")
    ax.set_title(title or f"iteration {snap['iter']}")
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    if legend:
        ax.legend(h1 + h2, l1 + l2, fontsize=7, loc="upper left")
    return h1 + h2, l1 + l2


def plot_1d(snap, path, p_data=None, title=None):
    """One 1D snapshot as a figure file."""
    fig = _figure(8, 4.5)
    draw_1d(fig.subplots(), snap, p_data=p_data, title=title)
    return _save(fig, path)


# ------------------------------------------------------------------- 2D
def snapshot_2d(trainer, real, xlim, ylim, n=2500, resolution=120, heatmap=True):
    """Real and generated points, and D on a resolution x resolution grid
    (``heatmap=False`` skips D, e.g. when D judges packs, not points)."""
    snap = {"iter": trainer.iteration, "real": _host(real)[:n],
            "fake": trainer.generate(n).astype(numpy.float64), "xlim": xlim, "ylim": ylim,
            "D": None}
    if heatmap:
        gx = numpy.linspace(*xlim, resolution)
        gy = numpy.linspace(*ylim, resolution)
        xx, yy = numpy.meshgrid(gx, gy)
        grid = numpy.stack([xx.ravel(), yy.ravel()], 1)
        snap["D"] = trainer.discriminate(grid).reshape(resolution, resolution)
    return snap


def draw_2d(ax, snap, legend=True, title=None, colorbar=False, point_size=3):
    """Real (dark) and generated (orange) points over a heat map of D(x, y)."""
    (x0, x1), (y0, y1) = snap["xlim"], snap["ylim"]
    image = None
    if snap.get("D") is not None:
        image = ax.imshow(snap["D"], origin="lower", extent=(x0, x1, y0, y1), cmap="RdBu_r",
                          vmin=0, vmax=1, aspect="auto", alpha=0.75)
    ax.scatter(snap["real"][:, 0], snap["real"][:, 1], s=point_size, c="black",
               alpha=0.5, label="real", linewidths=0)
    ax.scatter(snap["fake"][:, 0], snap["fake"][:, 1], s=point_size, c=FAKE_COLOUR,
               alpha=0.6, label="generated", linewidths=0)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title(title or f"iteration {snap['iter']}")
    if legend:
        ax.legend(fontsize=7, loc="upper right", markerscale=3)
    if colorbar and image is not None:
        ax.figure.colorbar(image, ax=ax, label="D(x, y): red = 'real', blue = 'fake'")
    return ax.get_legend_handles_labels()


def plot_2d(snap, path, title=None):
    """One 2D snapshot as a figure file, with a colour bar for D."""
    fig = _figure(6.5, 5.5)
    draw_2d(fig.subplots(), snap, title=title, colorbar=True)
    return _save(fig, path)


# -------------------------------------------------- strips and animations
def save_strip(snaps, draw, path, ncols=None, panel_size=(3.6, 3.2), suptitle=None, **kw):
    """Snapshots side by side (wrapping after ``ncols``), each drawn by
    ``draw(ax, snap, legend=False, **kw)``, with one legend for all below them."""
    n = len(snaps)
    ncols = ncols or min(n, 5)
    nrows = math.ceil(n / ncols)
    fig = _figure(panel_size[0] * ncols, panel_size[1] * nrows + 0.5)
    axes = numpy.atleast_1d(fig.subplots(nrows, ncols)).ravel()
    for i, ax in enumerate(axes):
        if i < n:
            handles, labels = draw(ax, snaps[i], legend=False, **kw)
            if i == 0:
                legend = (handles, labels)
        else:
            ax.axis("off")
    try:                                            # matplotlib >= 3.7
        fig.legend(*legend, loc="outside lower center", ncol=min(len(legend[1]), 6),
                   markerscale=3)
    except ValueError:
        fig.legend(*legend, loc="lower center", ncol=min(len(legend[1]), 6), markerscale=3)
    if suptitle:
        fig.suptitle(suptitle)
    return _save(fig, path)


def save_snapshot_gif(snaps, draw, path, fps=2, size=(6.5, 4.5), **kw):
    """An animated GIF with one frame per snapshot, each drawn by ``draw``."""
    frames = []
    for snap in snaps:
        fig = _figure(*size)
        draw(fig.subplots(), snap, **kw)
        frames.append(figure_to_array(fig))
    return save_gif(frames, path, fps=fps)


def save_gif(frames, path, fps=2, loop=0):
    """Write an animated GIF from PNG paths or (H, W[, 3|4]) arrays.

    uint8 arrays are used as they are, floats are taken to lie in [0, 1].
    Frames of a different size are resized to the first one's.  Uses Pillow
    (installed with matplotlib >= 3.3); without it, raises ImportError.
    """
    from PIL import Image

    images = []
    for f in frames:
        if isinstance(f, (str, bytes)) or hasattr(f, "__fspath__"):
            im = Image.open(f).convert("RGB")
        else:
            a = numpy.asarray(backend.to_host(f))
            if a.dtype != numpy.uint8:
                a = (numpy.clip(a, 0, 1) * 255).round().astype(numpy.uint8)
            im = Image.fromarray(a.squeeze() if a.ndim == 3 and a.shape[2] == 1 else a)
            im = im.convert("RGB")
        if images and im.size != images[0].size:
            im = im.resize(images[0].size)
        images.append(im)
    if not images:
        raise ValueError("save_gif: no frames")
    with atomic_path(path) as tmp:
        images[0].save(tmp, save_all=True, append_images=images[1:],
                       duration=int(1000 / fps), loop=loop)
    return path


# ------------------------------------------------------------- images
def save_image_grid(images, path, nrow=8, padding=2, title=None, scale=2, row_labels=None):
    """Save (N, 1|3, H, W) images in [-1, 1] as one PNG grid, ``nrow`` per row.

    ``row_labels``: one text per row, written to the left of it (for a
    conditional GAN: the class each row asked for).
    Returns the grid as an (H', W', C) float array in [0, 1] (handy as a GIF frame).
    """
    if getattr(images, "ndim", 0) == 3:                       # (N, H, W): one channel each
        images = images[:, None]
    gray = images.shape[1] == 1
    grid = make_grid(images, nrow=nrow, padding=padding, normalize=True, value_range=(-1, 1),
                     pad_value=1.0).transpose(1, 2, 0)          # white gaps, (H', W', 3)
    if gray:
        grid = grid[..., :1]
    h, w = grid.shape[:2]
    dpi = 100
    top = 16 + 14 * (title.count("\n") + 1) if title else 0       # room for each title line
    left = 0 if row_labels is None else 16 + 9 * max(len(str(s)) for s in row_labels)
    fig = Figure(figsize=((w * scale + left) / dpi, (h * scale + top) / dpi))
    FigureCanvasAgg(fig)
    ax = fig.add_axes((left / (w * scale + left), 0, w * scale / (w * scale + left),
                       h * scale / (h * scale + top)))
    ax.imshow(grid[..., 0] if gray else grid, cmap="gray" if gray else None,
              vmin=0, vmax=1, interpolation="nearest")
    ax.axis("off")
    if row_labels is not None:
        cell = (h - padding) / len(row_labels)
        for i, label in enumerate(row_labels):
            ax.text(-4, padding + (i + 0.5) * cell - padding / 2, str(label), ha="right",
                    va="center", fontsize=9)
    if title:
        fig.suptitle(title, fontsize=10, y=0.99)
    _save(fig, path, dpi=dpi)
    return grid
