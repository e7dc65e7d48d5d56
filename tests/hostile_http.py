"""A hostile HTTP server for tests: python's threaded http.server on 127.0.0.1 serving a folder,
each request answered the way its path asks -- slow, endless, redirecting, lying, gone.

    /<mode>/<path in the folder>          every request of that subtree behaves as <mode>
    /<mode>@<name>/<path in the folder>   only requests for the file <name>; the others are served straight

Modes: ok (Range honoured), norange (whole files, as python's http.server), slow (one byte every
DRIP s), slowhead (the status line, then nothing), endless (no size, a body that never ends: a
folder's page or a file), redirect (302 to the same path on `other`), hop (302 within this
server, to /ok/...), loop (302 to itself), https (302 to https:// on this port), liebig and
liesmall (HEAD's Content-Length twice / half the real size), huge (HEAD says 100 GB, GET
ignores Range and never ends), short (Content-Length right, the
connection closed half-way), garbage (the file's bytes replaced), gone (404), evil (the folder's
page also links to ../../../etc/passwd, /etc/shadow, http://elsewhere and a sort order), auth
(401 unless basic auth USER:PASSWORD). `/script/<key>` answers what `script[key]` (a Reply) says: any status, headers and body, for
the fuzz layer (tests/fuzz/test_fuzz_http.py). Every loop is bounded and ends when the server stops;
the server stops itself after `lifetime` seconds. Requested paths are kept in `requests`.
"""

from __future__ import annotations

import base64
import contextlib
import html
import http.server
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

USER, PASSWORD = "alice", "s3cr3t-pw"
DRIP = 3.0
ENDLESS = 8 << 30  # bytes an endless body sends at most: a bound, never reached by a careful client
MODES = ("ok", "norange", "slow", "slowhead", "endless", "redirect", "hop", "loop", "https", "liebig",
         "liesmall", "short", "garbage", "gone", "evil", "auth", "huge")  # fmt: skip


@dataclass
class Reply:
    """One scripted answer: headers as given (a Content-Length may lie, or be missing), the body
    cut after `cut` bytes, or sent `endless`ly; Range honoured (206) or not."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    honour_range: bool = True
    cut: int | None = None
    endless: bool = False
    length: str | None = "auto"  # Content-Length: "auto" (the body's, or the range's), None (absent), or this text


class Hostile:
    def __init__(self, root: Path, other: str = "", lifetime: float = 300.0, drip: float = DRIP) -> None:
        self.root, self.other, self.drip = Path(root), other, drip
        self.stopping = threading.Event()
        self.requests: list[str] = []
        self.script: dict[str, Reply] = {}
        server = self

        class Handler(_Handler):
            hostile = server

        self.httpd = _Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self._thread.start()
        self._timer = threading.Timer(lifetime, self.stop)
        self._timer.daemon = True
        self._timer.start()

    def wait(self, seconds: float) -> bool:
        """Sleep; True when the server is stopping (every loop ends then)."""
        return self.stopping.wait(seconds)

    def stop(self) -> None:
        if not self.stopping.is_set():
            self.stopping.set()
            self._timer.cancel()
            self.httpd.shutdown()
            self.httpd.server_close()

    def __enter__(self) -> Hostile:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        pass  # a client that hangs up on a body it does not want: what careful clients do


class _Handler(http.server.BaseHTTPRequestHandler):
    hostile: Hostile
    protocol_version = "HTTP/1.1"
    timeout = 30  # a client that stops reading ends a blocked write: no thread left behind

    def log_message(self, *args) -> None:
        pass

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def do_GET(self) -> None:
        self._answer(head=False)

    # -- what each path asks for ---------------------------------------------------------------
    def _answer(self, head: bool) -> None:
        h = self.hostile
        h.requests.append(self.path)
        parts = urlsplit(self.path).path.split("/", 2)
        if len(parts) < 2 or not parts[1]:
            return self._status(404)
        if parts[1] == "script":
            with contextlib.suppress(BrokenPipeError, ConnectionResetError, TimeoutError, OSError):
                self._scripted(h.script.get(parts[2] if len(parts) > 2 else "", Reply(404)), head)
            return None
        mode, _, only = unquote(parts[1]).partition("@")
        rest = unquote(parts[2]) if len(parts) > 2 else ""
        local = (h.root / rest).resolve()
        if h.root.resolve() not in (local, *local.parents):
            return self._status(404)
        if only and local.name != only and mode not in ("redirect", "hop", "loop", "https", "auth", "evil"):
            mode = "ok"
        with contextlib.suppress(BrokenPipeError, ConnectionResetError, TimeoutError, OSError):
            getattr(self, "_" + mode, self._unknown)(local, rest, head)

    def _unknown(self, local, rest, head) -> None:
        self._status(400)

    def _status(self, code: int, headers: dict | None = None) -> None:
        self.send_response(code)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send(self, body: bytes, head: bool, ctype: str = "application/octet-stream", length: int | None = None,
              code: int = 200, extra: dict | None = None) -> None:  # fmt: skip
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.send_header("Last-Modified", self.date_time_string(1_700_000_000))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _page(self, local: Path, links: list[str] = ()) -> bytes:  # type: ignore[assignment]
        names = sorted(p.name + ("/" if p.is_dir() else "") for p in local.iterdir())
        hrefs = [quote(n) for n in names] + list(links)
        items = "".join(f'<li><a href="{html.escape(x)}">{html.escape(unquote(x))}</a></li>\n' for x in hrefs)
        return f"<!DOCTYPE HTML>\n<html><body><h1>Index</h1><ul>\n{items}</ul></body></html>\n".encode()

    def _folder_or_file(self, local: Path, rest: str) -> tuple[bytes, str] | None:
        if local.is_dir():
            if rest and not rest.endswith("/"):
                return None  # redirected below, as http.server does
            return self._page(local), "text/html; charset=utf-8"
        if local.is_file():
            return local.read_bytes(), "application/octet-stream"
        return b"", ""

    def _ok(self, local, rest, head, honour_range: bool = True, liar: float = 1.0) -> None:
        got = self._folder_or_file(local, rest)
        if got is None:
            return self._status(301, {"Location": self.path + "/"})
        body, ctype = got
        if not ctype:
            return self._status(404)
        rng = self.headers.get("Range", "")
        if honour_range and rng.startswith("bytes=") and ctype != "text/html; charset=utf-8" and not head:
            a, _, b = rng[6:].partition("-")
            start, end = int(a), min(int(b or len(body) - 1), len(body) - 1)
            if start >= len(body):
                return self._status(416, {"Content-Range": f"bytes */{len(body)}"})
            part = body[start : end + 1]
            return self._send(part, head, ctype, code=206, extra={"Content-Range": f"bytes {start}-{end}/{len(body)}"})
        self._send(body, head, ctype, length=int(len(body) * liar) if head else None)

    def _norange(self, local, rest, head) -> None:
        self._ok(local, rest, head, honour_range=False)

    def _liebig(self, local, rest, head) -> None:
        self._ok(local, rest, head, liar=2.0)

    def _liesmall(self, local, rest, head) -> None:
        self._ok(local, rest, head, liar=0.5)

    def _garbage(self, local, rest, head) -> None:
        if local.is_file():
            return self._send(
                bytes(range(256)) * (local.stat().st_size // 256) + b"\x07" * (local.stat().st_size % 256), head
            )
        self._ok(local, rest, head)

    def _short(self, local, rest, head) -> None:
        got = self._folder_or_file(local, rest)
        if got is None or not got[1] or head:
            return self._ok(local, rest, head)
        body = got[0]
        self._send(body[: len(body) // 2], False, got[1], length=len(body))
        self.close_connection = True

    def _gone(self, local, rest, head) -> None:
        self._status(404)

    def _evil(self, local, rest, head) -> None:
        if local.is_dir() and (not rest or rest.endswith("/")):
            links = ["../../../etc/passwd", "/etc/shadow", "http://203.0.113.9/iris/model.ckpt-1.index",
                     "?C=M;O=A", "#top", "sub/../../escape", "%2e%2e/%2e%2e/etc/passwd"]  # fmt: skip
            return self._send(self._page(local, links), head, "text/html; charset=utf-8")
        self._ok(local, rest, head)

    def _auth(self, local, rest, head) -> None:
        want = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        if self.headers.get("Authorization") != want:
            return self._status(401, {"WWW-Authenticate": 'Basic realm="runs"'})
        self._ok(local, rest, head)

    def _redirect(self, local, rest, head) -> None:
        self._status(302, {"Location": self.hostile.other + "/ok/" + quote(rest)})

    def _https(self, local, rest, head) -> None:
        self._status(302, {"Location": self.hostile.url.replace("http://", "https://") + "/ok/" + quote(rest)})

    def _hop(self, local, rest, head) -> None:
        self._status(307, {"Location": "/ok/" + quote(rest)})

    def _loop(self, local, rest, head) -> None:
        self._status(302, {"Location": self.path})

    def _slowhead(self, local, rest, head) -> None:
        self.wfile.write(b"HTTP/1.1 200 OK\r\n")
        self.wfile.flush()
        self.hostile.wait(60)
        self.close_connection = True

    def _slow(self, local, rest, head) -> None:
        got = self._folder_or_file(local, rest)
        body, ctype = (b"", "") if got is None else got
        if not ctype:
            return self._ok(local, rest, head)
        size = len(body)
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(size))
        self.end_headers()
        if head:
            return
        for i in range(size):  # one byte, then a wait: each read is within any read timeout
            self.wfile.write(body[i : i + 1])
            self.wfile.flush()
            if self.hostile.wait(self.hostile.drip):
                break
        self.close_connection = True

    def _huge(self, local, rest, head) -> None:
        """HEAD: 100 GB. GET: Range ignored, no size, a body that never ends."""
        if local.is_file() and head:
            return self._send(b"", True, length=100 << 30)
        self._endless(local, rest, head)

    def _endless(self, local, rest, head) -> None:
        page = local.is_dir()
        self.send_response(200)
        self.send_header("Content-Type", "text/html" if page else "application/octet-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        if head:
            return
        sent, i, started = 0, 0, time.monotonic()
        while sent < ENDLESS and not self.hostile.stopping.is_set() and time.monotonic() - started < 120:
            chunk = (
                "".join(f'<a href="f{i + k}">f{i + k}</a>\n' for k in range(1000)).encode() if page else b"\x01" * 65536
            )
            i += 1000
            self.wfile.write(chunk)
            sent += len(chunk)

    def _scripted(self, reply: Reply, head: bool) -> None:
        body, status, extra = reply.body, reply.status, dict(reply.headers)
        rng = self.headers.get("Range", "")
        if reply.honour_range and status == 200 and rng.startswith("bytes=") and body:
            a, _, b = rng[6:].partition("-")
            with contextlib.suppress(ValueError):
                start, end = int(a), min(int(b or len(body) - 1), len(body) - 1)
                if start < len(body):
                    body, status = body[start : end + 1], 206
                    extra.setdefault("Content-Range", f"bytes {start}-{end}/{len(reply.body)}")
        self.send_response(status)
        for k, v in extra.items():
            self.send_header(k, v)
        if reply.endless:
            self.send_header("Connection", "close")
        elif reply.length == "auto":
            self.send_header("Content-Length", str(len(body)))
        elif reply.length is not None:
            self.send_header("Content-Length", reply.length)
        self.end_headers()
        self.close_connection = True
        if head:
            return
        if reply.endless:
            sent = 0
            while sent < ENDLESS and not self.hostile.stopping.is_set():
                self.wfile.write((body or b"\x00") * max(1, 65536 // max(1, len(body))))
                sent += 65536
            return
        self.wfile.write(body if reply.cut is None else body[: reply.cut])
