"""A run's checkpoint: any named networks and optimizers, the iteration, the
generator's state, the history and the flags that shaped training."""
import numpy

from scratchgan import backend
from scratchgan.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from scratchgan.gan.diagnostics import COLUMNS, History


CONFIG_KEYS = ("dataset", "batch_size", "beta1", "beta2", "k", "latent_dim",
               "seed", "mismatched_labels", "instance_noise", "noise_decay_iters",
               "real_label")
#: Flags that may change on --resume: a lower (never a higher) --lr after a diverged run.
ADJUSTABLE_KEYS = ("lr",)

CHECKPOINT = "checkpoint.npz"


# ------------------------------------------------------------- checkpoints
def save_run(path, arch, iteration, models, optimizers, history, config, extra=None):
    """One checkpoint of a run with any number of named networks and optimizers
    (``{"G": G, "F": F, "D_X": D_X, ...}``): their states, the iteration, the
    CPU generator's state, the history (one array per column) and the config
    (the flags that shape training), plus ``extra`` arrays; written atomically."""
    rng = backend.get_rng_state() if backend.backend_name() == "numpy" else None
    columns = history.columns() or list(COLUMNS)
    table = {c: numpy.array([row.get(c, numpy.nan) for row in history],
                            dtype=numpy.int64 if c == "iter" else numpy.float64)
             for c in columns}
    save_checkpoint(path, arch=arch, iteration=iteration, models=models,
                    optimizers=optimizers, rng_state=rng,
                    extra={"history": table, "config": config, **(extra or {})})


def load_run(path, arch, config, seed, models, optimizers):
    """Load a ``save_run`` checkpoint into ``models`` and ``optimizers``, after
    checking everything (architecture, shapes, the flags in ``config``, all but
    ADJUSTABLE_KEYS); on a problem CheckpointError, and nothing is changed.
    Restores the generator's state (on a GPU: reseeds from seed and iteration).
    Returns {"iteration", "history", "config", "extra"}."""
    try:
        info = load_checkpoint(path, arch=arch)       # read, check the arch, load nothing
    except CheckpointError as e:
        raise CheckpointError(f"--resume: {e}") from None
    stored = info["extra"].get("config", {})
    wrong = [f"--{k.replace('_', '-')} {stored[k]!r} in the checkpoint, {v!r} now"
             for k, v in config.items()
             if k in stored and stored[k] != v and k not in ADJUSTABLE_KEYS]
    if "lr" in config and "lr" in stored and config["lr"] > stored["lr"]:
        wrong.append(f"--lr {config['lr']!r} is higher than the checkpoint's {stored['lr']!r} "
                     "(a resumed run may keep or lower its learning rate)")
    if wrong:
        raise CheckpointError(
            f"--resume: {path} was trained with other settings (nothing was "
            "loaded):\n  " + "\n  ".join(wrong)
            + "\nResume with the checkpoint's settings, or start a new run "
              "with another --out.")
    if info["iteration"] is None:
        raise CheckpointError(f"--resume: {path} has no iteration count")
    load_checkpoint(path, models=models, optimizers=optimizers, arch=arch)
    iteration = int(info["iteration"])
    columns = info["extra"].get("history", {})
    rows = [{c: (int(v[i]) if c == "iter" else float(v[i])) for c, v in columns.items()}
            for i in range(len(columns.get("iter", ())))]
    if info["rng_state"] is not None and backend.backend_name() == "numpy":
        backend.set_rng_state(info["rng_state"])
    else:                                            # CuPy: reseed, not bit-exact
        backend.manual_seed(seed * 1_000_003 + iteration)
    return {"iteration": iteration, "history": History(rows), "config": stored,
            "extra": info["extra"]}
