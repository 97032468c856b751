"""How fast the live page trains and draws (issue: 200 iterations/s, 30 frames/s).

1. Iterations per second of ``LabSession.step()`` on one core, for GAN Lab-size
   models (two hidden layers of 8 or 16 units, batch 150 and 256), median of
   5 rounds.
2. The cost of one frame (``LabSession.frame()``: heat map, manifold, arrows)
   and its JSON size.
3. In a real browser (Debian's chromium + chromedriver + selenium, when
   installed): frames per second the page draws while it trains, and the
   iterations per second the server keeps up while it does.  With
   ``--screenshot PATH`` it saves the page, as the README shows it.

    python benchmarks/live_2d.py
    python benchmarks/live_2d.py --screenshot docs/img/live_2d.png
"""
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")      # one core, before NumPy loads
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import json
import shutil
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cpu_info import cpu_info                                    # noqa: E402
from scratchgan.lab import LabSession                            # noqa: E402
from scratchgan.lab.server import LabServer                      # noqa: E402


def iterations_per_second(width, batch, rounds=5, iters=300):
    s = LabSession(g_width=width, d_width=width, batch_size=batch, seed=0)
    for _ in range(20):
        s.step()
    rates = []
    for _ in range(rounds):
        t = time.perf_counter()
        for _ in range(iters):
            s.step()
        rates.append(iters / (time.perf_counter() - t))
    return statistics.median(rates), min(rates), max(rates)


def frame_cost(rounds=50):
    s = LabSession(seed=0)
    s.frame()
    t = time.perf_counter()
    for _ in range(rounds):
        f = s.frame()
    return (time.perf_counter() - t) / rounds * 1e3, len(json.dumps(f))


def in_browser(seconds=5, screenshot=None):
    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        return "selenium not installed"
    if not (chromium and driver_path):
        return "chromium / chromedriver not installed"
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,1250"):
        options.add_argument(arg)
    server = LabServer(LabSession(seed=0), "127.0.0.1", 0).start()
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        driver.get(server.url)
        time.sleep(1.0)
        server.control({"action": "play"})
        time.sleep(1.0)
        i0, n0 = server.session.iteration, driver.execute_script("return window.labStats.framesDrawn")
        r0 = driver.execute_script("return window.labStats.framesReceived")
        t = time.perf_counter()
        time.sleep(seconds)
        dt = time.perf_counter() - t
        i1, n1 = server.session.iteration, driver.execute_script("return window.labStats.framesDrawn")
        r1 = driver.execute_script("return window.labStats.framesReceived")
        if screenshot:
            server.control({"action": "pause"})
            time.sleep(0.5)
            driver.execute_script("window.scrollTo(0, 0)")
            driver.save_screenshot(screenshot)
        return {"frames_drawn_per_s": (n1 - n0) / dt, "frames_received_per_s": (r1 - r0) / dt,
                "iterations_per_s": (i1 - i0) / dt,
                "iters_per_frame": server.session.settings["iters_per_frame"]}
    finally:
        driver.quit()
        server.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--screenshot", help="save the page here (PNG)")
    ap.add_argument("--seconds", type=float, default=5.0)
    args = ap.parse_args()
    print(f"# CPU: {cpu_info()}; 1 BLAS thread")
    print("| model (2 hidden layers) | batch | iterations/s (median of 5) | range |")
    print("|---|---|---|---|")
    for width in (8, 16):
        for batch in (150, 256):
            med, lo, hi = iterations_per_second(width, batch)
            print(f"| {width} units | {batch} | {med:.0f} | {lo:.0f}-{hi:.0f} |")
    ms, size = frame_cost()
    print(f"\none frame: {ms:.2f} ms to make, {size / 1024:.0f} KB of JSON")
    got = in_browser(args.seconds, args.screenshot)
    if isinstance(got, str):
        print(f"in a browser: not measured ({got})")
    else:
        print(f"in headless chromium, training: {got['frames_drawn_per_s']:.0f} frames/s drawn, "
              f"{got['frames_received_per_s']:.0f} frames/s received, "
              f"{got['iterations_per_s']:.0f} iterations/s ({got['iters_per_frame']} per frame)")


if __name__ == "__main__":
    main()
