"""Milliseconds per pix2pix iteration (D step + G step, cGAN + 100 * L1), ours against PyTorch.

The networks are demos/pix2pix.py's (a 4-level U-Net with skip concatenations
and a PatchGAN on the pair, 32 x 32 images) and the same networks in
PyTorch; the step is the demo's "gan+l1" loop.  Alternating rounds, medians,
the ratio's spread, the CPU and the thread count, as benchmarks/train_step.py.

    python benchmarks/pix2pix_step.py --threads 1 --batches 64
    python benchmarks/pix2pix_step.py --threads 1 --full        # PyTorch-GAN's, 256 x 256, batch 1

``--full`` times PyTorch-GAN's pix2pix itself (the 8-level U-Net of width 64
with InstanceNorm, the 70x70 PatchGAN, LSGAN + 100 * L1, 256 x 256 images,
batch 1): our line-by-line port (tests/ports/pix2pix.py) against the PyTorch
original the parity tests hold (tests/ports/test_ports_translation.py), and
the first call of each apart, since a first call can cost more than the rest.
"""
import argparse
import importlib.util
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))


def load_demo():
    sys.path.insert(0, str(ROOT / "demos"))
    spec = importlib.util.spec_from_file_location("demo_pix2pix", ROOT / "demos" / "pix2pix.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ours(batch):
    import numpy as np
    from scratchgan import backend, losses, nn, optim
    demo = load_demo()
    backend.manual_seed(0)
    G, D = demo.unet(), demo.patch_discriminator()
    opt_G = optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_D = optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    bce, l1 = losses.BCEWithLogitsLoss(), losses.L1Loss()
    rs = np.random.RandomState(0)
    x_all = backend.asarray(rs.uniform(-1, 1, (1000, 1, 32, 32)).astype(np.float32))
    y_all = backend.asarray(rs.uniform(-1, 1, (1000, 1, 32, 32)).astype(np.float32))

    def step():
        idx = rs.randint(0, 1000, batch)
        x, y = x_all[idx], y_all[idx]
        fake = G(x)
        opt_D.zero_grad()                                        # D on (x, y) and (x, G(x))
        out_real, out_fake = D(nn.concat(x, y)[0]), D(nn.concat(x, fake)[0])
        bce(out_real, 1.0), bce(out_fake, 0.0)
        D.backward(bce.backward(out_real) / 2, out_real, input_grad=False)
        D.backward(bce.backward(out_fake) / 2, out_fake, input_grad=False)
        opt_D.step()
        opt_G.zero_grad()                                        # G: cGAN + 100 L1
        pair, split = nn.concat(x, fake)
        out = D(pair)
        bce(out, 1.0)
        with nn.frozen(D):
            _, grad_fake = split(D.backward(bce.backward(out), out))
        l1(fake, y)
        G.backward(grad_fake + fake.dtype.type(100) * l1.backward(fake), fake)
        opt_G.step()
    return step


def theirs(batch):
    try:
        import torch
    except ImportError:
        return None
    tn = torch.nn

    class Skip(tn.Module):
        def __init__(self, *layers):
            super().__init__()
            self.inner = tn.Sequential(*layers)

        def forward(self, x):
            return torch.cat([x, self.inner(x)], 1)

    c1, c2, c3 = 16, 32, 64
    innermost = Skip(tn.LeakyReLU(0.2), tn.Conv2d(c3, c3, 4, 2, 1), tn.ReLU(),
                     tn.ConvTranspose2d(c3, c3, 4, 2, 1), tn.BatchNorm2d(c3))
    level3 = Skip(tn.LeakyReLU(0.2), tn.Conv2d(c2, c3, 4, 2, 1), tn.BatchNorm2d(c3), innermost,
                  tn.ReLU(), tn.ConvTranspose2d(2 * c3, c2, 4, 2, 1), tn.BatchNorm2d(c2), tn.Dropout(0.5))
    level2 = Skip(tn.LeakyReLU(0.2), tn.Conv2d(c1, c2, 4, 2, 1), tn.BatchNorm2d(c2), level3,
                  tn.ReLU(), tn.ConvTranspose2d(2 * c2, c1, 4, 2, 1), tn.BatchNorm2d(c1), tn.Dropout(0.5))
    G = tn.Sequential(tn.Conv2d(1, c1, 4, 2, 1), level2, tn.ReLU(),
                      tn.ConvTranspose2d(2 * c1, 1, 4, 2, 1), tn.Tanh())
    D = tn.Sequential(tn.Conv2d(2, c1, 4, 2, 1), tn.LeakyReLU(0.2),
                      tn.Conv2d(c1, c2, 4, 2, 1), tn.BatchNorm2d(c2), tn.LeakyReLU(0.2),
                      tn.Conv2d(c2, c3, 4, 1, 1), tn.BatchNorm2d(c3), tn.LeakyReLU(0.2),
                      tn.Conv2d(c3, 1, 4, 1, 1))
    opt_G = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_D = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    bce, l1 = tn.BCEWithLogitsLoss(), tn.L1Loss()
    x_all, y_all = torch.rand(1000, 1, 32, 32) * 2 - 1, torch.rand(1000, 1, 32, 32) * 2 - 1

    def step():
        idx = torch.randint(0, 1000, (batch,))
        x, y = x_all[idx], y_all[idx]
        fake = G(x)
        opt_D.zero_grad()
        out_real, out_fake = D(torch.cat([x, y], 1)), D(torch.cat([x, fake.detach()], 1))
        d_loss = (bce(out_real, torch.ones_like(out_real)) + bce(out_fake, torch.zeros_like(out_fake))) / 2
        d_loss.backward()
        opt_D.step()
        opt_G.zero_grad()
        out = D(torch.cat([x, fake], 1))
        g_loss = bce(out, torch.ones_like(out)) + 100 * l1(fake, y)
        g_loss.backward()
        opt_G.step()
    return step


def full_steps():
    """(ours, theirs) for PyTorch-GAN's pix2pix at 256 x 256, batch 1."""
    import numpy as np
    sys.path.insert(0, str(ROOT / "tests"))
    sys.path.insert(0, str(ROOT / "tests" / "ports"))
    from helpers import load_port
    from scratchgan import backend, losses, optim
    port = load_port("pix2pix")
    backend.manual_seed(0)
    G, D = port.GeneratorUNet(), port.Discriminator()
    G.apply(port.weights_init_normal), D.apply(port.weights_init_normal)
    opt_G, opt_D = (optim.Adam(m.parameters(), lr=2e-4, betas=(0.5, 0.999)) for m in (G, D))
    mse, l1 = losses.MSELoss(), losses.L1Loss()
    rs = np.random.RandomState(0)

    def ours_step():
        a, b = (rs.uniform(-1, 1, (1, 3, 256, 256)).astype(np.float32) for _ in range(2))
        port.train_step(a, b, G, D, opt_G, opt_D, mse, l1)
    try:
        import torch
        import test_ports_translation as t
    except ImportError:
        return ours_step, None
    tG, tD = t.TGeneratorUNet(), t.TPatchD()
    t_opt_G, t_opt_D = (torch.optim.Adam(m.parameters(), lr=2e-4, betas=(0.5, 0.999)) for m in (tG, tD))
    tmse, tl1 = torch.nn.MSELoss(), torch.nn.L1Loss()

    def theirs_step():
        a, b = (torch.rand(1, 3, 256, 256) * 2 - 1 for _ in range(2))
        t_opt_G.zero_grad()
        fake = tG(a)
        pred = tD(fake, a)
        (tmse(pred, torch.ones_like(pred)) + 100 * tl1(fake, b)).backward()
        t_opt_G.step()
        t_opt_D.zero_grad()
        pr, pf = tD(b, a), tD(fake.detach(), a)
        (0.5 * (tmse(pr, torch.ones_like(pr)) + tmse(pf, torch.zeros_like(pf)))).backward()
        t_opt_D.step()
    return ours_step, theirs_step


def one_round(step, iters):
    t0 = time.perf_counter()
    for _ in range(iters):
        step()
    return (time.perf_counter() - t0) / iters * 1e3


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batches", default="64")
    ap.add_argument("--iters", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--full", action="store_true", help="PyTorch-GAN's pix2pix, 256 x 256, batch 1")
    args = ap.parse_args()
    from cpu_info import cpu_info, use_threads
    use_threads(args.threads)
    print(f"# CPU: {cpu_info()}; {args.threads} thread(s) for both libraries")
    if args.full:
        a, b = full_steps()
        first = [one_round(f, 1) for f in (a, b) if f]
        ta, tb = [], []
        for _ in range(args.rounds):
            ta.append(one_round(a, 1))
            if b:
                tb.append(one_round(b, 1))
        line = f"PyTorch-GAN's pix2pix 256x256 batch 1: ours {statistics.median(ta):.0f} ms"
        if tb:
            r = [x / y for x, y in zip(ta, tb)]
            line += (f", PyTorch {statistics.median(tb):.0f} ms, ratio {statistics.median(r):.2f} "
                     f"({min(r):.2f}-{max(r):.2f}); first calls {first[0]:.0f} and {first[1]:.0f} ms")
        print(line)
        return
    print("| pix2pix 32x32 (U-Net + PatchGAN) | batch | scratchgan ms | PyTorch ms | ratio | spread |")
    print("|---|---|---|---|---|---|")
    for batch in map(int, args.batches.split(",")):
        a, b = ours(batch), theirs(batch)
        for f in (a, b):
            if f:
                f(), f()
        ta, tb = [], []
        for _ in range(args.rounds):
            ta.append(one_round(a, args.iters))
            if b:
                tb.append(one_round(b, args.iters))
        if tb:
            ratios = [x / y for x, y in zip(ta, tb)]
            print(f"| demos/pix2pix.py's | {batch} | {statistics.median(ta):.1f} | "
                  f"{statistics.median(tb):.1f} | {statistics.median(ratios):.2f} | "
                  f"{min(ratios):.2f}-{max(ratios):.2f} |")
        else:
            print(f"| demos/pix2pix.py's | {batch} | {statistics.median(ta):.1f} | n/a | n/a | |")


if __name__ == "__main__":
    main()
