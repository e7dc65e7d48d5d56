"""A bucket that fails: no answer, a server gone mid-read, an object deleted or truncated after
the listing, a key the server refuses. One clear line each, within the configured timeout."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time

import pytest

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.formats import reader as reader_module
from ckpt_browser.core.model_dir.contents import open_source, read_contents, read_variable
from ckpt_browser.core.storage import remote
from tests.remote.conftest import _fresh_fs
from tests.remote.test_s3 import cli
from tests.remote.wire import WireRelay

TIMEOUT = 2  # CKPT_BROWSER_TIMEOUT for these tests: seconds a request may take


def one_line(r: subprocess.CompletedProcess) -> str:
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    return lines[0]


@contextlib.contextmanager
def endpoint(url: str, monkeypatch):
    """This process's S3 client pointed at another endpoint (s3fs keeps one client per arguments)."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    monkeypatch.setenv("CKPT_BROWSER_TIMEOUT", str(TIMEOUT))
    reader_module._cache.clear()
    remote.clear_blocks()
    _fresh_fs()
    try:
        yield
    finally:
        reader_module._cache.clear()
        remote.clear_blocks()
        _fresh_fs()


def test_a_server_that_does_not_answer_fails_within_the_timeout(s3, moto):
    relay = WireRelay(*moto)
    relay.stalled.set()
    try:
        start = time.monotonic()
        r = cli("ls", s3.urls["iris"], env={"AWS_ENDPOINT_URL": relay.url, "CKPT_BROWSER_TIMEOUT": str(TIMEOUT)})
        took = time.monotonic() - start
    finally:
        relay.close()
    line = one_line(r)
    assert s3.urls["iris"] in line and f"no answer within {TIMEOUT} s" in line
    assert took < 6 * TIMEOUT + 10  # a request and one retry, plus the interpreter's start


def test_a_server_stopped_mid_session_is_an_error_not_a_hang(s3, moto, monkeypatch):
    relay = WireRelay(*moto)
    with endpoint(relay.url, monkeypatch):
        source = open_source(s3.urls["iris"])
        info = source.checkpoint()
        read_contents(info)
        relay.close()  # the server is gone: open connections cut, new ones refused
        start = time.monotonic()
        with pytest.raises(CheckpointError) as err:
            read_variable(info, "dnn/logits/kernel")
        assert time.monotonic() - start < 4 * TIMEOUT + 5
    text = str(err.value)
    assert "\n" not in text and "s3://runs/iris" in text
    assert "cannot reach the server" in text or f"no answer within {TIMEOUT} s" in text


def test_an_object_deleted_after_the_listing_is_named(s3, iris_dir, monkeypatch):
    s3.fs.put(str(iris_dir), "runs/deleted", recursive=True)
    with endpoint(os.environ["AWS_ENDPOINT_URL"], monkeypatch):
        source = open_source("s3://runs/deleted")
        info = source.checkpoint()
        read_contents(info)
        s3.fs.rm(f"runs/deleted/{info.name}.data-00000-of-00001")
        with pytest.raises(CheckpointError) as err:
            read_variable(info, "dnn/logits/kernel")
    assert "\n" not in str(err.value)
    assert f"{info.name}.data-00000-of-00001" in str(err.value)
    assert "missing" in str(err.value) or "does not exist" in str(err.value)


def test_a_truncated_object_is_flagged_and_its_values_refused(s3, iris_dir, tmp_path):
    copy = tmp_path / "iris"
    shutil.copytree(iris_dir, copy)
    data = copy / "model.ckpt-300.data-00000-of-00001"
    data.chmod(0o644)
    data.write_bytes(data.read_bytes()[:100])
    s3.fs.put(str(copy), "runs/truncated", recursive=True)
    r = cli("ls", "s3://runs/truncated", "--checkpoint", "model.ckpt-250")
    assert r.returncode == 0, r.stderr
    row = next(line for line in r.stdout.splitlines() if "model.ckpt-300" in line)
    assert "damaged" in row
    line = one_line(cli("show", "s3://runs/truncated", "dnn/logits/kernel"))
    assert "truncated" in line and "model.ckpt-300" in line


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_key_the_server_refuses_is_access_denied(s3):
    # moto's server with authentication on: every request needs a key it issued.
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        env={**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": "0"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            time.sleep(0.2)
        env = {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}", "AWS_ACCESS_KEY_ID": "AKIAWRONGKEY"}
        line = one_line(cli("ls", "s3://runs/iris", env=env))
    finally:
        server.terminate()
        server.wait(10)
    assert line.startswith("ckpt-browser ls: s3://runs/iris: access denied")
    assert "AKIAWRONGKEY" not in line and "testing" not in line  # never print credentials


def test_the_timeout_is_honoured_once(s3, moto, monkeypatch):
    """A server that accepts and never answers: the error comes after one timeout, not after a
    retry's second one (issue 25: 20 s gave up after 41 s)."""
    relay = WireRelay(*moto)
    relay.stalled.set()
    t = 6  # a retry would take 2t: the 0.5t margin is for s3fs start-up on a loaded 2-core machine
    try:
        with endpoint(relay.url, monkeypatch):
            monkeypatch.setenv("CKPT_BROWSER_TIMEOUT", str(t))
            _fresh_fs()
            start = time.monotonic()
            with pytest.raises(CheckpointError, match=f"no answer within {t} s"):
                open_source(s3.urls["iris"])
            took = time.monotonic() - start
    finally:
        relay.close()
    assert t <= took < 1.5 * t, took


def test_every_fsspec_protocol_works_or_says_what_is_missing(monkeypatch, capsys):
    """Each protocol fsspec knows: one line naming the URL and what is missing, never the catch-all."""
    from fsspec.registry import known_implementations

    from ckpt_browser.cli import main

    monkeypatch.setenv("CKPT_BROWSER_TIMEOUT", "3")
    for protocol in sorted(known_implementations):
        url = f"{protocol}://nohost.invalid/x"
        start = time.monotonic()
        code = main(["ls", url])
        err = capsys.readouterr().err.strip().splitlines()
        assert code == 2 and len(err) == 1, (url, err)
        assert "unexpected error" not in err[0], err
        assert "nohost.invalid" in err[0] or f"{protocol}://" in err[0] or protocol in ("file", "local"), err
        assert time.monotonic() - start < 30, url
