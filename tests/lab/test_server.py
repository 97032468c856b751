"""The live page's wire contract, over real HTTP on the loopback (no browser):
frames, the event stream, every control and every bad one, and the safety rules."""
import json
import socket
import time
import urllib.error
import urllib.request

import pytest

from scratchgan.lab import LabSession
from scratchgan.lab.server import MAX_BODY, LabServer


@pytest.fixture
def lab():
    server = LabServer(LabSession(seed=0, batch_size=64), "127.0.0.1", 0).start()
    yield server
    server.stop()


def get(lab, path, host=None):
    request = urllib.request.Request(lab.url.rstrip("/") + path)
    if host:
        request.add_header("Host", host)
    with urllib.request.urlopen(request, timeout=10) as r:
        return r.status, r.headers.get("Content-Type"), r.read()


def post(lab, body, raw=None, headers=None):
    data = raw if raw is not None else json.dumps(body).encode()
    request = urllib.request.Request(lab.url + "control", data=data, method="POST",
                                     headers=headers or {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def frame(lab):
    return json.loads(get(lab, "/frame")[2])


def test_frame_has_the_contract_fields(lab):
    f = frame(lab)
    for key in ("iteration", "fake", "grad", "heat", "manifold", "history", "warnings"):
        assert key in f
    assert len(f["fake"]) == len(f["grad"]) and len(f["fake"][0]) == 2
    assert set(f["heat"]) >= {"values", "extent"}


def test_data_is_the_real_points(lab):
    status, kind, body = get(lab, "/data")
    d = json.loads(body)
    assert status == 200 and kind.startswith("application/json")
    assert len(d["points"]) == len(lab.session.real) and len(d["extent"]) == 4


def test_the_page_and_its_files_are_served(lab):
    for path, kind in (("/", "text/html"), ("/app.js", "text/javascript"), ("/style.css", "text/css")):
        status, got, body = get(lab, path)
        assert status == 200 and got.startswith(kind) and len(body) > 100
    assert b"EventSource" in get(lab, "/app.js")[2] and b"http" not in get(lab, "/")[2].split(b"<body>")[1]


@pytest.mark.parametrize("path", ["/../setup.cfg", "/static/index.html", "/etc/passwd", "/app.js/.."])
def test_no_request_reads_a_file(lab, path):
    with pytest.raises(urllib.error.HTTPError) as e:
        get(lab, path)
    assert e.value.code == 404


def test_the_event_stream_sends_frames_as_they_come(lab):
    post(lab, {"action": "play"})
    request = urllib.request.Request(lab.url + "events")
    iterations = []
    with urllib.request.urlopen(request, timeout=10) as r:
        assert r.headers.get("Content-Type") == "text/event-stream"
        for line in r:
            if line.startswith(b"data: "):
                iterations.append(json.loads(line[6:])["iteration"])
                if len(iterations) == 5:
                    break
    assert iterations == sorted(iterations) and iterations[-1] > iterations[0]


def test_play_trains_and_pause_stops(lab):
    assert post(lab, {"action": "play"})[0] == 200
    time.sleep(0.5)
    assert post(lab, {"action": "pause"})[0] == 200
    stopped = frame(lab)["iteration"]
    assert stopped > 10                                   # 0.5 s of training
    time.sleep(0.3)
    assert frame(lab)["iteration"] == stopped


@pytest.mark.parametrize("action, iterations", [("step", 1), ("step_g", 1), ("step_d", 0)])
def test_the_steps(lab, action, iterations):
    before = frame(lab)["iteration"]
    status, reply = post(lab, {"action": action})
    assert status == 200 and reply["iteration"] == before + iterations
    assert frame(lab)["iteration"] == before + iterations


def test_step_call_reports_the_line_of_the_loop(lab):
    status, reply = post(lab, {"action": "step_call"})
    assert status == 200 and reply["phase"] == "D forward on real x"
    loop = json.loads(get(lab, "/loop")[2])
    assert "s.D(x)" in loop["lines"][reply["line"] - loop["first"]]
    assert frame(lab)["line"] == reply["line"]


def test_set_and_reset(lab):
    post(lab, {"action": "step"})
    status, reply = post(lab, {"action": "set", "lr_d": 0.01, "k": 2, "iters_per_frame": 3})
    assert status == 200 and reply["rebuilt"] is False and reply["iteration"] == 1
    assert frame(lab)["settings"]["k"] == 2
    status, reply = post(lab, {"action": "reset", "data": "spiral", "d_layers": 3})
    assert status == 200 and reply["iteration"] == 0
    assert frame(lab)["settings"]["data"] == "spiral" and frame(lab)["data_version"] == 1
    status, reply = post(lab, {"action": "reset", "data": "drawn", "points": [[0, 0], [1, 1]]})
    assert status == 200 and frame(lab)["settings"]["data"] == "drawn"


@pytest.mark.parametrize("body, message", [
    ({"action": "jump"}, "unknown action 'jump'"), ({}, "unknown action None"),
    ({"action": "set", "lr_g": -1}, "lr_g must be from"),
    ({"action": "play", "k": 100}, "k must be from"),
    ({"action": "reset", "g_objective": "hinge"}, "g_objective must be one of"),
    ({"action": "set", "batch": 3}, "unknown setting 'batch'"),
    ({"action": "reset", "data": "drawn", "points": [[0, 0]] * 2001}, "at most 2000"),
    ([1, 2], "JSON object"),
])
def test_bad_controls_get_400_and_change_nothing(lab, body, message):
    post(lab, {"action": "step"})
    before = frame(lab)
    status, reply = post(lab, body)
    assert status == 400 and message in reply["error"] and reply["ok"] is False
    after = frame(lab)
    assert after["iteration"] == before["iteration"] and after["settings"] == before["settings"]
    assert after["playing"] is False
    assert post(lab, {"action": "step"})[0] == 200      # and training goes on unharmed


@pytest.mark.parametrize("raw, code", [(b"{not json", 400), (b"\xff\xfe", 400), (b"", 400)])
def test_bodies_that_are_not_json(lab, raw, code):
    status, reply = post(lab, None, raw=raw)
    assert status == code and "not JSON" in reply["error"]


def test_an_oversized_body_is_refused_unread(lab):
    status, reply = post(lab, None, raw=b" " * (MAX_BODY + 1))
    assert status == 413 and "over" in reply["error"]
    assert frame(lab)["iteration"] == 0


@pytest.mark.parametrize("host", ["evil.example:8000", "127.0.0.1:1", "attacker.test"])
def test_a_foreign_host_header_is_refused(lab, host):
    for method in (lambda: get(lab, "/frame", host=host),
                   lambda: urllib.request.urlopen(urllib.request.Request(
                       lab.url + "control", data=b'{"action": "play"}', method="POST",
                       headers={"Host": host}), timeout=10)):
        with pytest.raises(urllib.error.HTTPError) as e:
            method()
        assert e.value.code == 403
    assert frame(lab)["playing"] is False


def test_localhost_is_the_same_address(lab):
    assert get(lab, "/frame", host=f"localhost:{lab.port}")[0] == 200


def test_chain_and_its_bad_points(lab):
    c = json.loads(get(lab, "/chain?point=2")[2])
    assert c["point"] == 2 and c["rel_error"] < 1e-3
    for bad in ("-1", "x", "200", ""):
        with pytest.raises(urllib.error.HTTPError) as e:
            get(lab, "/chain?point=" + bad)
        assert e.value.code == 400


def test_garbage_on_the_socket_does_not_stop_the_server(lab):
    for junk in (b"\x00\x01\x02\r\n\r\n", b"GET " + b"a" * 70000 + b" HTTP/1.1\r\n\r\n",
                 b"POST /control HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 9999\r\n\r\n{"):
        with socket.create_connection(("127.0.0.1", lab.port), timeout=2) as s:
            s.sendall(junk)
            s.shutdown(socket.SHUT_WR)
            try:
                s.recv(1024)
            except OSError:
                pass
    assert frame(lab)["iteration"] == 0
