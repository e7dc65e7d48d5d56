"""Issue 30, --dask addresses: where no Dask scheduler answers (a silent TCP server, an HTTP
server, garbage, a server that hangs up, a Dask worker), or the address cannot be one (inproc://,
other schemes), verify/health/show/diff say so in one line naming the address, within seconds."""

from __future__ import annotations

import time

import pytest

from ckpt_browser.cli import main
from tests.conftest import ESTIMATOR
from tests.hostile_servers import KINDS, Server

distributed = pytest.importorskip("distributed")

IRIS = ESTIMATOR / "iris"
COMMANDS = {
    "verify": ["verify", str(IRIS)],
    "health": ["health", str(IRIS)],
    "show": ["show", str(IRIS), "dnn/logits/bias"],
    "diff": ["diff", str(IRIS / "model.ckpt-100"), str(IRIS / "model.ckpt-300")],
}
SAYS = {
    "silent": "no answer from {address} in 1 s: is a Dask scheduler listening there?",
    "http": "{address} is not a Dask scheduler (what it sent is not Dask's handshake)",
    "garbage": "{address} is not a Dask scheduler (what it sent is not Dask's handshake)",
    "closing": "{address} is not a Dask scheduler (it closed the connection at Dask's handshake)",
}


def one_line(capsys, argv: list[str], within: float) -> str:
    start = time.monotonic()
    code = main(argv)
    took = time.monotonic() - start
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1, (argv, code, err)
    assert took < within, (argv, took)
    return err[0]


@pytest.mark.parametrize("kind", SAYS)
@pytest.mark.parametrize("command", COMMANDS)
def test_a_server_that_is_no_dask_scheduler_is_one_line_at_once(capsys, monkeypatch, kind, command):
    monkeypatch.setenv("CKPT_BROWSER_DASK_TIMEOUT", "1")
    with Server(KINDS[kind]) as server:
        line = one_line(capsys, [*COMMANDS[command], "--dask", server.address], within=5)
    assert line == f"ckpt-browser {command}: " + SAYS[kind].format(address=server.address)


def test_the_deadline_is_five_seconds_unless_told(monkeypatch):
    from ckpt_browser.core.values.dask_address import deadline

    monkeypatch.delenv("CKPT_BROWSER_DASK_TIMEOUT", raising=False)
    assert deadline() == 5.0
    monkeypatch.setenv("CKPT_BROWSER_DASK_TIMEOUT", "30")
    assert deadline() == 30.0
    monkeypatch.setenv("CKPT_BROWSER_DASK_TIMEOUT", "soon")
    assert deadline() == 5.0


@pytest.mark.parametrize(
    ("address", "says"),
    [
        (
            "inproc://x",
            "inproc://x: inproc:// addresses reach a scheduler inside the same process only; give the scheduler's tcp://HOST:PORT",
        ),
        ("inproc://127.0.0.1/1/2", "inproc://127.0.0.1/1/2: inproc:// addresses reach"),
        ("ucx://127.0.0.1:1", "ucx://127.0.0.1:1 is not a Dask scheduler address: expected tcp://HOST:PORT"),
        ("http://127.0.0.1:1", "http://127.0.0.1:1 is not a Dask scheduler address: expected tcp://HOST:PORT"),
        ("tcp://", "tcp:// is not a Dask scheduler address: expected tcp://HOST:PORT"),
        ("127.0.0.1", "127.0.0.1 is not a Dask scheduler address: expected tcp://HOST:PORT"),
        ("tcp://127.0.0.1:99999", "tcp://127.0.0.1:99999 is not a Dask scheduler address (Port out of range 0-65535)"),
        ("tcp://[::1", "tcp://[::1 is not a Dask scheduler address (Invalid IPv6 URL)"),
        ("tcp://127.0.0.1:1/x", "tcp://127.0.0.1:1/x is not a Dask scheduler address: expected tcp://HOST:PORT"),
        ("tcp://127.0.0.1:9", "cannot reach the Dask scheduler at tcp://127.0.0.1:9: Connection refused"),
    ],
)
def test_an_address_that_cannot_be_a_schedulers_is_one_line(capsys, address, says):
    line = one_line(capsys, [*COMMANDS["verify"], "--dask", address], within=5)
    assert line.startswith(f"ckpt-browser verify: {says}"), line


@pytest.mark.parametrize("command", COMMANDS)
def test_inproc_is_one_line_for_every_command(capsys, command):
    line = one_line(capsys, [*COMMANDS[command], "--dask", "inproc://x"], within=5)
    assert (
        line
        == f"ckpt-browser {command}: inproc://x: inproc:// addresses reach a scheduler inside the same process only; give the scheduler's tcp://HOST:PORT"
    )


def test_a_schedulers_address_passes_and_a_workers_is_named(capsys):
    """The check against a real scheduler (in this process) and one of its workers."""
    from ckpt_browser.core.base.errors import CheckpointError
    from ckpt_browser.core.values.dask_address import check_scheduler

    with distributed.LocalCluster(
        n_workers=1, processes=False, protocol="tcp", host="127.0.0.1", dashboard_address=":0"
    ) as cluster:
        assert check_scheduler(cluster.scheduler_address)["type"] == "Scheduler"
        worker = next(iter(cluster.scheduler.workers))
        with pytest.raises(
            CheckpointError, match=rf"^{worker} is not a Dask scheduler \(it answered as a Dask Worker\)$"
        ):
            check_scheduler(worker)
