"""A Google Cloud Storage JSON API on loopback for tests/remote: gcp-storage-emulator (pure Python, in
memory, in this process as moto's S3 server is), reached through gcsfs -- the client the app uses
for gs:// -- and tensorstore's gcs driver, the way users reach an emulator: STORAGE_EMULATOR_HOST.

Two things are ours, not the emulator's:
- a threading HTTP server (the emulator's own serves one connection at a time with a listen backlog
  of 5: tensorstore's parallel reads would wait on SYN retries), handling one request at a time
  behind a lock (its in-memory store is not thread-safe), each connection with a socket timeout;
- the ``x-goog-generation`` header on media downloads, which Cloud Storage sends (the object's
  generation) and the emulator does not: tensorstore's gcs driver reads the generation from it and
  refuses the next conditional read without it ("Malformed StorageGeneration"). ``generation=False``
  serves without it, as the emulator does, for the test that says what the app makes of that.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

MEDIA = re.compile(r"^(?:/download)?/storage/v1/b/([^/]+)/o/(.+)$")


def gcs_env(endpoint: str) -> dict[str, str]:
    """What a user's shell holds to use an emulator: gcsfs, google-cloud-storage and our tensorstore
    reads all go there."""
    return {"STORAGE_EMULATOR_HOST": endpoint}


@contextmanager
def emulator_environment(endpoint: str) -> Iterator[None]:
    """This process's environment pointed at the emulator (and the CLI's children, which inherit
    it), as it was afterwards."""
    saved = {k: os.environ.get(k) for k in gcs_env("")}
    os.environ.update(gcs_env(endpoint))
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class GcsEmulator:
    """Listens on 127.0.0.1:<free port>; stop() ends it (its threads are daemons: the process's end
    does too)."""

    def __init__(self, generation: bool = True) -> None:
        from gcp_storage_emulator.server import RequestHandler
        from gcp_storage_emulator.storage import Storage

        logging.getLogger("gcp_storage_emulator").setLevel(logging.CRITICAL)  # a line per 404 otherwise
        lock = threading.Lock()

        class Handler(RequestHandler):
            timeout = 30  # a client that connects and sends nothing does not hold a thread forever

            def handle_one_request(self) -> None:
                with lock:
                    super().handle_one_request()

            def send_response(self, code, message=None) -> None:
                self._code = code
                super().send_response(code, message)

            def end_headers(self) -> None:
                if generation:
                    self._generation()
                super().end_headers()

            def _generation(self) -> None:
                url = urlsplit(self.path)
                m = MEDIA.match(url.path)
                if (
                    m is None
                    or getattr(self, "_code", 0) not in (200, 206)
                    or parse_qs(url.query).get("alt") != ["media"]
                ):
                    return
                try:
                    obj = self.storage.get_file_obj(m.group(1), unquote(m.group(2)))
                except Exception:  # noqa: BLE001 - the emulator's NotFound: no header, as GCS on a 404
                    return
                self.send_header("x-goog-generation", str(obj["generation"]))

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address) -> None:
                pass  # a client that closed early (a cut relay, a cancelled read): not the test's concern

        self._httpd = Server(("127.0.0.1", 0), partial(Handler, Storage(use_memory_fs=True)))
        self.host, self.port = self._httpd.server_address[:2]
        self.url = f"http://{self.host}:{self.port}"
        threading.Thread(target=self._httpd.serve_forever, daemon=True, name="gcs-emulator").start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def emulator_fs():
    """gcsfs's JSON-API file system at STORAGE_EMULATOR_HOST, anonymous (the emulator checks no
    credentials), fresh: gcsfs keeps one instance per set of arguments."""
    from gcsfs.core import GCSFileSystem

    GCSFileSystem.clear_instance_cache()
    return GCSFileSystem(token="anon")
