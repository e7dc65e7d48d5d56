"""Spans of local files read the way a disk and the page cache like it: each thread walks a lane --
one file, or a contiguous part of one -- front to back through its own file descriptor (its own
read-ahead), in 4 MiB reads into one reused, page-aligned buffer,
each checksummed while still in the CPU cache. When a thread runs out of lanes it takes the back
half of the longest one still being read: every core stays busy to the end, every read sequential.

tasks.run (which Dask and remote files still use) has every thread take the next 16 MiB of the same
file, through one shared descriptor, and wakes the caller's thread for each result; here the caller
reads a lane too and the files are read the way `cat`-like tools (and the crc32c floor of
benchmarks/bench_scale.py) read them. What mattered most, measured (README, bench_scale.py): where
the buffer sits -- see _Reading.

Results come back as the spans finish, not in order: small tuples, so nothing bounds memory but
the buffers (one per thread).
"""

from __future__ import annotations

import mmap
import queue
import threading
from collections.abc import Callable, Iterator, Sequence

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.storage.local import LocalFile
from ckpt_browser.core.storage.location import Location
from ckpt_browser.core.storage.paths import check_range
from ckpt_browser.core.values.tasks import Span

STEP = 4 << 20  # per read: 1 MiB reads of a cold file ran at half the disk's speed; 8 MiB cost more CPU warm
ALIGN = 4096  # where a read lands in the buffer matches its file offset modulo this


def all_local(spans: Sequence[Span]) -> bool:
    return all(not s.path.is_remote for s in spans)


class _Lane:
    """Spans order[next:end], all of one file, read front to back by one thread at a time."""

    __slots__ = ("next", "end")

    def __init__(self, start: int, end: int) -> None:
        self.next, self.end = start, end


class _Lanes:
    """The lanes still to read; a thread asks for the next span of its lane, or for a new lane."""

    def __init__(self, spans: Sequence[Span]) -> None:
        self.order = sorted(range(len(spans)), key=lambda i: (spans[i].path, spans[i].offset))
        self.lock = threading.Lock()
        self.fresh: list[_Lane] = []  # files nobody has started, in path order
        self.busy: list[_Lane] = []
        start = 0
        for k in range(1, len(self.order) + 1):
            if k == len(self.order) or spans[self.order[k]].path != spans[self.order[start]].path:
                self.fresh.append(_Lane(start, k))
                start = k
        self.fresh.reverse()  # popped from the end: the first file first

    def next_span(self, lane: _Lane | None) -> tuple[_Lane | None, int | None]:
        with self.lock:
            if lane is None or lane.next >= lane.end:
                if lane is not None:
                    self.busy.remove(lane)
                lane = self._take()
                if lane is None:
                    return None, None
            i = self.order[lane.next]
            lane.next += 1
            return lane, i

    def _take(self) -> _Lane | None:
        if self.fresh:
            lane = self.fresh.pop()
        else:  # nothing fresh: the back half of the longest lane being read
            longest = max(self.busy, key=lambda la: la.end - la.next, default=None)
            if longest is None or longest.end - longest.next < 2:
                return None
            mid = longest.next + (longest.end - longest.next + 1) // 2
            lane, longest.end = _Lane(mid, longest.end), mid
        self.busy.append(lane)
        return lane


def run(
    fn: Callable[[Span, LocalFile, memoryview], list],
    spans: Sequence[Span],
    workers: int,
    on_done: Callable[[int], None] | None = None,
) -> Iterator[list]:
    """fn(span, file, buffer) for every span (local files only), on ``workers`` threads walking
    lanes -- the caller's own thread is one of them; yields the results as spans finish (in no
    fixed order, on the caller's thread); on_done(bytes of that span)."""
    lanes = _Lanes(spans)
    results: queue.Queue = queue.Queue()
    stop = threading.Event()

    def walk() -> Iterator[tuple[int, list]]:
        lane: _Lane | None = None
        reading = _Reading()
        try:
            while not stop.is_set():
                lane, i = lanes.next_span(lane)
                if i is None:
                    break
                yield i, fn(spans[i], reading.file(spans[i].path), reading.buffer)
        finally:
            reading.close()

    def background() -> None:
        try:
            for got in walk():
                results.put(got)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread, raised there
            results.put((-1, exc))
        finally:
            results.put(None)

    threads = [threading.Thread(target=background, name="ckpt-lane", daemon=True) for _ in range(max(1, workers) - 1)]
    for t in threads:
        t.start()
    running = len(threads)

    def handed(got) -> list:
        i, result = got
        if i < 0:
            raise result
        if on_done is not None:
            on_done(spans[i].size)
        return result

    try:
        # This thread reads too (no thread woken per span just to collect its result), taking
        # what the others finished between its own spans.
        for got in walk():
            yield handed(got)
            while True:
                try:
                    other = results.get_nowait()
                except queue.Empty:
                    break
                if other is None:
                    running -= 1
                else:
                    yield handed(other)
        while running:
            other = results.get()
            if other is None:
                running -= 1
            else:
                yield handed(other)
    finally:
        stop.set()
        for t in threads:
            t.join()


class _Reading:
    """A thread's open file (its own descriptor: its own read-ahead) and its buffer."""

    def __init__(self) -> None:
        # Page-aligned (an anonymous mapping), not a bytearray: malloc puts a big one 16 bytes
        # past a page, and copying 8.6 GB out of the page cache to a misaligned buffer took
        # 1.07 s of kernel time instead of 0.55 s here.
        self.buffer = memoryview(mmap.mmap(-1, STEP + ALIGN - 1))
        self._f: LocalFile | _Unopened | None = None
        self._path: Location | None = None

    def file(self, path: Location):
        if self._f is None or self._path != path:
            self.close()
            self._f, self._path = _open(path), path
        return self._f

    def close(self) -> None:
        if self._f is not None:
            self._f.close()
            self._f = None


class _Unopened:
    """Stands for a file that could not be opened: each span of it fails with the reason."""

    def __init__(self, path: Location, error: CheckpointError) -> None:
        self.path, self.error = path, error

    def close(self) -> None:
        pass


def _open(path: Location):
    try:
        f = LocalFile(path.local)
    except CheckpointError as exc:
        return _Unopened(path, exc)
    return f


def crc_span_safe(span: Span, f, buffer: memoryview) -> list[tuple[int, int, int | str, int]]:
    """(item, start, crc32c, size) of each piece of a local span, read front to back in steps of the
    buffer's size less ALIGN (the small gaps between pieces too: one read serves many small
    tensors); a read error is the message in place of each crc, as tasks.crc_span_safe gives it.
    Each read lands at the buffer's offset that matches its file offset modulo ALIGN (a buffer from
    _Reading starts on a page): the kernel's copy out of the page cache then runs aligned."""
    from ckpt_browser.core.storage.checksum import of_buffer

    pieces = span.pieces
    align = ALIGN if len(buffer) > ALIGN else 1
    step = len(buffer) - align + 1 if align > 1 else len(buffer)
    try:
        if isinstance(f, _Unopened):
            raise f.error
        for p in pieces:  # as LocalFile.checksum checks each range before reading it
            check_range(f.path.name, p.offset, p.size, f.size)
        crcs = [0] * len(pieces)
        first = 0  # the first piece not yet wholly read
        pos, end = span.offset, span.offset + span.size
        while pos < end:
            lead = pos % align
            got = f.read_some(pos, buffer[lead : lead + min(step, end - pos)])
            if got <= 0:  # cut short since it was opened: named where the next piece's read fails
                at = max(pos, pieces[first].offset)
                raise CheckpointError(f"{f.path.name} is truncated at offset {at:,}")
            stop = pos + got
            k = first
            while k < len(pieces) and pieces[k].offset < stop:
                p = pieces[k]
                a, b = max(p.offset, pos), min(p.offset + p.size, stop)
                if b > a:
                    crcs[k] = of_buffer(buffer[lead + a - pos : lead + b - pos], crcs[k])
                if p.offset + p.size > stop:
                    break
                k += 1
            first = k
            pos = stop
    except CheckpointError as exc:
        return [(p.item, p.start, str(exc), p.size) for p in pieces]
    return [(p.item, p.start, crcs[k], p.size) for k, p in enumerate(pieces)]
