"""Sequential reads that skip: a file walked front to back, some of it jumped over (the events
reader skipping graphs to reach the checkpoint records)."""

from __future__ import annotations

FIRST = 4 << 10  # what a read after a jump fetches
MOST = 1 << 20  # what a read fetches at most, after a run of reads that followed each other


class Readahead:
    """Reads of a file (LocalFile or RemoteFile) through one window that doubles while reads follow
    each other and starts small again after a jump: a run of small records costs a few big
    requests, and a 200 KB graph between two headers is never fetched."""

    def __init__(self, f) -> None:
        self.f = f
        self.path = f.path
        self.size = f.size
        self._start = 0
        self._window = b""
        self._step = FIRST

    def read(self, offset: int, size: int) -> bytes:
        start, window = self._start, self._window
        if start <= offset and offset + size <= start + len(window):
            return window[offset - start : offset - start + size]
        if offset + size > self.size:
            return self.f.read(offset, size)  # past the end: the file's own error names it
        follows = start <= offset <= start + len(window)  # the run goes on: read further ahead
        self._step = min(self._step * 2, MOST) if follows else FIRST
        self._window = self.f.read(offset, min(max(size, self._step), self.size - offset))
        self._start = offset
        return self._window[:size]

    def close(self) -> None:
        self.f.close()
