"""Full reads split into (file, byte range) tasks, run on every core here or on a Dask cluster.

The API, for verify, diff, stats, History and training health:
  - ``plan(ranges)`` packs the byte ranges a caller wants (any number, any size) into Spans of
    about TASK_BYTES: many small tensors share a span, a tensor of 40 GB is cut across many.
  - ``run(fn, spans, engine, progress)`` applies a top-level function to each span (on threads
    here, on a cluster's workers with a DaskEngine) and yields the results in order, with at most
    a few spans in flight: memory stays bounded whatever the checkpoint's size.
  - ``read_span(span)`` is the bytes of a span; ``crc_span`` / ``crc32c_combine`` put a tensor's
    checksum together from its pieces.
The work functions are plain top-level functions of plain data, so they pickle to Dask workers;
the bytes are read where the work runs (a worker reads the bucket through fsspec itself).
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ckpt_browser.core.base.progress import Progress
from ckpt_browser.core.storage import Location, open_file
from ckpt_browser.core.storage.local import LocalFile

TASK_BYTES = 16 << 20  # per task: big enough to amortize a request, small enough to bound memory


@dataclass(frozen=True)
class Piece:
    """Part of what the caller wants: ``item`` is the caller's index (a tensor), ``start`` where
    this piece begins inside that item's bytes, ``offset`` / ``size`` where it sits in the file."""

    item: int
    start: int
    offset: int
    size: int


@dataclass(frozen=True)
class Span:
    """One task: a contiguous byte range of one file (a local path or a URL) and the pieces in it."""

    path: Location  # made once by the reader (its shard_path): a worker opens it without parsing
    offset: int
    size: int
    pieces: tuple[Piece, ...]


def plan(ranges: Iterable[tuple[int, Location, int, int]], task_bytes: int = TASK_BYTES) -> list[Span]:
    """Spans covering (item, path, offset, size) ranges: neighbours in a file share a span (the
    small gaps between them are read too), a range longer than task_bytes is cut into pieces."""
    by_file: dict[Location, list[tuple[int, int, int]]] = {}
    for item, path, offset, size in ranges:
        by_file.setdefault(path, []).append((offset, size, item))
    spans: list[Span] = []
    for path, items in by_file.items():
        items.sort()
        pieces: list[Piece] = []
        first = end = 0
        for offset, size, item in items:
            start = 0
            while True:
                step = min(size - start, task_bytes)
                at = offset + start
                if pieces and (at + step - first > task_bytes or at < end or at - end > 4096):
                    spans.append(Span(path, first, end - first, tuple(pieces)))
                    pieces = []
                if not pieces:
                    first = at
                pieces.append(Piece(item, start, at, step))
                end = at + step
                start += step
                if start >= size:
                    break
        if pieces:
            spans.append(Span(path, first, end - first, tuple(pieces)))
    return spans


# -- reading where the work runs ---------------------------------------------------------------

_files: OrderedDict[Location, Any] = OrderedDict()  # path -> open file, per process (a worker keeps its own)
_files_lock = threading.Lock()
_local = threading.local()


def _file(path: Location):
    with _files_lock:
        f = _files.get(path)
        if f is not None:
            _files.move_to_end(path)
            return f
    f = open_file(path)
    with _files_lock:
        _files[path] = f
        while len(_files) > 64:
            _files.popitem(last=False)[1].close()
    return f


def forget_files() -> None:
    """Close the files tasks opened (a checkpoint re-saved under the same name is read afresh)."""
    with _files_lock:
        for f in _files.values():
            f.close()
        _files.clear()


def read_span(span: Span, slot: int = 0) -> memoryview:
    """The bytes of a span. Locally they land in a buffer of this thread's (one per slot: a task
    reading two spans uses two), reused task after task (valid until the thread's next read_span
    of that slot); from a bucket they are one ranged request."""
    f = _file(span.path)
    if isinstance(f, LocalFile):
        buffers = getattr(_local, "buffers", None)
        if buffers is None:
            buffers = _local.buffers = {}
        buf = buffers.get(slot)
        if buf is None or len(buf) < span.size:
            buf = buffers[slot] = bytearray(max(span.size, 1 << 20))
        view = memoryview(buf)[: span.size]
        if span.size:
            f.read_into(span.offset, view)
        return view
    return memoryview(f.read(span.offset, span.size))


def pieces_of(span: Span, data: memoryview) -> Iterator[tuple[Piece, memoryview]]:
    for p in span.pieces:
        yield p, data[p.offset - span.offset : p.offset - span.offset + p.size]


def crc_span(span: Span) -> list[tuple[int, int, int, int]]:
    """(item, start, crc32c, size) of each piece of the span (crc32c releases the GIL)."""
    from ckpt_browser.core.storage.checksum import of_buffer

    f = _file(span.path)
    if isinstance(f, LocalFile):  # read in 1 MiB steps, each checksummed while in the CPU cache
        buf = getattr(_local, "small", None)
        if buf is None:
            buf = _local.small = bytearray(1 << 20)
        return [(p.item, p.start, f.checksum(p.offset, p.size, buf), p.size) for p in span.pieces]
    data = read_span(span)
    return [(p.item, p.start, of_buffer(view), p.size) for p, view in pieces_of(span, data)]


def crc_span_safe(span: Span) -> list[tuple[int, int, int | str, int]]:
    """crc_span, with a read error (a file cut short meanwhile) as the message in place of each crc."""
    from ckpt_browser.core.base.errors import CheckpointError

    try:
        return list(crc_span(span))
    except CheckpointError as exc:
        return [(p.item, p.start, str(exc), p.size) for p in span.pieces]


# -- crc32c of a whole from its parts ----------------------------------------------------------

_POLY = 0x82F63B78  # Castagnoli, reflected


def _gf2_times(mat: list[int], vec: int) -> int:
    out, i = 0, 0
    while vec:
        if vec & 1:
            out ^= mat[i]
        vec >>= 1
        i += 1
    return out


def _gf2_square(mat: list[int]) -> list[int]:
    return [_gf2_times(mat, mat[n]) for n in range(32)]


_ZEROS: list[list[int]] = []  # operators for 1, 2, 4, ... zero bytes, built once


def _zero_operators() -> list[list[int]]:
    if not _ZEROS:
        odd = [_POLY] + [1 << n for n in range(31)]  # one zero bit
        even = _gf2_square(odd)  # two zero bits
        odd = _gf2_square(even)  # four
        op = _gf2_square(odd)  # one zero byte
        for _ in range(64):
            _ZEROS.append(op)
            op = _gf2_square(op)
    return _ZEROS


def crc32c_combine(crc1: int, crc2: int, len2: int) -> int:
    """crc32c(A + B) from crc32c(A), crc32c(B) and len(B) (zlib's crc32_combine, for Castagnoli)."""
    if len2 <= 0:
        return crc1
    if crc1 == 0:  # the shift below is linear: it maps 0 to 0 (a tensor's first piece)
        return crc2
    ops = _zero_operators()
    i = 0
    while len2:
        if len2 & 1:
            crc1 = _gf2_times(ops[i], crc1)
        len2 >>= 1
        i += 1
    return crc1 ^ crc2


# -- engines -----------------------------------------------------------------------------------


class Engine(Protocol):
    """Where tasks run: ``map`` yields fn(item) for each item, in order."""

    workers: int

    def map(self, fn: Callable[[Any], Any], items: Sequence[Any], on_done: Callable[[int], None]) -> Iterator[Any]: ...


class Threads:
    """A thread per core: reading (pread) and the work that matters (crc32c, numpy) release the GIL."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = max(1, workers or os.cpu_count() or 1)

    def map(self, fn, items, on_done):
        if self.workers == 1 or len(items) <= 1:
            for i, item in enumerate(items):
                yield fn(item)
                on_done(i)
            return
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(self.workers, thread_name_prefix="ckpt-task") as pool:
            window: deque = deque()
            it = iter(enumerate(items))
            try:
                for i, item in it:  # at most 2 tasks per worker in flight: memory stays bounded
                    window.append((i, pool.submit(fn, item)))
                    if len(window) >= 2 * self.workers:
                        j, fut = window.popleft()
                        yield fut.result()
                        on_done(j)
                while window:
                    j, fut = window.popleft()
                    yield fut.result()
                    on_done(j)
            finally:
                for _, fut in window:
                    fut.cancel()


def engine_for(address: str | None = None) -> Engine:
    """A Dask cluster when given its address (or CKPT_BROWSER_DASK is set), else threads here."""
    address = address or os.environ.get("CKPT_BROWSER_DASK") or None
    if address:
        from ckpt_browser.core.values.dask_engine import DaskEngine

        return DaskEngine(address)
    return Threads()


def run(
    fn: Callable[[Any], Any],
    items: Sequence[Any],
    engine: Engine | None = None,
    progress: Progress | None = None,
    what: str = "reading",
    spans: Sequence[Span] | None = None,
) -> Iterator[Any]:
    """fn(item) for every item (a Span, or a task holding some), in order, on the engine (threads
    here by default); progress counts the bytes of the spans (default: the items themselves)."""
    engine = engine or Threads()
    sized = items if spans is None else spans
    total = sum(s.size for s in sized) or 1
    done = [0]

    def on_done(i: int) -> None:
        done[0] += sized[i].size
        if progress is not None:
            progress(done[0], total, what)

    yield from engine.map(fn, items, on_done)
