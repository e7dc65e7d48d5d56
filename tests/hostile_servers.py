"""Servers on 127.0.0.1 that are not what a client hopes for (tests/test_dask_addresses.py,
tests/fuzz): silent, an HTTP server, one that sends given bytes, one that closes at once. Each
connection is held at most HOLD_S seconds; stop() ends them all."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable

HOLD_S = 30.0


class Server:
    """Accepts on 127.0.0.1:port and answers every connection with answer(conn)."""

    def __init__(self, answer: Callable[[socket.socket, threading.Event], None]) -> None:
        self._answer = answer
        self._stop = threading.Event()
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.2)
        self.port = self._sock.getsockname()[1]
        self.address = f"tcp://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._serve, daemon=True, name=f"hostile-{self.port}")
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(HOLD_S)
            self._answer(conn, self._stop)
        except OSError:
            pass
        finally:
            conn.close()

    def stop(self) -> None:
        self._stop.set()
        self._sock.close()
        self._thread.join(2)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def silent(conn: socket.socket, stop: threading.Event) -> None:
    stop.wait(HOLD_S)


def closing(conn: socket.socket, stop: threading.Event) -> None:
    pass


def http(conn: socket.socket, stop: threading.Event) -> None:
    """What a plain HTTP server does: read a request, answer 400 to anything that is not one."""
    conn.recv(65536)
    conn.sendall(b"HTTP/1.0 400 Bad Request\r\nContent-Type: text/html\r\nContent-Length: 11\r\n\r\nbad request")


def sending(data: bytes, then_wait: bool = True) -> Callable[[socket.socket, threading.Event], None]:
    """Sends data at once, then holds the connection (or closes it)."""

    def answer(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(data)
        if then_wait:
            stop.wait(HOLD_S)

    return answer


KINDS = {"silent": silent, "closing": closing, "http": http, "garbage": sending(b"\x05\x00\x00\x00garbage" * 4)}


def scripted(greeting: bytes, reply: bytes, close: bool) -> Callable[[socket.socket, threading.Event], None]:
    """Sends greeting (e.g. a real scheduler's handshake), reads what the client sends, sends reply,
    then closes or holds the connection: a server that passes the first look and lies after."""

    def answer(conn: socket.socket, stop: threading.Event) -> None:
        if greeting:
            conn.sendall(greeting)
        conn.settimeout(2.0)
        try:
            conn.recv(65536)
        except TimeoutError:
            pass
        if reply:
            conn.sendall(reply)
        if not close:
            stop.wait(HOLD_S)

    return answer


def dask_handshake(address: str) -> bytes:
    """The first message the Dask scheduler at address sends a client (its handshake), as bytes."""
    import struct
    from urllib.parse import urlsplit

    parts = urlsplit(address)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as s:
        data = b""
        while len(data) < 8 or len(data) < 8 + struct.unpack("<Q", data[:8])[0]:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    return data[: 8 + struct.unpack("<Q", data[:8])[0]]
