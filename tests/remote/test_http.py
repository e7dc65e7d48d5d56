"""http:// URLs (fsspec's HTTP file system): a server nobody runs, one that answers 404 or refuses,
one that accepts and never answers -- each one line that says which, within one timeout."""

from __future__ import annotations

import contextlib
import http.server
import socket
import threading
import time

import pytest

from ckpt_browser.cli import main


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ls(url: str, capsys, command: str = "ls") -> str:
    code = main([command, url])
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert code == 2 and captured.out == "" and len(lines) == 1, (code, captured)
    assert "unexpected error" not in lines[0]
    return lines[0]


class _Answers(http.server.SimpleHTTPRequestHandler):
    """Files of a folder, and two paths that fail as servers do."""

    def send_head(self):
        if self.path.startswith("/forbidden"):
            self.send_error(403, "Forbidden")
            return None
        if self.path.startswith("/broken"):
            self.send_error(500, "Internal Server Error")
            return None
        return super().send_head()

    def log_message(self, *args) -> None:  # quiet: the test output is the CLI's
        pass


@pytest.fixture
def server(tmp_path):
    """python's own http.server on loopback, serving an empty folder."""

    def handler(*args, **kwargs):
        return _Answers(*args, directory=str(tmp_path), **kwargs)

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def silent():
    """A server that accepts connections and never answers (a hung server)."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            with contextlib.suppress(OSError):
                held.append(listener.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join(5)
    for c in held:
        c.close()
    listener.close()


def test_a_server_nobody_runs_cannot_be_reached(capsys):
    url = f"http://127.0.0.1:{_free_port()}/runs/iris"
    line = _ls(url, capsys)
    assert url in line and "cannot reach the server" in line, line
    assert "does not exist" not in line


def test_a_404_does_not_exist(server, capsys):
    url = f"{server}/runs/nothing-here"
    line = _ls(url, capsys)
    assert line == f"ckpt-browser ls: {url} does not exist"


@pytest.mark.parametrize(
    "path, said", [("/forbidden/iris", "access denied (HTTP 403"), ("/broken/iris", "the server answered HTTP 500")]
)
def test_a_server_that_refuses_says_how(server, capsys, path, said):
    line = _ls(server + path, capsys)
    assert server + path in line and said in line, line
    assert "does not exist" not in line and "cannot reach" not in line


@pytest.mark.parametrize("command", ["ls", "health"])
def test_the_timeout_is_honoured_once(silent, capsys, monkeypatch, command):
    """fsspec asks with HEAD, then GET; ls and health then look for runs below the path: each
    would wait again. One timeout in all (issue 25: 20 s gave up after 41 s)."""
    t = 4  # a second wait would take 2t: the 0.5t margin is for start-up on a loaded machine
    monkeypatch.setenv("CKPT_BROWSER_TIMEOUT", str(t))
    url = f"{silent}/runs/iris"
    start = time.monotonic()
    line = _ls(url, capsys, command)
    took = time.monotonic() - start
    assert url in line and f"no answer within {t} s" in line, line
    assert t <= took < 1.5 * t, took


def test_a_model_dir_served_over_http_is_browsed_like_the_folder(server, tmp_path, capsys):
    """python's http.server: a folder is its index page (fsspec calls it a file), and it ignores
    Range, sending every file whole. The model_dir reads as the local one; values are TensorFlow's."""
    import json
    import shutil
    from pathlib import Path

    tf = pytest.importorskip("tensorflow")
    local = Path(__file__).resolve().parents[2] / "resources" / "examples" / "iris"
    shutil.copytree(local, tmp_path / "iris")
    url = f"{server}/iris"

    def json_of(path: str) -> dict:
        assert main(["ls", "--json", path]) == 0
        return json.loads(capsys.readouterr().out)

    over_http, on_disk = json_of(url), json_of(str(tmp_path / "iris"))
    assert over_http["checkpoints"] == on_disk["checkpoints"]
    assert over_http["variables"] == on_disk["variables"] and over_http["scalars"] == on_disk["scalars"]

    assert main(["show", "--json", url, "dnn/logits/bias"]) == 0
    shown = json.loads(capsys.readouterr().out)
    expected = tf.train.load_checkpoint(str(local / "model.ckpt-300")).get_tensor("dnn/logits/bias")
    assert shown["values"] == expected.tolist()
    assert main(["verify", url]) == 0 and "5 ok, 0 corrupt" in capsys.readouterr().out
