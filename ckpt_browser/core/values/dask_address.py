"""A Dask scheduler's address checked before a Client is made of it: the scheme, then Dask's own
handshake and an ``identity`` call, under one deadline. Dask's client reads the server's handshake
with no time limit, so an address where something else listens (a silent TCP server, an HTTP
server) held a command for minutes, and one that sent garbage ended in the catch-all."""

from __future__ import annotations

import os
import threading
from typing import Any
from urllib.parse import urlsplit

from ckpt_browser.core.base.errors import CheckpointError

DEADLINE_S = 5.0  # connect, handshake and identity: a scheduler answers in milliseconds
SCHEMES = ("tcp", "tls", "ws", "wss")  # Dask's transports between processes (ucx: a package of its own)


def scheduler_address(address: str) -> str:
    """The address in Dask's form (HOST:PORT is tcp://HOST:PORT); one line when it cannot be one."""

    text = address.strip()
    full = text if "://" in text else "tcp://" + text
    scheme = full.partition("://")[0].lower()
    if scheme == "inproc":
        raise CheckpointError(
            f"{address}: inproc:// addresses reach a scheduler inside the same process only; "
            "give the scheduler's tcp://HOST:PORT"
        )
    if scheme not in SCHEMES:
        raise CheckpointError(f"{address} is not a Dask scheduler address: expected tcp://HOST:PORT")
    try:
        parts = urlsplit(full)
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        raise CheckpointError(f"{address} is not a Dask scheduler address ({exc}): expected tcp://HOST:PORT") from None
    if not host or not port or parts.path not in ("", "/") or parts.query or parts.fragment:
        raise CheckpointError(f"{address} is not a Dask scheduler address: expected {scheme}://HOST:PORT")
    return full


def deadline() -> float:
    """CKPT_BROWSER_DASK_TIMEOUT seconds (a scheduler far away), else DEADLINE_S."""

    try:
        return min(600.0, max(0.1, float(os.environ.get("CKPT_BROWSER_DASK_TIMEOUT") or DEADLINE_S)))
    except ValueError:
        return DEADLINE_S


def check_scheduler(address: str, seconds: float | None = None) -> dict:
    """Dask's handshake with address and the scheduler's identity, within seconds (deadline());
    one line naming the address when no Dask scheduler answers there. The reply is read without
    unpickling."""
    seconds = seconds or deadline()
    try:
        from distributed.comm import registry

        registry.get_backend(address.partition("://")[0])
    except ValueError as exc:
        raise CheckpointError(f"{address}: this Dask cannot use that transport ({exc})") from None
    outcome: dict[str, Any] = {}

    def run() -> None:
        import asyncio

        try:
            outcome["reply"] = asyncio.run(asyncio.wait_for(_identity(address), seconds))
        except BaseException as exc:  # noqa: BLE001 - whatever the server made of it: judged below
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True, name="dask-address-check")
    thread.start()
    thread.join(seconds + 1.0)  # a thread stuck outside the event loop (it cannot be stopped) is left
    error = outcome.get("error")
    if thread.is_alive() or isinstance(error, TimeoutError):
        raise CheckpointError(f"no answer from {address} in {seconds:g} s: is a Dask scheduler listening there?")
    if error is not None:
        if isinstance(error, KeyboardInterrupt):
            raise error
        from distributed.comm import CommClosedError

        if isinstance(error, CommClosedError):
            raise CheckpointError(f"{address} is not a Dask scheduler (it closed the connection at Dask's handshake)")
        if isinstance(error, OSError):
            why = (str(error).strip().splitlines() or [""])[0][:200] or type(error).__name__
            raise CheckpointError(f"cannot reach the Dask scheduler at {address}: {why}")
        # Garbage: a length of exabytes, a truncated frame, bytes that are no msgpack...
        raise CheckpointError(f"{address} is not a Dask scheduler (what it sent is not Dask's handshake)")
    reply = outcome.get("reply")
    if not isinstance(reply, dict):
        raise CheckpointError(f"{address} is not a Dask scheduler (it answered as no scheduler does)")
    kind = reply.get("type")
    if kind != "Scheduler":
        what = f"a Dask {kind}" if isinstance(kind, str) and kind.isidentifier() else "no scheduler's identity"
        raise CheckpointError(f"{address} is not a Dask scheduler (it answered as {what})")
    return reply


async def _identity(address: str) -> Any:
    from distributed.comm import connect
    from distributed.security import Security

    args = Security().get_connection_args("client")
    comm = await connect(address, deserialize=False, **args)
    try:
        await comm.write({"op": "identity", "reply": True})
        return await comm.read()
    finally:
        comm.abort()
