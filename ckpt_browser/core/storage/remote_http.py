"""http(s):// like a careful client: one deadline for each whole request (not only for each read),
a cap on every body we hold (index pages, files with no size), redirects followed only within
the same scheme, host and port, links out of the folder ignored, a 404 the file missing, and
credentials taken out of the URL (sent as basic auth) so that no message, header or JSON shows them.

fsspec's HTTP file system gives the aiohttp session and its event loop; the requests are ours."""

from __future__ import annotations

import asyncio
import base64
import re
from html.parser import HTMLParser
from urllib.parse import unquote, urljoin, urlsplit

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.storage.paths import redact
from ckpt_browser.core.storage.remote_errors import timeout

MAX_PAGE = 4 << 20  # an index page: a folder of 20,000 checkpoints' files lists in well under this
MAX_UNSIZED = 16 << 20  # a body sent with no Content-Length: measured by reading it, up to this
MAX_SKIP = 64 << 20  # from a server that ignores Range: bytes we read and drop to reach a range's start
MAX_REDIRECTS = 5
STEP = 1 << 16
REDIRECTS = (301, 302, 303, 307, 308)

_auth: dict[tuple[str, str, int | None], tuple[str, str]] = {}  # origin -> (user, password) given once


def origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


def split_credentials(url: str) -> tuple[str, str | None]:
    """(the URL without user:password@, the Authorization header to send, or None). Credentials
    given once for a server are remembered for it: paths rebuilt from the clean URL still log in."""
    try:
        parts = urlsplit(url)
        origin(url)  # the port is read here: "host:99999", "[::1" fail now, in one line
        if not parts.hostname:
            raise ValueError("no host")
    except ValueError as exc:
        raise CheckpointError(f"{redact(url)[:300]} is not a valid URL ({redact(exc)[:100]})") from None
    if parts.username is not None or parts.password is not None:
        _auth[origin(url)] = (unquote(parts.username or ""), unquote(parts.password or ""))
        url = redact(url)
    known = _auth.get(origin(url))
    if known is None:
        return url, None
    return url, "Basic " + base64.b64encode(f"{known[0]}:{known[1]}".encode()).decode()


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        if tag == "a":
            self.hrefs.extend(v for k, v in attrs if k == "href" and v)


def _run(fs, coro_fn, *args):
    """coro_fn(session, *args) on fsspec's loop, the whole of it within one timeout."""
    from fsspec.asyn import sync

    t = timeout()

    async def bounded():
        session = await fs.set_session()
        return await asyncio.wait_for(coro_fn(session, *args), t)

    return sync(fs.loop, bounded, timeout=t + 5)


async def _send(session, method: str, url: str, headers: dict | None = None):
    """The response to the request, redirects followed within the same origin only."""
    start = url
    for _ in range(MAX_REDIRECTS + 1):
        r = await session.request(method, url, headers=headers or {}, allow_redirects=False)
        location = r.headers.get("Location")
        if r.status not in REDIRECTS or not location:
            return r
        r.release()
        target = urljoin(url, location)
        if origin(target) != origin(url):
            raise CheckpointError(
                f"{redact(start)[:300]} redirects to {redact(target)[:300]}, another scheme, host or port: not followed"
            )
        url = target
    raise CheckpointError(f"{redact(start)[:300]}: more than {MAX_REDIRECTS} redirects")


def _check(r, url: str) -> None:
    if r.status in (404, 410):
        raise FileNotFoundError(redact(url))
    r.raise_for_status()  # aiohttp's ClientResponseError: remote_errors says which status


async def _body(r, cap: int, skip: int = 0) -> tuple[bytes, bool]:
    """(up to cap bytes after the first skip, whether more followed): never more held or read.
    A body cut short (fewer bytes than its Content-Length) gives what came: the caller says short."""
    import aiohttp

    out = bytearray()
    try:
        while skip:
            got = await r.content.read(min(STEP, skip))
            if not got:
                return b"", False
            skip -= len(got)
        while len(out) <= cap:
            got = await r.content.read(min(STEP, cap + 1 - len(out)))
            if not got:
                return bytes(out), False
            out += got
    except aiohttp.ClientPayloadError:
        return bytes(out[:cap]), False
    return bytes(out[:cap]), True


async def _info(session, url: str) -> dict:
    info: dict = {"name": url, "type": "file", "size": None}
    r = await _send(session, "HEAD", url, {"Accept-Encoding": "identity"})
    try:
        if r.status in (405, 501):  # HEAD not allowed: the GET below says it all
            r.release()
            r = await _send(session, "GET", url, {"Accept-Encoding": "identity"})
        _check(r, url)
        _headers(r, info)
        if info["size"] is None and not info.get("mimetype", "").startswith("text/html"):
            if r.method == "HEAD":
                r.release()
                r = await _send(session, "GET", url, {"Accept-Encoding": "identity"})
                _check(r, url)
                _headers(r, info)
            if info["size"] is None:  # no size given: read it, within the cap
                body, more = await _body(r, MAX_UNSIZED)
                if more:
                    raise CheckpointError(
                        f"{redact(url)[:300]} is too large: the server sends more than {MAX_UNSIZED >> 20} MiB "
                        "without saying its size (Content-Length), and it does not end there"
                    )
                info["size"] = len(body)
    finally:
        r.release()
    return info


def _headers(r, info: dict) -> None:
    h = r.headers
    if "Content-Length" in h and h.get("Content-Encoding", "identity") in ("identity", "") and r.status == 200:
        try:
            info["size"] = max(0, int(h["Content-Length"]))
        except ValueError:
            pass
    if "Content-Type" in h:
        info["mimetype"] = h["Content-Type"].partition(";")[0].strip().lower()
    for key in ("ETag", "Last-Modified"):
        if h.get(key):
            info[key] = h[key]


def info(fs, url: str) -> dict:
    """What fsspec's info gives (size, mimetype, ETag, Last-Modified); FileNotFoundError on 404."""
    return _run(fs, _info, url)


async def _page(session, url: str) -> tuple[str, str]:
    r = await _send(session, "GET", url)
    try:
        _check(r, url)
        body, more = await _body(r, MAX_PAGE)
        final = str(r.url)
    finally:
        r.release()
    if more:
        raise CheckpointError(
            f"{redact(url)[:300]} is too large for a folder's index page (more than {MAX_PAGE >> 20} MiB)"
        )
    return body.decode("utf-8", "replace"), final


_NAME_RE = re.compile(r"^[^/?#]+/?$")


def ls(fs, url: str) -> list[tuple[str, bool]]:
    """(name, is a folder) of each link of the folder's index page to a file or folder directly in
    it: the parent, sort orders, other servers and ../../ escapes are not entries."""
    text, final = _run(fs, _page, url)
    base = final if final.endswith("/") else final + "/"  # the folder the page is, after redirects
    parser = _Links()
    parser.feed(text)
    out: dict[str, bool] = {}
    for href in parser.hrefs:
        target = urljoin(base, href.strip())
        if origin(target) != origin(url):
            continue
        tp, bp = urlsplit(target), urlsplit(base)
        if tp.query or tp.fragment or not tp.path.startswith(bp.path):
            continue
        rest = tp.path[len(bp.path) :]
        if not _NAME_RE.match(rest):
            continue
        name = unquote(rest.rstrip("/"))
        if name in ("", ".", "..") or "/" in name:
            continue
        out[name] = out.get(name, False) or rest.endswith("/")
    return list(out.items())


def _total(r) -> int | None:
    """The object's size as this answer gives it: Content-Range's total (206), Content-Length (200)."""
    try:
        if r.status == 206:
            total = r.headers.get("Content-Range", "").rpartition("/")[2]
            return None if total in ("", "*") else int(total)
        return int(r.headers["Content-Length"]) if "Content-Length" in r.headers else None
    except ValueError:
        return None


async def _range(session, url: str, start: int, end: int, size: int | None) -> bytes:
    r = await _send(session, "GET", url, {"Range": f"bytes={start}-{end - 1}", "Accept-Encoding": "identity"})
    try:
        _check(r, url)
        total = _total(r)
        if size is not None and total is not None and total != size:
            raise CheckpointError(
                f"{redact(url)[:300]}: the server gave its size as {size:,} bytes, then as {total:,}: "
                "it changed while being read, or the server misstates it"
            )
        # 206: the range. 200: a server that ignores Range sends the whole file: skip to start.
        if r.status != 206 and start > MAX_SKIP:
            raise CheckpointError(
                f"{redact(url)[:300]}: the server ignores Range requests (it sends whole files), and reaching "
                f"byte {start:,} would fetch more than {MAX_SKIP >> 20} MiB first: serve the folder with a "
                "server that honours Range"
            )
        body, _ = await _body(r, end - start, skip=0 if r.status == 206 else start)
    finally:
        r.release()
    return body


def cat(fs, url: str, start: int, end: int, size: int | None = None) -> bytes:
    """Bytes [start, end) of the object, or fewer when it ends first (the caller says truncated).
    size: what its HEAD said; an answer that gives another size is an error, not a short read."""
    return _run(fs, _range, url, start, end, size)
