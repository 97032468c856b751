"""Watch the gradients: a live page of 2D GAN training, steered from the browser.

Starts a local server, prints its address and opens the page: D's output as a
heat map, the real points, G's points for a fixed set of z with an arrow on
each, -dL_G/dx', the gradient G's loss sends to that point through our own
D.backward; G's manifold; the losses, D's outputs and accuracy, gradient
norms and the engine's warnings as they fire.  Play, pause, step one D step,
one G step, one iteration or one call of Algorithm 1 (the line that ran is
highlighted); change learning rates, k, G's loss, the optimizer, the networks'
size, the noise and the data (or draw your own) while it trains; click a fake
point to see its chain, layer by layer, with its arrow checked by finite
differences.  What to try: README, "Watch the gradients".

    python demos/live_2d.py                      # opens http://127.0.0.1:8000/
    python demos/live_2d.py --data grid --no-browser --port 8001

Ctrl-C stops it.  The training, the frames and the server are the library's
(scratchgan/lab/); this file only reads the flags.
"""
import threads                               # BLAS threads, before NumPy loads
threads.use(1)                               # tiny networks: one thread is fastest

import argparse
import sys
import time
import webbrowser

from plumbing import add_threads_flag, seed_int
from scratchgan.lab import LabSession
from scratchgan.lab.server import LOOPBACK, LabServer


def port_number(text):
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0 to 65535 (0: any free one); got {value}")
    return value


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", choices=("ring", "grid", "line", "sine", "spiral"), default="ring",
                   help="the real points (draw your own on the page)")
    p.add_argument("--port", type=port_number, default=8000, help="0: any free port")
    p.add_argument("--host", default="127.0.0.1",
                   help="the address to bind (default: this computer only)")
    p.add_argument("--no-browser", action="store_true", help="print the address, open nothing")
    p.add_argument("--seed", type=seed_int, default=0)
    p.add_argument("--play", action="store_true", help="start training at once")
    add_threads_flag(p)
    args = p.parse_args(argv)
    if args.host not in LOOPBACK:
        print(f"warning: --host {args.host}: anyone who can reach this address can steer the "
              "training (the page has no login)", file=sys.stderr)
    try:
        server = LabServer(LabSession(data=args.data, seed=args.seed), args.host, args.port)
    except OSError as e:
        p.error(f"argument --port: cannot listen on {args.host}:{args.port} ({e.strerror or e}); "
                "try another --port, or --port 0 for any free one")
    server.start()
    if args.play:
        server.control({"action": "play"})
    print(f"scratchgan live: {server.url}  (Ctrl-C stops it)", flush=True)
    if not args.no_browser:
        webbrowser.open(server.url)
    try:
        while True:
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("\nstopped", flush=True)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
