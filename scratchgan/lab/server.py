"""``LabServer``: the live page's HTTP server and the thread that trains.

Wire contract (for the page, the tests and any other front-end):

    GET  /          the page (index.html, app.js, style.css: fixed files of this
                    package; no request names a file)
    GET  /frame     the latest frame as JSON (``LabSession.frame``)
    GET  /events    frames as Server-Sent Events, as they are made
    GET  /data      the real points and the view (fetched again when
                    ``data_version`` in a frame changes)
    GET  /history   every logged row so far (the charts on page load)
    GET  /loop      the source of the written-out loop (``loop.py``), for step mode
    GET  /chain?point=i   fake point i's chain (``LabSession.chain``)
    POST /control   {"action": "play" | "pause" | "step" | "step_d" | "step_g" |
                    "step_call" | "reset" | "set", ...settings}: HTTP 400 with a
                    message for an unknown action or a bad setting, and nothing changes

Safety: it binds 127.0.0.1 unless told otherwise; a request whose Host header
is not the bound address is refused (a web page elsewhere cannot reach it by
DNS rebinding); request bodies are capped at MAX_BODY bytes and drawn points
at settings.MAX_DRAWN_POINTS; any error in a request is answered, never raised.
"""
import inspect
import json
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from . import loop
from .settings import SettingError

STATIC = Path(__file__).resolve().parent / "static"
PAGES = {"/": ("index.html", "text/html; charset=utf-8"),
         "/app.js": ("app.js", "text/javascript; charset=utf-8"),
         "/style.css": ("style.css", "text/css; charset=utf-8")}
MAX_BODY = 256 * 1024
MAX_FPS = 60
ACTIONS = ("play", "pause", "step", "step_d", "step_g", "step_call", "reset", "set")
LOOPBACK = ("127.0.0.1", "localhost", "::1")


class LabServer:
    """Serve ``session`` on host:port (port 0: any free port); ``start()`` runs the
    server and the training thread in the background, ``stop()`` ends both."""

    def __init__(self, session, host="127.0.0.1", port=8000):
        self.session = session
        self.lock = threading.Lock()              # one user of the session at a time
        self.changed = threading.Condition()      # a new frame, or a control
        self.playing = False
        self.stopping = False
        self.frame_id = 0
        self.frame_text = None
        self.iterations_run = 0                   # by the training thread (speed)
        self.httpd = ThreadingHTTPServer((host, port), self._handler_class())
        self.httpd.daemon_threads = True
        self.host, self.port = host, self.httpd.server_address[1]
        names = LOOPBACK if host in LOOPBACK else (host,)
        self.allowed_hosts = {f"[{n}]:{self.port}" if ":" in n else f"{n}:{self.port}"
                              for n in names}
        with self.lock:
            self._publish()

    @property
    def url(self):
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    # -- running -------------------------------------------------------------------
    def start(self):
        self.threads = [threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True),
                        threading.Thread(target=self._train, daemon=True)]
        for t in self.threads:
            t.start()
        return self

    def stop(self):
        self.stopping = True
        with self.changed:
            self.changed.notify_all()
        self.httpd.shutdown()
        self.httpd.server_close()

    def _train(self):
        """While playing: iters_per_frame iterations, a frame, at most MAX_FPS frames/s."""
        while not self.stopping:
            if not self.playing:
                with self.changed:
                    self.changed.wait(0.2)
                continue
            start = time.perf_counter()
            with self.lock:
                try:
                    for _ in range(self.session.settings["iters_per_frame"]):
                        self.session.step()
                        self.iterations_run += 1
                except Exception as e:                  # a diverged run: pause, say why
                    self.playing = False
                    self.session.warnings.append(f"training stopped: {type(e).__name__}: {e}")
                self._publish()
            rest = 1 / MAX_FPS - (time.perf_counter() - start)
            if rest > 0:
                time.sleep(rest)

    def _publish(self):
        """Make a frame (the lock is held) and wake the event streams."""
        frame = self.session.frame()
        frame["playing"] = self.playing
        text = to_json(frame)
        with self.changed:
            self.frame_id += 1
            self.frame_text = text
            self.changed.notify_all()

    # -- controls ------------------------------------------------------------------
    def control(self, request):
        """Apply one control; returns the JSON reply.  Raises SettingError (-> 400)
        before changing anything when the request is bad."""
        if not isinstance(request, dict):
            raise SettingError("a control must be a JSON object with an \"action\"")
        settings = dict(request)
        action = settings.pop("action", None)
        if action not in ACTIONS:
            raise SettingError(f"unknown action {action!r}; expected one of {', '.join(ACTIONS)}")
        with self.lock:
            reply = {"ok": True, "action": action}
            if action == "reset":
                settings.setdefault("seed", self.session.settings["seed"])
                if not self.session.change(settings):    # checked first; raises before changing
                    self.session.build()
                reply["rebuilt"] = True
            elif settings:
                reply["rebuilt"] = self.session.change(settings)
            if action == "play":
                self.playing = True
            elif action in ("pause", "step", "step_d", "step_g", "step_call"):
                self.playing = False
            if action == "step":
                self.session.step()
            elif action == "step_d":
                self.session.step_d()
            elif action == "step_g":
                self.session.step_g()
            elif action == "step_call":
                reply["phase"], reply["line"] = self.session.step_call()
            self._publish()
            reply["iteration"] = self.session.iteration
            return reply

    # -- HTTP ------------------------------------------------------------------------
    def _handler_class(self):
        lab = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = "scratchgan-lab"

            def log_message(self, *args):            # quiet: the console is the learner's
                pass

            def _send(self, code, body, kind="application/json"):
                data = body if isinstance(body, bytes) else body.encode("utf-8")
                self.send_response(code)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Cache-Control", "no-store")
                self.send_header("X-Content-Type-Options", "nosniff")
                self.end_headers()
                self.wfile.write(data)

            def _error(self, code, message):
                self._send(code, json.dumps({"ok": False, "error": message}))

            def _host_ok(self):
                if self.headers.get("Host", "") in lab.allowed_hosts:
                    return True
                self._error(403, f"Host header {self.headers.get('Host')!r} is not this "
                                 f"server's address ({', '.join(sorted(lab.allowed_hosts))})")
                return False

            def do_GET(self):
                try:
                    if not self._host_ok():
                        return
                    url = urlsplit(self.path)
                    if url.path in PAGES:
                        name, kind = PAGES[url.path]
                        self._send(200, (STATIC / name).read_bytes(), kind)
                    elif url.path == "/frame":
                        self._send(200, lab.frame_text)
                    elif url.path == "/events":
                        self._events()
                    elif url.path == "/data":
                        with lab.lock:
                            self._send(200, json.dumps(lab.session.data()))
                    elif url.path == "/history":
                        with lab.lock:
                            rows = lab.session.history_rows()
                        self._send(200, to_json(rows))
                    elif url.path == "/loop":
                        lines, first = inspect.getsourcelines(loop)
                        self._send(200, json.dumps({"lines": [l.rstrip("\n") for l in lines],
                                                    "first": max(first, 1)}))
                    elif url.path == "/chain":
                        self._chain(parse_qs(url.query))
                    else:
                        self._error(404, f"no page {url.path!r}")
                except (BrokenPipeError, ConnectionResetError):
                    pass
                except Exception as e:                       # never crash the server
                    self._fail(e)

            def _chain(self, query):
                raw = query.get("point", [""])[0]
                if not raw.isdigit():
                    return self._error(400, f"point must be a whole number; got {raw!r}")
                try:
                    with lab.lock:
                        body = to_json(lab.session.chain(int(raw)))
                except SettingError as e:
                    return self._error(400, str(e))
                self._send(200, body)

            def _events(self):
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-store")
                self.send_header("Connection", "close")
                self.end_headers()
                self.close_connection = True
                seen = None
                while not lab.stopping:
                    with lab.changed:
                        if lab.frame_id == seen:
                            lab.changed.wait(10.0)
                        current, text = lab.frame_id, lab.frame_text
                    if current == seen:
                        self.wfile.write(b": still here\n\n")    # a keep-alive comment
                    else:
                        self.wfile.write(f"id: {current}\ndata: {text}\n\n".encode("utf-8"))
                        seen = current
                    self.wfile.flush()

            def do_POST(self):
                try:
                    if not self._host_ok():
                        return
                    if urlsplit(self.path).path != "/control":
                        return self._error(404, f"no page {self.path!r} takes POST; use /control")
                    length = self.headers.get("Content-Length")
                    if length is None or not length.isdigit():
                        return self._error(411, "a POST needs a Content-Length")
                    if int(length) > MAX_BODY:
                        self.close_connection = True
                        return self._error(413, f"request body over {MAX_BODY} bytes")
                    raw = self.rfile.read(int(length))
                    try:
                        request = json.loads(raw.decode("utf-8"))
                    except (UnicodeDecodeError, ValueError) as e:
                        return self._error(400, f"the body is not JSON: {e}")
                    try:
                        reply = lab.control(request)
                    except SettingError as e:
                        return self._error(400, str(e))
                    self._send(200, to_json(reply))
                except (BrokenPipeError, ConnectionResetError):
                    pass
                except Exception as e:
                    self._fail(e)

            def _fail(self, e):
                traceback.print_exc()
                try:
                    self._error(500, f"{type(e).__name__}: {e}")
                except OSError:
                    pass

        return Handler


def to_json(value):
    """JSON text; a NaN or an infinity (a diverged run) becomes null, which JSON
    has (Python writes NaN, which JavaScript's JSON.parse refuses)."""
    text = json.dumps(value)
    if "NaN" in text or "Infinity" in text:
        text = json.dumps(json.loads(text, parse_constant=lambda _: None))
    return text
