"""`verify` of a tensor bundle on the task layer (values/tasks.py): every fixed-size tensor's bytes
cut into spans, their crc32c computed on every core (or a Dask cluster's workers, which read the
data files themselves) and put together per tensor. The verdict is the one BundleReader.check
gives tensor by tensor, line for line; strings and resource entries are checked as before."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.formats import dtypes
from ckpt_browser.core.formats.bundle import BundleReader, ChecksumMismatch, OpaqueTensor
from ckpt_browser.core.storage import Location, checksum
from ckpt_browser.core.storage.paths import CHUNK, check_range
from ckpt_browser.core.values import lanes, tasks


@dataclass
class Outcome:
    """What checking one variable found: bytes checked, or the line verify prints about it."""

    bytes: int = 0
    problem: str | None = None
    opaque: bool = False
    counted: bool = True  # counts as a checked tensor (a read error does not)


@dataclass
class _Part:
    name: str
    index: int  # of the variable
    entry: object
    crc: int = 0
    done: int = 0
    error: str | None = None


@dataclass
class _Plan:
    parts: list[_Part] = field(default_factory=list)
    ranges: list[tuple[int, Location, int, int]] = field(default_factory=list)
    shards: dict[int, tuple[Location, str, int]] = field(default_factory=dict)  # path, file name, size


def check_all(
    reader: BundleReader,
    names: list[str],
    engine: tasks.Engine | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Outcome]:
    """An Outcome per name, in order; progress(bytes done, bytes in all)."""
    outcomes: list[Outcome | None] = [None] * len(names)
    plan = _Plan()
    buffer: bytearray | None = None
    for i, name in enumerate(names):
        try:
            parts = reader.parts(name)
            if all(_fixed(p) for p in parts):
                _add(reader, plan, i, name, parts)
                continue
        except CheckpointError as exc:
            outcomes[i] = _failed(name, exc, reader)
            continue
        buffer = buffer or bytearray(CHUNK)
        outcomes[i] = _check_here(reader, name, buffer)  # strings and opaque entries: as before
    spans = tasks.plan(plan.ranges)
    total = sum(s.size for s in spans) or 1

    def moved(done: int, _total: int, _what: str) -> None:
        if progress is not None:
            progress(done, total)

    arrived: dict[int, list[tuple[int, int | str, int]]] = {}  # part -> (start, crc or error, size)
    for result in _results(spans, engine, moved):
        for item, start, crc, size in result:
            arrived.setdefault(item, []).append((start, crc, size))
    for item, got in arrived.items():  # a tensor's pieces, put together in their order
        part = plan.parts[item]
        for _start, crc, size in sorted(got, key=lambda g: g[0]):
            if isinstance(crc, str):
                part.error = part.error or crc
            else:
                part.crc = tasks.crc32c_combine(part.crc, crc, size)
                part.done += size
    by_var: dict[int, list[_Part]] = {}
    for part in plan.parts:
        by_var.setdefault(part.index, []).append(part)
    for i, pieces in by_var.items():
        if outcomes[i] is None:
            outcomes[i] = _judge(reader, names[i], pieces)
    return [o if o is not None else Outcome() for o in outcomes]


def _results(spans: list[tasks.Span], engine: tasks.Engine | None, moved) -> Iterator[list]:
    """Each span's (item, start, crc or error, size) pieces: local files on threads walking a
    file each (values/lanes.py), in the order they finish; else on the engine, in order."""
    if isinstance(engine, (tasks.Threads, type(None))) and lanes.all_local(spans):
        total = sum(s.size for s in spans) or 1
        done = [0]

        def on_done(size: int) -> None:
            done[0] += size
            moved(done[0], total, "reading")

        yield from lanes.run(lanes.crc_span_safe, spans, (engine or tasks.Threads()).workers, on_done)
        return
    try:
        yield from tasks.run(tasks.crc_span_safe, spans, engine, moved)
    finally:
        tasks.forget_files()


def _fixed(part) -> bool:
    kind = dtypes.base_enum(part.dtype)
    return kind != dtypes.STRING and dtypes.itemsize(dtypes.dtype_name(kind)) is not None


def _add(reader: BundleReader, plan: _Plan, i: int, name: str, parts: list) -> None:
    """The variable's parts as ranges; a missing or short data file fails it here, as check() does."""
    shards = []
    for part in parts:
        shard = plan.shards.get(part.shard)
        if shard is None:  # once per data file, not per tensor
            f = reader.data_file(part.shard)
            shard = plan.shards[part.shard] = (reader.shard_path(part.shard), f.path.name, f.size)
        check_range(shard[1], part.offset, part.size, shard[2])
        shards.append(shard[0])
    for part, path in zip(parts, shards):
        plan.ranges.append((len(plan.parts), path, part.offset, part.size))
        plan.parts.append(_Part(name, i, part))


def _judge(reader: BundleReader, name: str, parts: list[_Part]) -> Outcome:
    for part in parts:
        if part.error is not None:
            return Outcome(problem=f"{name}: {part.error}", counted=False)
        entry = part.entry
        want = checksum.unmask(entry.crc)  # type: ignore[attr-defined]
        if part.crc != want:
            where = f"{reader.shard_path(entry.shard).name} at offset {entry.offset:,}"  # type: ignore[attr-defined]
            message = f"checksum mismatch in {name}: {where} (crc32c {part.crc:#010x}, the index says {want:#010x})"
            return _failed(name, ChecksumMismatch(message, None), reader)
    return Outcome(bytes=sum(p.entry.size for p in parts))  # type: ignore[attr-defined]


def _check_here(reader: BundleReader, name: str, buffer: bytearray) -> Outcome:
    try:
        return Outcome(bytes=reader.check(name, buffer))
    except (ChecksumMismatch, OpaqueTensor, CheckpointError) as exc:
        return _failed(name, exc, reader)


def _failed(name: str, exc: CheckpointError, reader: BundleReader) -> Outcome:
    """The outcome verify's loop gave for each exception check() raises."""
    if isinstance(exc, ChecksumMismatch):
        return Outcome(bytes=reader.entry_info(name).size, problem=str(exc))
    if isinstance(exc, OpaqueTensor):
        return Outcome(opaque=True, counted=False)
    return Outcome(problem=f"{name}: {exc}", counted=False)
