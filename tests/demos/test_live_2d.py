"""demos/live_2d.py as a user runs it: flags, a bad port, start, serve, Ctrl-C."""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from helpers import DEMOS, ROOT, run


def test_help_lists_the_flags():
    out = run("live_2d", "--help")
    assert out.returncode == 0
    for flag in ("--data", "--port", "--host", "--no-browser", "--seed"):
        assert flag in out.stdout


def test_bad_flags_are_one_line_errors():
    for argv, message in ((["--port", "70000"], "argument --port"),
                          (["--data", "moons"], "argument --data"),
                          (["--seed", "-1"], "argument --seed")):
        out = run("live_2d", "--no-browser", *argv)
        assert out.returncode == 2 and message in out.stderr and "Traceback" not in out.stderr


def test_a_taken_port_names_the_flag():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        out = run("live_2d", "--no-browser", "--port", s.getsockname()[1], timeout=60)
    assert out.returncode == 2 and "argument --port: cannot listen" in out.stderr
    assert "Traceback" not in out.stderr


def test_it_serves_the_page_and_stops_cleanly_on_ctrl_c():
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, str(DEMOS / "live_2d.py"), "--no-browser", "--port", "0",
                             "--data", "grid", "--play"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+/", line).group(0)
        time.sleep(1.0)
        with urllib.request.urlopen(url + "frame", timeout=10) as r:
            f = json.loads(r.read())
        assert f["settings"]["data"] == "grid" and f["iteration"] > 0 and f["playing"]
        with urllib.request.urlopen(url, timeout=10) as r:
            assert b"scratchgan live" in r.read()
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "stopped" in out
