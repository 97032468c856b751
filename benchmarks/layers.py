"""Per-layer forward+backward time and achieved GFLOP/s, beside the machine's
matrix-multiply peak measured in the same run.

FLOPs counted (multiply-add = 2): forward, input gradient and weight gradient
of each layer, i.e. three matrix products of the same size for Linear and the
convolutions; BatchNorm is memory-bound, so its GB/s is shown instead.

    python benchmarks/layers.py [--device gpu] [--batch 64]
"""
import argparse
import os
import time


def bench(fn, sync, reps):
    fn()
    sync()
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        for _ in range(reps):
            fn()
        sync()
        best = min(best, (time.perf_counter() - t0) / reps)
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", choices=["cpu", "gpu"], default="cpu")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    if args.device == "cpu":
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(args.threads)

    from scratchgan import backend, nn
    backend.set_backend("cupy" if args.device == "gpu" else "numpy")
    xp = backend.get_xp()
    sync = backend.synchronize
    reps = 50 if args.device == "gpu" else 5
    N = args.batch

    a = backend.randn(2048, 2048)
    b = backend.randn(2048, 2048)
    peak = 2 * 2048 ** 3 / bench(lambda: a @ b, sync, reps) / 1e9
    print(f"# device {args.device}; float32 matmul 2048^3 peak: {peak:.0f} GFLOP/s")
    print(f"{'layer':42s} {'input':>18s} {'ms fwd+bwd':>11s} {'GFLOP/s':>9s} {'% peak':>7s}")

    cases = [
        ("Linear(1024, 784)", nn.Linear(1024, 784), (N, 1024), 3 * 2 * N * 1024 * 784),
        ("Linear(100, 6272)", nn.Linear(100, 6272), (N, 100), 3 * 2 * N * 100 * 6272),
        ("Conv2d(1, 64, 4, 2, 1)", nn.Conv2d(1, 64, 4, 2, 1), (N, 1, 28, 28),
         3 * 2 * N * 14 * 14 * 64 * 1 * 16),
        ("Conv2d(64, 128, 4, 2, 1)", nn.Conv2d(64, 128, 4, 2, 1), (N, 64, 14, 14),
         3 * 2 * N * 7 * 7 * 128 * 64 * 16),
        ("ConvTranspose2d(128, 64, 4, 2, 1)", nn.ConvTranspose2d(128, 64, 4, 2, 1), (N, 128, 7, 7),
         3 * 2 * N * 7 * 7 * 128 * 64 * 16),
        ("ConvTranspose2d(64, 1, 4, 2, 1)", nn.ConvTranspose2d(64, 1, 4, 2, 1), (N, 64, 14, 14),
         3 * 2 * N * 14 * 14 * 64 * 1 * 16),
        ("BatchNorm1d(6272)", nn.BatchNorm1d(6272), (N, 6272), None),
        ("BatchNorm2d(128)", nn.BatchNorm2d(128), (N, 128, 7, 7), None),
    ]
    for name, layer, shape, flops in cases:
        if args.device == "gpu":
            layer.to("gpu")
        x = backend.randn(*shape)
        with nn.no_grad():
            dy = xp.ones_like(layer(x))

        def fwd_bwd():
            y = layer(x)
            layer.backward(dy, y)

        t = bench(fwd_bwd, sync, reps)
        if flops:
            rate = flops / t / 1e9
            print(f"{name:42s} {str(shape):>18s} {t * 1e3:11.3f} {rate:9.1f} {100 * rate / peak:6.1f}%")
        else:
            gbs = 6 * x.nbytes / t / 1e9            # ~3 reads + 3 writes of x-sized arrays
            print(f"{name:42s} {str(shape):>18s} {t * 1e3:11.3f} {gbs:6.1f} GB/s")


if __name__ == "__main__":
    main()
