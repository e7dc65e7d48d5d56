"""A static file server with HTTP Range (206) for the cluster benchmark: python's http.server
(folder pages included: that is how an http:// model_dir is listed) with ranged GETs answered by
os.sendfile from the page cache, a thread per connection.

Run: python benchmarks/range_server.py ROOT PORT   (loopback only; prints "ready" when listening)
"""

from __future__ import annotations

import http.server
import os
import re
import sys
from functools import partial


class RangeHandler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: aiohttp reuses its connections

    def send_head(self):  # type: ignore[override]
        path = self.translate_path(self.path)
        if os.path.isdir(path):
            return super().send_head()
        try:
            f = open(path, "rb")  # noqa: SIM115 - handed to copyfile, closed by the base class
        except OSError:
            self.send_error(404, "File not found")
            return None
        size = os.fstat(f.fileno()).st_size
        match = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
        start, end = 0, size - 1
        if match:
            start = int(match.group(1))
            end = min(int(match.group(2)) if match.group(2) else size - 1, size - 1)
            if start > end:
                f.close()
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{size}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        else:
            self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(end - start + 1))
        self.end_headers()
        self._span = (start, end - start + 1)
        return f

    def copyfile(self, source, outputfile) -> None:
        span = getattr(self, "_span", None)
        if span is None:
            return super().copyfile(source, outputfile)
        start, left = span
        self._span = None
        outputfile.flush()
        out = self.connection.fileno()
        while left > 0:
            sent = os.sendfile(out, source.fileno(), start, min(left, 16 << 20))
            if sent <= 0:
                break
            start += sent
            left -= sent

    def log_message(self, *args) -> None:
        pass


def main() -> None:
    root, port = sys.argv[1], int(sys.argv[2])
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), partial(RangeHandler, directory=root))
    server.daemon_threads = True
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
