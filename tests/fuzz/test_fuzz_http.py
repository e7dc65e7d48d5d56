"""http:// against scripted hostile answers (tests/hostile_http.py): any status, lying or missing
Content-Length and Content-Range, redirects anywhere, bodies cut short or endless, index pages of
hostile links. Every outcome: a value or a one-line CheckpointError, within the time limit, no
password in it; what an honest server sends is read exactly; no link out of the folder is asked.

`make test` runs a few hundred cases (same ones every run); `make fuzz` thousands (fuzz-rest).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ckpt_browser.core.base.errors import CheckpointError
from tests.fuzz.test_fuzz import COUNT, IRIS, cli, examples, outcome
from tests.hostile_http import PASSWORD, USER, Hostile, Reply

T = 2.0  # CKPT_BROWSER_TIMEOUT: an answer that never ends costs this, once


@pytest.fixture(scope="module")
def server():
    root = Path(tempfile.mkdtemp(prefix="fuzz-http-"))
    shutil.copytree(IRIS, root / "iris")
    saved = os.environ.get("CKPT_BROWSER_TIMEOUT")
    os.environ["CKPT_BROWSER_TIMEOUT"] = str(T)
    with Hostile(root) as other, Hostile(root, other=other.url, drip=0.2, lifetime=3600) as hostile:
        hostile.other_server = other  # type: ignore[attr-defined]
        yield hostile
    if saved is None:
        os.environ.pop("CKPT_BROWSER_TIMEOUT", None)
    else:
        os.environ["CKPT_BROWSER_TIMEOUT"] = saved
    shutil.rmtree(root, ignore_errors=True)


def _with_user(url: str) -> str:
    return url.replace("http://", f"http://{USER}:{PASSWORD}@", 1)


def _clean(result) -> None:
    if isinstance(result, CheckpointError):
        assert PASSWORD not in str(result) and f"{USER}:" not in str(result), str(result)


_case = [0]


def _key() -> str:
    _case[0] += 1
    return f"k{_case[0]}"


LENGTHS = st.sampled_from(["auto", "auto", "auto", None, "0", "1", "999999999999", "-5", "abc", "3"])
STATUSES = st.sampled_from([200, 200, 200, 200, 206, 204, 301, 302, 307, 401, 403, 404, 410, 416, 500, 503])


@st.composite
def replies(draw, body=None):
    """A scripted answer for one URL on the server (base: its URL, for same-origin redirects)."""
    data = body if body is not None else draw(st.binary(max_size=3000))
    status = draw(STATUSES)
    headers: dict[str, str] = {}
    if status in (301, 302, 307):
        headers["Location"] = draw(
            st.sampled_from(
                [
                    "/script/elsewhere",
                    "/ok/iris/checkpoint",
                    "OTHER/ok/iris/checkpoint",
                    "https://127.0.0.1:1/x",
                    "",
                    "http://[::1",
                    "//203.0.113.9/x",
                    "SELF",
                ]
            )  # fmt: skip
        )
    if draw(st.booleans()):
        headers["Content-Type"] = draw(st.sampled_from(["text/html", "application/octet-stream", "text/plain", ""]))
    if draw(st.integers(0, 5)) == 0:
        headers["Content-Range"] = draw(st.sampled_from(["bytes 0-0/1", "bytes */*", "bytes 0-9/abc", "garbage"]))
    if draw(st.integers(0, 5)) == 0:
        headers["Content-Encoding"] = "gzip"
    cut = draw(st.one_of(st.none(), st.integers(0, max(0, len(data)))))
    return Reply(status, headers, data, draw(st.booleans()), cut, draw(st.integers(0, 12)) == 0, draw(LENGTHS))


def _script(server, reply: Reply, key: str) -> None:
    loc = reply.headers.get("Location")
    if loc == "SELF":
        reply.headers["Location"] = f"/script/{key}"
    elif loc and loc.startswith("OTHER"):
        reply.headers["Location"] = server.other_server.url + loc[5:]
    server.script[key] = reply


@examples(ci=250, fuzz=20_000)
@given(reply=replies(), where=st.floats(0, 1), size=st.integers(0, 5000))
def test_http_objects(server, reply, where, size):
    """stat, a ranged read and a whole read of one object whose answers are drawn."""
    from ckpt_browser.core import storage
    from ckpt_browser.core.storage import remote

    COUNT["cases"] += 1
    key = _key()
    _script(server, reply, key)
    url = storage.locate(_with_user(f"{server.url}/script/{key}"))
    st_ = outcome(storage.stat, url)
    _clean(st_)
    if isinstance(st_, CheckpointError) or st_ is None:
        return
    f = outcome(remote.RemoteFile, url)
    _clean(f)
    if isinstance(f, CheckpointError):
        return
    offset = int(where * f.size)
    got = outcome(f.read, offset, size)
    _clean(got)
    honest = (
        reply.status == 200 and reply.cut is None and not reply.endless and reply.length == "auto"
        and "Content-Range" not in reply.headers and "Content-Encoding" not in reply.headers
    )  # fmt: skip
    if isinstance(got, bytes):
        assert len(got) == size, (len(got), size)
        if honest:
            assert got == reply.body[offset : offset + size]
    elif honest:
        assert offset + size > len(reply.body), got  # only a range past the end may fail
    whole = outcome(storage.read_whole, url, 1 << 20)
    _clean(whole)
    if honest and reply.body:
        assert whole == reply.body


HREFS = ["a", "b/", "c.index", "../../../etc/passwd", "/etc/shadow", "..", "../", "./", ".", "?C=M;O=A", "#top",
         "http://203.0.113.9/d/a", "OTHER/d/x", "%2e%2e/%2e%2e/etc/passwd", "sub/../../escape", "a/b/c", "",
         "javascript:alert(1)", "mailto:x@y", "d%2Fe", "SELF/e", "SELF/f/", "//203.0.113.9/z", "\x00", "ü.data"]  # fmt: skip


@examples(ci=80, fuzz=5000)
@given(
    hrefs=st.lists(st.sampled_from(HREFS) | st.text(max_size=20), max_size=12),
    statuses=st.lists(st.sampled_from([200, 200, 404, 403, 500, 302]), min_size=30, max_size=30),
    junk=st.binary(max_size=200),
)
def test_http_index_pages(server, hrefs, statuses, junk):
    """A folder's page of hostile links: entries are single names directly in the folder, each
    answered by something other than 404; nothing outside the folder is ever asked for."""
    import html

    from ckpt_browser.core import storage

    COUNT["cases"] += 1
    key = _key()
    folder = f"{server.url}/script/{key}"
    links = [h.replace("OTHER", server.other_server.url).replace("SELF", folder) for h in hrefs]
    page = "".join(f'<a href="{html.escape(h)}">x</a>' for h in links).encode() + junk
    server.script[key] = Reply(200, {"Content-Type": "text/html"}, page)
    for i, name in enumerate(["a", "b", "c.index", "e", "f", "d%2Fe", "ü.data"]):
        server.script[f"{key}/{name}"] = Reply(statuses[i], {}, b"x" * i)
    seen = len(server.requests)
    result = outcome(storage.list_dir, storage.locate(_with_user(folder)))
    _clean(result)
    for path in server.requests[seen:]:
        assert path.startswith(f"/script/{key}") or path.startswith("/script/elsewhere") or path.startswith("/ok/"), (
            path
        )
    if isinstance(result, list):
        for name, _ in result:
            assert name and "/" not in name and name not in (".", ".."), name


MODES = ["ok", "norange", "slow", "endless", "redirect", "hop", "loop", "https", "liebig", "liesmall", "short",
         "garbage", "gone", "evil", "auth"]  # fmt: skip
FILES = ["iris", "checkpoint", "model.ckpt-300.index", "model.ckpt-300.data-00000-of-00001", "model.ckpt-200.index",
         "graph.pbtxt"]  # fmt: skip
COMMANDS = [["ls", "--json"], ["verify"], ["health", "--no-alpha"], ["show", "@", "dnn/logits/bias"], ["check"]]


@examples(ci=12, fuzz=1500)
@given(mode=st.sampled_from(MODES), name=st.sampled_from(FILES), command=st.sampled_from(COMMANDS))
def test_http_model_dirs_through_the_cli(server, mode, name, command):
    """A model_dir served with one file (or the folder page) hostile, through a CLI command."""
    COUNT["cases"] += 1
    where = _with_user(f"{server.url}/{mode}@{name}/iris")
    argv = [where if a == "@" else a for a in command] + ([] if "@" in command else [where])
    COUNT["calls"] += 1
    start = time.monotonic()
    code, out, err = cli(*argv)
    took = time.monotonic() - start
    lines = err.strip().splitlines()
    assert code in (0, 1, 2) and len(lines) <= 1, (argv, code, err)
    assert "unexpected error" not in err and "Traceback" not in err, (argv, err)
    assert PASSWORD not in out + err, argv
    assert took < 15, (argv, took)
    if code == 2:
        assert lines, argv
