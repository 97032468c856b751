"""Milliseconds per training iteration (k = 1: one D step and one G step).

For the MLP-GAN and DCGAN-28 reference architectures at batch 64 and 128, on
NumPy (CPU) and, where a GPU is present, CuPy.  Where PyTorch is importable,
the same architectures and the same step run in PyTorch in the same process,
timed in alternating rounds, and the ratio of the medians ours / PyTorch is
printed (below 1.0: we are faster).

Our side is ``GANTrainer.step()`` exactly as the demos run it, diagnostics
included; real minibatches are gathered on the device from 10,000 stored
images, as in training.

``--processes separate`` runs each library in a process of its own (still in
alternating rounds, driven over a pipe): scratchgan asks glibc to keep freed
memory for the whole process, which in one process spares PyTorch its page
faults too; in its own process each pays for its own allocator.

    python benchmarks/train_step.py                  # CPU, 2 threads like the CI machine
    python benchmarks/train_step.py --threads 1 --archs mlp_gan,dcgan28,pytorch_gan_dcgan
    python benchmarks/train_step.py --device gpu     # GPU (CuPy vs torch CUDA eager)
    python benchmarks/train_step.py --processes separate
"""
import argparse
import os
import statistics
import subprocess
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


def make_side(name, arch, batch, device):
    """(step, sync) for one side: "scratchgan", "pytorch" or a NumPy peer's name;
    None where that library is not installed."""
    if name == "scratchgan":
        return ours(arch, batch, device)
    if name == "pytorch":
        return theirs(arch, batch, device)
    from peers import PEERS
    step = PEERS[arch][name](batch)
    return step and (step, lambda: None)


class InProcess:
    """One side timed in this process."""

    def __init__(self, name, arch, batch, device, warmup):
        self.fn = make_side(name, arch, batch, device)
        if self.fn:
            for _ in range(warmup):
                self.fn[0]()
            self.fn[1]()

    def available(self):
        return self.fn is not None

    def round(self, iters):
        return one_round(*self.fn, iters)


class OwnProcess:
    """One side in a process of its own: this script with --worker, which warms
    up, answers "ready" (or "missing"), then times one round per line read."""

    def __init__(self, name, arch, batch, device, warmup, threads):
        cmd = [sys.executable, os.path.abspath(__file__), "--worker", name, "--archs", arch,
               "--batches", str(batch), "--device", device, "--threads", str(threads),
               "--warmup", str(warmup)]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.state = self.proc.stdout.readline().strip()

    def available(self):
        return self.state == "ready"

    def round(self, iters):
        self.proc.stdin.write(f"{iters}\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline()
        if not answer:
            raise RuntimeError(f"the worker process {' '.join(self.proc.args[2:5])} stopped "
                               f"(its error is printed above)")
        return float(answer)

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


def worker(args):
    """The --worker side of OwnProcess."""
    side = InProcess(args.worker, args.archs, int(args.batches), args.device, args.warmup)
    print("ready" if side.available() else "missing", flush=True)
    for line in sys.stdin:
        print(side.round(int(line)), flush=True)


def compare(arch, batch, device, iters, rounds, warmup, peer_names=(), separate=False,
            threads=1):
    """Median ms/iteration of each, timing rounds alternately (ours, theirs, the
    peers, ours, ...) so that a slow spell of a shared machine hits all alike.
    Returns our times, PyTorch's, each round's ratio, and {peer: (times, ratios)}.
    A peer slower than ten of our iterations runs one iteration a round."""
    def side(name):
        if separate:
            return OwnProcess(name, arch, batch, device, warmup, threads)
        return InProcess(name, arch, batch, device, warmup)

    a, b = side("scratchgan"), side("pytorch")
    started = [a, b] + [side(name) for name in peer_names]
    others = {name: s for name, s in zip(peer_names, started[2:]) if s.available()}
    ta, tb, tp = [], [], {name: [] for name in others}
    for _ in range(rounds):
        ta.append(a.round(iters))
        if b.available():
            tb.append(b.round(iters))
        for name, s in others.items():
            slow = tp[name] and tp[name][-1] > 10 * ta[-1]
            tp[name].append(s.round(1 if slow else iters))
    if separate:
        for s in started:
            s.close()
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
    ap.add_argument("--processes", choices=["one", "separate"], default="one",
                    help="both libraries in this process, or each in its own")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--warmup", type=int, default=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.rounds < 1 or args.iters < 0 or args.threads < 1:
        ap.error("--rounds and --threads must be at least 1, --iters at least 0")

    from cpu_info import cpu_info, use_threads
    if args.device == "cpu":
        use_threads(args.threads)
    if args.worker:
        return worker(args)
    import numpy
    print(f"# CPU: {cpu_info()}; device: {args.device}; {args.threads} thread(s) for both "
          f"libraries; NumPy {numpy.__version__}; "
          f"{'each library in its own process' if args.processes == 'separate' else 'one process'}")
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
            if args.device == "cpu" and not args.no_peers:
                from peers import PEERS                   # DeZero, numpy-ml, where installed
                peers = tuple(PEERS.get(arch, ()))
            ta, tb, ratios, peer_rows = compare(arch, batch, args.device, iters, args.rounds,
                                                warm, peers, args.processes == "separate",
                                                args.threads)
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
