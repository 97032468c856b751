"""Milliseconds per training iteration (k = 1: one D step and one G step).

For the MLP-GAN and DCGAN-28 reference architectures at batch 64 and 128, on
NumPy (CPU) and, where a GPU is present, CuPy.  Where PyTorch is importable,
the same architectures and the same step run in PyTorch in the same process,
timed in alternating rounds, and the ratio of the medians ours / PyTorch is
printed (below 1.0: we are faster).

Our side is ``GANTrainer.step()`` exactly as the demos run it, diagnostics
included; real minibatches are gathered on the device from 10,000 stored
images, as in training.

    python benchmarks/train_step.py                  # CPU, 2 threads like the CI machine
    python benchmarks/train_step.py --threads 1 --archs mlp_gan,dcgan28,pytorch_gan_dcgan
    python benchmarks/train_step.py --device gpu     # GPU (CuPy vs torch CUDA eager)
"""
import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


SIDE = {"mlp_gan": (1, 28, 28), "dcgan28": (1, 28, 28), "pytorch_gan_dcgan": (1, 32, 32)}


def one_round(step, sync, iters):
    t0 = time.perf_counter()
    for _ in range(iters):
        step()
    sync()
    return (time.perf_counter() - t0) / iters * 1e3


def ours(arch, batch, device):
    """Our step and sync functions: GANTrainer.step() exactly as the demos run it."""
    import numpy as np
    from scratchgan import backend, models, optim
    from scratchgan.data.sampler import ArraySampler
    from scratchgan.gan import GANTrainer, normal_noise

    backend.set_backend("cupy" if device == "gpu" else "numpy")
    backend.manual_seed(0)
    G, D = getattr(models, arch)()
    opt_G = optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_D = optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    data = np.random.RandomState(0).uniform(-1, 1, (10000,) + SIDE[arch]).astype(np.float32)
    sampler = ArraySampler(backend.to_device(data))
    trainer = GANTrainer(G, D, opt_G, opt_D, sampler, normal_noise(100), batch_size=batch,
                         monitor=None)
    return trainer.step, backend.synchronize


def theirs(arch, batch, device):
    """The same architectures and step in PyTorch, or None where it is missing."""
    try:
        import torch
    except ImportError:
        return None
    from _torch_models import torch_models, torch_step

    dev = "cuda" if device == "gpu" else "cpu"
    if dev == "cuda" and not torch.cuda.is_available():
        return None
    torch.manual_seed(0)
    G, D = torch_models(arch, torch)
    G.to(dev)
    D.to(dev)
    opt_G = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_D = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    data = torch.rand(10000, *SIDE[arch], device=dev) * 2 - 1

    def step():
        real = data[torch.randint(0, 10000, (batch,), device=dev)]
        torch_step(G, D, opt_G, opt_D, real, batch, dev, torch)

    sync = torch.cuda.synchronize if dev == "cuda" else (lambda: None)
    return step, sync


def compare(arch, batch, device, iters, rounds, warmup, peers=()):
    """Median ms/iteration of each, timing rounds alternately (ours, theirs, the
    peers, ours, ...) so that a slow spell of a shared machine hits all alike.
    Returns our times, PyTorch's, each round's ratio, and {peer: (times, ratios)}."""
    a = ours(arch, batch, device)
    b = theirs(arch, batch, device)
    others = {name: (make(batch), lambda: None) for name, make in peers}
    others = {name: fn for name, fn in others.items() if fn[0] is not None}
    for fn in (a, b, *others.values()):
        if fn:
            for _ in range(warmup):
                fn[0]()
            fn[1]()
    ta, tb, tp = [], [], {name: [] for name in others}
    for _ in range(rounds):
        ta.append(one_round(*a, iters))
        if b:
            tb.append(one_round(*b, iters))
        for name, fn in others.items():
            tp[name].append(one_round(*fn, iters))
    ratios = [x / y for x, y in zip(ta, tb)]       # each round against its neighbour
    peer_rows = {name: (t, [x / y for x, y in zip(t, tb)]) for name, t in tp.items()}
    return ta, tb, ratios, peer_rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", choices=["cpu", "gpu"], default="cpu")
    ap.add_argument("--threads", type=int, default=2,
                    help="CPU threads for both libraries (the CI machine has 2 cores)")
    ap.add_argument("--archs", default="mlp_gan,dcgan28")
    ap.add_argument("--batches", default="64,128")
    ap.add_argument("--iters", type=int, default=0, help="iterations per round (0: auto)")
    ap.add_argument("--no-peers", action="store_true",
                    help="skip the NumPy peers (DeZero, numpy-ml) even where installed")
    ap.add_argument("--rounds", type=int, default=7,
                    help="timed rounds per side, alternating (median and spread; at least 5)")
    args = ap.parse_args()

    from cpu_info import cpu_info, use_threads
    if args.device == "cpu":
        use_threads(args.threads)
    import numpy
    print(f"# CPU: {cpu_info()}; device: {args.device}; {args.threads} thread(s) for both "
          f"libraries; NumPy {numpy.__version__}")
    print(f"{'arch':10s} {'batch':>5s} {'scratchgan ms':>14s} {'pytorch ms':>11s} "
          f"{'ratio':>6s}  {'ratio min-max':>13s}  (medians of {args.rounds} alternating rounds)")
    for arch in args.archs.split(","):
        for batch in map(int, args.batches.split(",")):
            if args.iters:
                iters = args.iters
            elif args.device == "gpu":
                iters = 50
            else:
                iters = 10 if arch == "mlp_gan" else 3
            warm = 10 if args.device == "gpu" else 2
            peers = ()
            if arch == "mlp_gan" and args.device == "cpu" and not args.no_peers:
                from peers import PEERS                   # DeZero, numpy-ml, where installed
                peers = tuple(PEERS.items())
            ta, tb, ratios, peer_rows = compare(arch, batch, args.device, iters, args.rounds,
                                                warm, peers)
            a = statistics.median(ta)
            if tb:
                spread = f"{min(ratios):.2f}-{max(ratios):.2f}"
                row = (f"{statistics.median(tb):11.1f} {statistics.median(ratios):6.2f}  "
                       f"{spread:>13s}")
            else:
                row = f"{'n/a':>11s} {'n/a':>6s}"
            print(f"{arch:10s} {batch:5d} {a:14.1f} {row}", flush=True)
            for name, (t, r) in peer_rows.items():
                spread = f"{min(r):.2f}-{max(r):.2f}" if r else ""
                ratio = f"{statistics.median(r):6.2f}" if r else f"{'n/a':>6s}"
                print(f"  {name:8s} {batch:5d} {statistics.median(t):14.1f} "
                      f"{'':11s} {ratio}  {spread:>13s}   (the peer / PyTorch)", flush=True)


if __name__ == "__main__":
    main()
