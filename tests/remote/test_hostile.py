"""http:// against a hostile server (tests/hostile_http.py): slow, endless, redirecting, lying,
gone, evil links, credentials. Each row of issue 30: one line (exit 2) or a right report, within
15 s, nothing written (neither in the served folder nor in the current one), no password shown."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import time
from pathlib import Path

import pytest

from ckpt_browser.cli import main
from tests.hostile_http import PASSWORD, USER, Hostile

IRIS = Path(__file__).resolve().parents[2] / "resources" / "examples" / "iris"
T = 2  # CKPT_BROWSER_TIMEOUT here: a wait of T is honoured, the whole in well under 15 s
DATA = "model.ckpt-300.data-00000-of-00001"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    root = tmp_path_factory.mktemp("served")
    shutil.copytree(IRIS, root / "iris")
    # A byte every T / 4 s: each read is well within aiohttp's read timeout (T), the whole never ends.
    with Hostile(root) as other, Hostile(root, other=other.url, drip=T / 4) as server:
        yield server, other


def _snapshot(folder: Path) -> dict:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*")}


@pytest.fixture
def url(served, tmp_path, monkeypatch):
    """The server's URL; the test runs in an empty current folder, and nothing may be written."""
    from ckpt_browser.core.storage import remote_http

    server, other = served
    monkeypatch.setenv("CKPT_BROWSER_TIMEOUT", str(T))
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    before = _snapshot(server.root)
    other.requests.clear()
    yield server.url
    remote_http._auth.clear()  # credentials are remembered per server for the process: not between tests
    assert _snapshot(server.root) == before and list(cwd.iterdir()) == []


def cli(*argv: str) -> tuple[int, str, list[str], float]:
    out, err = io.StringIO(), io.StringIO()
    start = time.monotonic()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    took = time.monotonic() - start
    lines = err.getvalue().strip().splitlines()
    assert took < 15, (argv, took)
    assert "unexpected error" not in err.getvalue() and "Traceback" not in err.getvalue(), err.getvalue()
    assert PASSWORD not in out.getvalue() + err.getvalue(), (argv, out.getvalue(), err.getvalue())
    return code, out.getvalue(), lines, took


def one_line(*argv: str) -> tuple[str, float]:
    code, out, lines, took = cli(*argv)
    assert code == 2 and len(lines) == 1 and out == "", (argv, code, out, lines)
    return lines[0], took


COMMANDS = [["ls"], ["ls", "--json"], ["verify"], ["health", "--no-alpha"], ["show", "--json", "@", "dnn/logits/bias"]]


def _argv(command: list[str], where: str) -> list[str]:
    return [where if a == "@" else a for a in command] + ([] if "@" in command else [where])


# -- slow -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["slow", "slow@checkpoint", "slowhead"])
@pytest.mark.parametrize("command", [["ls"], ["verify"], ["health"]], ids=lambda c: c[0])
def test_a_server_sending_a_byte_at_a_time_stops_at_the_timeout(url, mode, command):
    line, took = one_line(*_argv(command, f"{url}/{mode}/iris"))
    assert f"no answer within {T} s" in line and f"{url}/{mode}/iris" in line, line
    assert took < 2.5 * T, took  # one deadline for the whole request, not one per read


def test_a_slow_data_file_stops_show_at_the_timeout(url):
    line, took = one_line("show", f"{url}/slow@{DATA}/iris", "dnn/logits/bias")
    assert f"no answer within {T} s" in line and DATA in line, line


# -- endless --------------------------------------------------------------------------------------
@pytest.mark.parametrize("command", [["ls"], ["verify"], ["health"]], ids=lambda c: c[0])
def test_an_index_page_that_never_ends_is_too_large(url, command):
    line, _ = one_line(*_argv(command, f"{url}/endless@iris/iris"))
    assert line.endswith("is too large for a folder's index page (more than 4 MiB)"), line


@pytest.mark.parametrize("name", ["checkpoint", "model.ckpt-300.index"])
@pytest.mark.parametrize("command", [["ls"], ["verify"]], ids=lambda c: c[0])
def test_a_body_that_never_ends_is_too_large_not_empty(url, name, command):
    line, _ = one_line(*_argv(command, f"{url}/endless@{name}/iris"))
    assert f"/iris/{name} is too large: the server sends more than 16 MiB" in line, line
    assert "empty" not in line


# -- redirects ------------------------------------------------------------------------------------
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: "-".join(c))
def test_a_redirect_to_another_port_is_one_line_naming_it(url, served, command):
    other = served[1]
    line, _ = one_line(*_argv(command, f"{url}/redirect/iris"))
    assert line.endswith(
        f"{url}/redirect/iris redirects to {other.url}/ok/iris, another scheme, host or port: not followed"
    ), line
    assert other.requests == []  # the other server was never asked


def test_a_redirect_to_https_or_in_a_loop_is_one_line(url):
    line, _ = one_line("ls", f"{url}/https/iris")
    assert f"redirects to {url.replace('http://', 'https://')}/ok/iris" in line, line
    line, _ = one_line("ls", f"{url}/loop/iris")
    assert line.endswith(f"{url}/loop/iris: more than 5 redirects"), line


def _ls_json(where: str) -> dict:
    code, out, lines, _ = cli("ls", "--json", where)
    assert code == 0 and lines == [], lines
    doc = json.loads(out)
    return {k: doc[k] for k in ("checkpoints", "variables", "latest")}


@pytest.mark.parametrize("mode", ["hop", "norange", "evil"])
def test_what_a_careful_client_accepts_reads_as_the_plain_server(url, served, mode):
    """A redirect within the server is followed; a server ignoring Range is sliced; links out of
    the folder (../../../etc/passwd, /etc/shadow, another host, %2e%2e) are not entries, never asked."""
    assert _ls_json(f"{url}/{mode}/iris") == _ls_json(f"{url}/ok/iris")
    code, out, _, _ = cli("verify", f"{url}/{mode}/iris")
    assert code == 0 and "5 ok, 0 corrupt" in out
    asked = " ".join(served[0].requests)
    assert "passwd" not in asked and "shadow" not in asked and "escape" not in asked


# -- lying ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["liebig", "liesmall"])
def test_a_content_length_that_lies_is_named(url, mode):
    line, _ = one_line("ls", f"{url}/{mode}/iris")
    assert "the server gave its size as" in line and "misstates it" in line, line


def test_a_body_cut_short_is_truncated(url):
    code, out, lines, _ = cli("verify", f"{url}/short@{DATA}/iris")
    assert code == 1 and lines == []
    assert f"{DATA} is truncated: got 780 of 1,560 bytes at 0" in out, out


def test_garbage_data_is_corrupt_and_health_says_unreadable(url):
    code, out, lines, _ = cli("verify", f"{url}/garbage@{DATA}/iris")
    assert code == 1 and "model.ckpt-300  corrupt" in out and "checksum mismatch in dnn/logits/bias" in out
    code, out, lines, _ = cli("health", "--json", f"{url}/garbage@{DATA}/iris")
    report = json.loads(out)
    assert code == 1 and "nothing wrong found" not in report["summary"]
    bad = {(f["kind"], f["checkpoint"]) for f in report["findings"]}
    assert bad == {("unreadable", "model.ckpt-300")}


# -- 404 ------------------------------------------------------------------------------------------
def test_a_linked_index_answering_404_is_that_file_missing(url):
    code, out, lines, _ = cli("ls", "--json", f"{url}/gone@model.ckpt-300.index/iris")
    assert code == 0 and lines == []
    by_name = {c["name"]: c for c in json.loads(out)["checkpoints"]}
    assert by_name["model.ckpt-300"]["files_ok"] is False and by_name["model.ckpt-250"]["files_ok"] is True


def test_a_linked_data_file_answering_404_is_missing(url):
    code, out, lines, _ = cli("verify", f"{url}/gone@{DATA}/iris")
    assert code == 1 and lines == []
    assert f"a data file of model.ckpt-300 is missing: {DATA}" in out


def test_a_folder_answering_404_does_not_exist(url):
    line, _ = one_line("ls", f"{url}/gone/iris")
    assert line == f"ckpt-browser ls: {url}/gone/iris does not exist"


# -- credentials ----------------------------------------------------------------------------------
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: "-".join(c))
def test_credentials_log_in_and_are_never_printed(url, command):
    with_user = url.replace("http://", f"http://{USER}:{PASSWORD}@") + "/auth/iris"
    code, out, lines, _ = cli(*_argv(command, with_user))  # cli() asserts the password is nowhere
    assert code == 0 and lines == [], lines
    if command == ["ls", "--json"]:
        assert json.loads(out)["model_dir"] == f"{url}/auth/iris"


@pytest.mark.parametrize(
    "path, said",
    [
        ("/auth/iris", "access denied (HTTP 401"),
        ("/auth/nothing", "does not exist"),
        ("/redirect/iris", "another scheme, host or port: not followed"),
        ("/slow/iris", "no answer within"),
        ("/endless@iris/iris", "too large"),
    ],
)
def test_credentials_are_not_in_error_lines(url, path, said):
    wrong = url.replace("http://", f"http://{USER}:wrong-{PASSWORD}@") if "401" in said else url.replace(
        "http://", f"http://{USER}:{PASSWORD}@"
    )  # fmt: skip
    line, _ = one_line("ls", wrong + path)
    assert said in line and f"{url}{path}" in line and "wrong-" not in line and f"{USER}:" not in line


@pytest.mark.parametrize("bad", ["http://u:p@[::1/iris", "http://u:p@127.0.0.1:99999:1/iris", "http:///iris"])
def test_a_malformed_url_is_one_line(url, bad):
    line, _ = one_line("ls", bad)
    assert "is not a valid URL" in line and ":p@" not in line


@pytest.mark.parametrize("command", [["ls"], ["verify"]], ids=lambda c: c[0])
def test_an_index_claiming_100_gb_with_an_endless_body_is_refused_at_once(url, command):
    """HEAD says 100 GB, GET ignores Range and never ends: today's verify reached 18.8 GB."""
    code, _, lines, took = cli(*_argv(command, f"{url}/huge@model.ckpt-300.index/iris"))
    assert code == 2 and len(lines) == 1 and took < 2 * T, (lines, took)
    assert "model.ckpt-300.index is 107,374,182,400 bytes, more than a checkpoint index can be" in lines[0]


def test_a_data_file_claiming_100_gb_is_read_no_further_than_its_tensors(url):
    code, out, lines, took = cli("verify", f"{url}/huge@{DATA}/iris")
    assert code == 1 and lines == [] and "model.ckpt-300  corrupt" in out and took < 2 * T


def test_a_server_ignoring_range_is_not_read_past_64_mib_to_reach_a_range(served, monkeypatch):
    """Reaching byte 1 GiB of a 100 GB object whose server ignores Range would read 1 GiB first."""
    from ckpt_browser.core import storage
    from ckpt_browser.core.base.errors import CheckpointError

    server = served[0]
    monkeypatch.setenv("CKPT_BROWSER_TIMEOUT", str(T))
    f = storage.open_file(storage.locate(f"{server.url}/huge@{DATA}/iris/{DATA}"))
    assert f.size == 100 << 30
    start = time.monotonic()
    with pytest.raises(CheckpointError, match="the server ignores Range requests .* more than 64 MiB first"):
        f.read(1 << 30, 16)
    assert time.monotonic() - start < 1.0
