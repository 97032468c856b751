"""Peak memory of a DCGAN-28 training run, shown not to grow with iterations.

On the CPU it reports the process's peak resident set (``ru_maxrss``) and its
current RSS; on the GPU, CuPy's memory-pool usage.  A leak (say, caches that
keep every iteration's activations alive) shows as a column that keeps
climbing; a healthy run levels off after the first iteration.

    python benchmarks/memory.py [--device gpu] [--iters 200] [--batch 64]
"""
import argparse
import os
import resource


def current_rss_mb():
    """Resident set size now, from /proc (Linux); None elsewhere."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2 ** 20
    except OSError:
        return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", choices=["cpu", "gpu"], default="cpu")
    ap.add_argument("--iters", type=int, default=200)
    ap.add_argument("--batch", type=int, default=64)
    args = ap.parse_args()

    import numpy as np
    from scratchgan import backend, models, optim
    from scratchgan.data.sampler import ArraySampler
    from scratchgan.gan import GANTrainer, normal_noise

    backend.set_backend("cupy" if args.device == "gpu" else "numpy")
    backend.manual_seed(0)
    G, D = models.dcgan28()
    if args.device == "gpu":
        G.to("gpu")
        D.to("gpu")
    opt_G = optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_D = optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    data = np.random.RandomState(0).uniform(-1, 1, (10000, 1, 28, 28)).astype(np.float32)
    trainer = GANTrainer(G, D, opt_G, opt_D, ArraySampler(backend.to_device(data)),
                         normal_noise(100), batch_size=args.batch, monitor=None)

    checkpoints = sorted({1, 2, 5, 10, 20, 50, 100, args.iters // 2, args.iters} - {0})
    if args.device == "gpu":
        pool = backend.get_xp().get_default_memory_pool()
        print(f"{'iter':>6s} {'pool used MB':>13s} {'pool held MB':>13s}")
    else:
        print(f"{'iter':>6s} {'peak RSS MB':>12s} {'RSS now MB':>11s}")
    for t in range(1, args.iters + 1):
        trainer.step()
        if t % 50 == 0:
            trainer.log()                    # history rows and snapshots, as in training
        if t in checkpoints:
            if args.device == "gpu":
                backend.synchronize()
                print(f"{t:6d} {pool.used_bytes() / 2**20:13.1f} {pool.total_bytes() / 2**20:13.1f}")
            else:
                peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                print(f"{t:6d} {peak:12.1f} {current_rss_mb():11.1f}", flush=True)


if __name__ == "__main__":
    main()
