"""ImageRun: one command-line run of an image GAN (device, data, grids,
checkpoints and --resume, the files at the end)."""
import math
import warnings
from pathlib import Path

import numpy

from scratchgan import backend, viz
from scratchgan.atomic import save_npy
from scratchgan.gan import sampling
from scratchgan.gan.diagnostics import GANWarning

from .checkpoints import ADJUSTABLE_KEYS, CHECKPOINT, CONFIG_KEYS, load_run, save_run
from .errors import select_device
from .images import CLASS_NAMES, epochs_to_iters, fixed_noise, load_images, onehot
from .output import prepare_out


class ImageRun:
    """One command-line run of an image GAN: device, data, and ``fit``.

    Creating it selects the device (before any array is made) and seeds
    ``backend.rng()`` with ``--seed``; so build G and D after it.

    What ``fit`` does
    -----------------
    * resumes from a checkpoint if ``--resume`` is given (before writing anything);
    * trains to ``--iters`` iterations in total with the trainer's progress bar
      (live losses and D's accuracies on real and fake samples);
    * every ``--sample-every`` iterations draws a grid of G's samples from the
      *same* fixed noise, so consecutive grids show G learning and not merely
      new noise, and saves a checkpoint;
    * at the end writes, into ``--out``::
    
          grids/iter_000500.png ...  one grid per --sample-every iterations
          final_grid.png             the final generator on the fixed noise
          progress.gif               the grids as an animation
          losses.png                 d_loss and g_loss, D(x) and D(G(z))
          history.csv                the trainer's diagnostics, one row per log point
          samples.npy                --num-samples images of the final G, float32
                                     (N, C, H, W) in [-1, 1]
          labels.npy                 conditional GANs: the class asked for, per sample
          checkpoint.npz             everything needed to resume (see below)
    
    How G is sampled for pictures (``--sample-mode``)
    -------------------------------------------------
    During training, G's BatchNorm layers normalise each minibatch with its own
    mean and variance; the running averages they keep are used only in
    evaluation mode.  Two ways to draw pictures therefore exist:
    
    * ``train``: BatchNorm uses the statistics of the batch being drawn
      (PyTorch-GAN's scripts save pictures this way, from the training batch);
    * ``eval``: BatchNorm uses its running statistics, the standard at test time.
    
    Either way the fixed noise is drawn as one batch (for the grids) or in
    batches of ``--batch-size`` (for samples.npy), and drawing has no side effect
    on training: in ``train`` mode the BatchNorm running statistics are put back
    afterwards.  The default is ``train``: it is the mode in which G was trained
    and judged by D, and the running statistics of a generator are averages over
    the batches of a network that keeps changing, which can put eval-mode samples
    slightly off what D has been judging.  For these demos the two agree closely:
    resampled in eval mode, the default runs score the same within 0.002 in mean
    classifier confidence (demos/score_digits.py).  To compare on a finished run,
    resample it without training::
    
        python demos/mnist_dcgan.py --out out/mnist_dcgan_eval --sample-mode eval
                                    --resume out/mnist_dcgan/checkpoint.npz
    
    Resuming exactly
    ----------------
    ``--resume`` continues from ``<out>/checkpoint.npz`` (or the given path) up
    to the same ``--iters`` total.  On the CPU, N iterations and then M more give
    *bit-for-bit* the parameters of one run of N + M.  That holds because
    everything an iteration depends on is either in the checkpoint::
    
        G and D        parameters and BatchNorm running statistics
        optimizers     both Adams' moments m and v and step counts t
        iteration      where to continue
        RNG state      backend.rng(), the source of every random draw in training:
                       minibatch indices, z, dropout masks, soft labels, wrong labels
        history        so history.csv and losses.png cover the whole run
        config         the flags that shape training; a resume with other values
                       is refused rather than silently mixing two runs
    
    or is recomputed identically, and because nothing done *beside* training
    touches what training uses: the fixed grid noise and the noise of
    samples.npy come from their own ``RandomState(seed)``, not from
    ``backend.rng()``, and drawing puts BatchNorm's statistics back.  Checkpoints
    are taken at the trainer's log points, where its diagnostic window is empty;
    its other caches (the last minibatch and labels) are overwritten before they
    are read again.
    
    On the GPU, CuPy's generator state cannot be saved: a resumed GPU run
    reseeds from (seed, iteration), so it continues soundly but not bit-exactly.
    
    Errors: a checkpoint from another architecture, with other flags, or damaged
    raises ``CheckpointError`` before anything in ``--out`` is written;
    ``--device gpu`` without a GPU raises ``BackendError``.  ``run_script(main)``
    turns both into a one-line message and exit status 1.
    """

    def __init__(self, args, name="run", conditional=False, n_classes=10):
        self.args = args
        self.name = name
        self.conditional, self.n_classes = conditional, n_classes
        select_device(args.device)
        backend.manual_seed(args.seed)
        self.out = Path(args.out if args.out else Path("out") / name)
        prepare_out(self.out, args.force, args.delete_old, resuming=bool(args.resume))
        self.n_train = None

    # -- data ---------------------------------------------------------------
    def load_data(self):
        """The training images on the device (and, for a conditional GAN, their
        labels as one-hot rows on the device).  Moved once; the sampler then
        gathers minibatches there."""
        images, labels = load_images(self.args.dataset, self.args.data_dir,
                                     self.args.no_download, self.args.batch_size)
        self.n_train = len(images)
        images = backend.to_device(images, dtype=backend.get_default_dtype())
        if not self.conditional:
            return images, None
        return images, backend.to_device(onehot(labels, self.n_classes))

    def total_iters(self):
        epochs = getattr(self.args, "epochs", None)
        if epochs is None:
            return int(self.args.iters)
        if self.n_train is None:
            raise RuntimeError("--epochs needs the data set: call load_data() first")
        return epochs_to_iters(epochs, self.n_train, self.args.batch_size)

    def config(self):
        return {k: getattr(self.args, k) for k in CONFIG_KEYS + ADJUSTABLE_KEYS
                if hasattr(self.args, k)}

    # -- the fixed inputs of the pictures -----------------------------------
    def grid_inputs(self):
        """z (and c) of the progress grids: n x n fixed noise vectors; for a
        conditional GAN row i asks for class i and column j shares one z, so a
        row shows one class in ten styles and a column one style in ten classes."""
        n = self.args.grid_size
        if not self.conditional:
            return backend.to_device(fixed_noise(n * n, self.args.latent_dim, self.args.seed)), None
        z = fixed_noise(n, self.args.latent_dim, self.args.seed)     # one per column
        z = numpy.tile(z, (n, 1))                                    # row i, column j -> z_j
        labels = numpy.repeat(numpy.arange(n) % self.n_classes, n)   # row i -> class i
        return backend.to_device(z), backend.to_device(onehot(labels, self.n_classes))

    def sample_labels(self, n):
        """The classes asked for in samples.npy: equal shares, in order 0, 1, ..."""
        return numpy.arange(n) % self.n_classes

    def sample_images(self, trainer, z, c=None):
        return sampling.sample_images(trainer.G, z, c, self.args.sample_mode)

    def samples_for_file(self, trainer, n):
        """n samples of the final G (host, float32), in batches of --batch-size,
        from noise of RandomState(seed + 1).  Returns (images, labels or None)."""
        rs = numpy.random.RandomState(self.args.seed + 1)
        labels = self.sample_labels(n) if self.conditional else None
        parts, m = [], self.args.batch_size
        for i in range(0, n, m):
            j = min(n, i + m)
            z = backend.to_device(rs.standard_normal((j - i, self.args.latent_dim))
                                  .astype(backend.get_default_dtype()))
            c = None if labels is None else backend.to_device(onehot(labels[i:j], self.n_classes))
            parts.append(self.sample_images(trainer, z, c))
        images = numpy.concatenate(parts) if parts else numpy.zeros((0,), numpy.float32)
        return images.astype(numpy.float32, copy=False), labels

    # -- checkpoints ----------------------------------------------------------
    def checkpoint_path(self):
        resume = self.args.resume
        return self.out / CHECKPOINT if resume in (None, "auto") else Path(resume)

    def save(self, trainer, arch):
        """Write G, D, both optimizers, the iteration, the RNG state, the history
        and the config into <out>/checkpoint.npz (atomically)."""
        save_run(self.out / CHECKPOINT, arch, trainer.iteration,
                 models={"G": trainer.G, "D": trainer.D},
                 optimizers={"G": trainer.opt_G, "D": trainer.opt_D},
                 history=trainer.history, config=self.config())

    def resume(self, trainer, arch):
        """Load the checkpoint of --resume into the trainer; returns its iteration.

        Everything is checked first (architecture, shapes, flags); on any
        problem a CheckpointError is raised and nothing is changed or written.
        """
        run = load_run(self.checkpoint_path(), arch, self.config(), self.args.seed,
                       models={"G": trainer.G, "D": trainer.D},
                       optimizers={"G": trainer.opt_G, "D": trainer.opt_D})
        trainer.iteration, trainer.history = run["iteration"], run["history"]
        if trainer.monitor is not None:      # the D-accuracy band and warnings go on, not anew
            trainer.monitor.prime(trainer.history.rows)
        stored = run["config"]
        if "lr" in stored and stored["lr"] != self.args.lr:        # e.g. after a divergence
            trainer.opt_G.lr = trainer.opt_D.lr = self.args.lr
            print(f"{self.name}: --lr {self.args.lr} now, {stored['lr']} in the checkpoint: "
                  "continuing with the new rate")
        return trainer.iteration

    # -- pictures ---------------------------------------------------------------
    def grid_path(self, iteration):
        return self.out / "grids" / f"iter_{iteration:06d}.png"

    def save_grid(self, trainer, path, z, c, title=None):
        path.parent.mkdir(parents=True, exist_ok=True)
        rows = None
        if c is not None:                      # row i asks for class i: say which
            names = CLASS_NAMES.get(self.args.dataset)
            rows = [names[i % self.n_classes] if names else i % self.n_classes
                    for i in range(self.args.grid_size)]
        viz.save_image_grid(self.sample_images(trainer, z, c), path, nrow=self.args.grid_size,
                        title=title or f"{self.name}, iteration {trainer.iteration}",
                        row_labels=rows)

    def save_final_files(self, trainer, arch):
        """The files of the end of a run (see the module doc)."""
        a, out = self.args, self.out
        z, c = self.grid_inputs()
        self.save_grid(trainer, out / "final_grid.png", z, c)
        frames = sorted(p for p in (out / "grids").glob("iter_*.png")
                        if int(p.stem.split("_")[1]) <= trainer.iteration)
        if frames:
            viz.save_gif(frames, out / "progress.gif")
        if len(trainer.history):
            viz.plot_history(trainer.history, out / "losses.png", **trainer.d_loss_terms())
        trainer.to_csv(out / "history.csv")
        written = ["final_grid.png"] + (["progress.gif"] if frames else []) + (
            ["losses.png"] if len(trainer.history) else []) + ["history.csv", CHECKPOINT]
        if a.num_samples > 0:
            images, labels = self.samples_for_file(trainer, a.num_samples)
            save_npy(out / "samples.npy", images)
            written.append("samples.npy")
            if labels is not None:
                save_npy(out / "labels.npy", labels.astype(numpy.int64))
                written.append("labels.npy")
        print(f"{self.name}: {trainer.iteration} iterations; wrote {', '.join(written)} "
              f"to {out}")

    # -- training ---------------------------------------------------------------
    def fit(self, trainer, arch):
        """Resume if asked, train to the total iterations with grids and
        checkpoints every --sample-every, then write the final files."""
        a = self.args
        total = self.total_iters()
        if a.sample_every < 1 or total < 0:
            raise ValueError("--sample-every must be >= 1 and --iters >= 0")
        start = self.resume(trainer, arch) if a.resume else 0   # may raise: nothing written yet
        self.out.mkdir(parents=True, exist_ok=True)
        z, c = self.grid_inputs()
        if start == 0:
            self.save_grid(trainer, self.grid_path(0), z, c)    # the untrained G
        else:
            print(f"{self.name}: resumed from {self.checkpoint_path()} at iteration {start}")

        saved = []

        def every_log_point(trainer, row):
            if trainer.iteration % a.sample_every == 0:
                self.save_grid(trainer, self.grid_path(trainer.iteration), z, c)
                self.save(trainer, arch)
                saved.append(trainer.iteration)

        log_every = math.gcd(a.sample_every, 100)     # checkpoints fall on log points
        if total > start:
            with warnings.catch_warnings():
                # the trainer prints each as a plain "WARNING ..." console line already
                warnings.simplefilter("ignore", GANWarning)
                trainer.train(total - start, log_every=log_every, print_every=a.sample_every,
                              callback=every_log_point, progress=not a.no_progress)
        elif a.resume:
            print(f"{self.name}: the checkpoint is at iteration {start} >= {total}: "
                  "nothing to train")
        if not saved or saved[-1] != trainer.iteration:
            self.save(trainer, arch)                 # the final state, if not saved just now
        self.save_final_files(trainer, arch)
        return trainer
