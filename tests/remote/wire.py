"""A TCP relay between the S3 client and moto's server: it counts the bytes that cross it (what a
user's network would carry) and can stall or cut connections, as a network or a server does.

Used by tests/remote and benchmarks/bench_remote.py. The S3 API itself is moto's real server.
"""

from __future__ import annotations

import socket
import threading
import time


class WireRelay:
    """Listens on 127.0.0.1:<free port> and relays each connection to (host, port)."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.down = 0  # server -> client bytes (responses: listings, objects, headers)
        self.up = 0  # client -> server bytes (requests)
        self.stalled = threading.Event()  # set: hold every byte, answer nothing (a hung server)
        self._lock = threading.Lock()
        self._conns: list[socket.socket] = []
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def reset(self) -> None:
        with self._lock:
            self.down = self.up = 0

    def cut(self) -> None:
        """Drop every open connection (a server stopped mid-read)."""
        with self._lock:
            conns, self._conns = self._conns, []
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            c.close()

    def close(self) -> None:
        self._closed = True
        try:
            self._server.shutdown(socket.SHUT_RDWR)  # wakes accept(): close() alone may not
        except OSError:
            pass
        self._server.close()
        self.cut()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._conns += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, up: bool) -> None:
        try:
            while True:
                data = src.recv(1 << 16)
                if not data:
                    break
                while self.stalled.is_set() and not self._closed:
                    time.sleep(0.05)
                with self._lock:
                    if up:
                        self.up += len(data)
                    else:
                        self.down += len(data)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


def s3_env(endpoint: str) -> dict[str, str]:
    """What a user's shell would hold for a private S3 endpoint: fake keys moto accepts."""
    return {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_EC2_METADATA_DISABLED": "true",  # no instance-metadata probing on a laptop or CI
    }


def start_moto():
    """moto's S3 server on loopback and a free port; returns (server, host, port)."""
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return server, host, port
