"""`diff` of two tensor bundles on the task layer (values/tasks.py): each pair of same-shape numeric
tensors is cut into element ranges, both sides read and compared where the task runs (a core
here, or a Dask worker reading the bucket), with both crc32c checked on the way. The figures are
folded chunk by chunk in order, exactly as stats.diff_tensors folds them for a whole tensor."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ckpt_browser.core.formats import dtypes
from ckpt_browser.core.formats.bundle import BundleReader, ChecksumMismatch
from ckpt_browser.core.storage import checksum
from ckpt_browser.core.values import tasks
from ckpt_browser.core.values.stats import CHUNK, TensorDiff, _diff_chunk, _fast_float

TASK_ELEMENTS = 4 * CHUNK  # a whole number of diff_tensors' chunks, so the folding is the same


@dataclass(frozen=True)
class Pair:
    """One task: the same element range of a tensor in A and in B."""

    item: int
    a: tasks.Span
    b: tasks.Span
    dtype: int  # DataType enum
    swap_a: bool
    swap_b: bool


def plain(reader, name: str):
    """The entry of a numeric tensor stored whole in a bundle, else None (the caller reads it)."""
    if not isinstance(reader, BundleReader):
        return None
    entry = reader.entry_info(name)
    kind = dtypes.base_enum(entry.dtype)
    np_dtype = dtypes.numpy_dtype(kind)
    if entry.slices or np_dtype is None or np_dtype.kind == "O" or kind == dtypes.STRING:
        return None
    if math.prod(entry.shape) * np_dtype.itemsize != entry.size:
        return None  # damaged: the reader's own path says how
    return entry


def pairs_of(item: int, ra: BundleReader, ea, rb: BundleReader, eb) -> list[Pair]:
    itemsize = dtypes.numpy_dtype(dtypes.base_enum(ea.dtype)).itemsize  # type: ignore[union-attr]
    step = TASK_ELEMENTS * itemsize
    out = []
    for start in range(0, max(ea.size, 1), step):
        n = min(step, ea.size - start)
        pa = tasks.Span(
            ra.shard_path(ea.shard), ea.offset + start, n, (tasks.Piece(item, start, ea.offset + start, n),)
        )
        pb = tasks.Span(
            rb.shard_path(eb.shard), eb.offset + start, n, (tasks.Piece(item, start, eb.offset + start, n),)
        )
        out.append(Pair(item, pa, pb, dtypes.base_enum(ea.dtype), ra._swap, rb._swap))
    return out


def _span(reader: BundleReader, entry, item: int, start: int, n: int) -> tasks.Span:
    at = entry.offset + start
    return tasks.Span(reader.shard_path(entry.shard), at, n, (tasks.Piece(item, start, at, n),))


def _values(view: memoryview, kind: int, swap: bool) -> np.ndarray:
    np_dtype = dtypes.numpy_dtype(kind)
    assert np_dtype is not None
    raw = np.frombuffer(view, np.uint8)
    if swap and np_dtype.itemsize > 1:
        return raw.view(np_dtype.newbyteorder()).astype(np_dtype)
    return raw.view(np_dtype)


def diff_pair(pair: Pair) -> tuple[int, int, int, int, list[tuple]]:
    """(item, crc of A's range, crc of B's range, bytes, per-chunk figures) of one task."""
    from ckpt_browser.core.storage.checksum import of_buffer

    va = tasks.read_span(pair.a, slot=0)
    vb = tasks.read_span(pair.b, slot=1)
    crc_a, crc_b = of_buffer(va), of_buffer(vb)
    fa, fb = _values(va, pair.dtype, pair.swap_a), _values(vb, pair.dtype, pair.swap_b)
    fast = _fast_float(fa.dtype)
    figures = []
    with np.errstate(invalid="ignore", over="ignore"):
        for s in range(0, fa.size, CHUNK):
            figures.append(_diff_chunk(fa[s : s + CHUNK], fb[s : s + CHUNK], fast, 0.0, 0.0, 0.0, 0, False))
    return pair.item, crc_a, crc_b, pair.a.size, figures


class Folded:
    """A tensor pair's figures and checksums, folded task by task in order."""

    def __init__(self) -> None:
        self.max_abs, self.dsq, self.asq, self.changed, self.nan = 0.0, 0.0, 0.0, 0, False
        self.crc_a = self.crc_b = 0

    def add(self, crc_a: int, crc_b: int, size: int, figures: list[tuple]) -> None:
        self.crc_a = tasks.crc32c_combine(self.crc_a, crc_a, size)
        self.crc_b = tasks.crc32c_combine(self.crc_b, crc_b, size)
        for max_abs, dsq, asq, changed, nan in figures:
            self.max_abs = max(self.max_abs, max_abs)
            self.dsq += dsq
            self.asq += asq
            self.changed += changed
            self.nan = self.nan or nan

    def result(self, name: str, ra: BundleReader, ea, rb: BundleReader, eb) -> TensorDiff:
        for reader, entry, crc in ((ra, ea, self.crc_a), (rb, eb, self.crc_b)):
            if crc != checksum.unmask(entry.crc):  # what reading it whole would have raised
                raise ChecksumMismatch(
                    f"checksum mismatch in {name}: {reader.shard_path(entry.shard).name} at offset {entry.offset:,} "
                    f"(crc32c {crc:#010x}, the index says {checksum.unmask(entry.crc):#010x})",
                    None,
                )
        equal = self.changed == 0
        max_abs = math.inf if self.nan else self.max_abs
        norm_a = math.sqrt(self.asq)
        rel = 0.0 if equal else (math.sqrt(self.dsq) / norm_a if norm_a else None)
        return TensorDiff(equal, max_abs, math.inf if self.nan else rel, self.changed)


def diff_pair_safe(pair: Pair):
    """diff_pair, with a read error (a data file missing or cut short) as its message."""
    from ckpt_browser.core.base.errors import CheckpointError

    try:
        return diff_pair(pair)
    except CheckpointError as exc:
        return pair.item, str(exc), 0, 0, []


def diff_all(ra, rb, named: list[tuple[str, str]], engine=None, progress=None) -> tuple[dict, int]:
    """({name in A: TensorDiff, or the CheckpointError reading it raises}, bytes compared) for
    the pairs both stored whole and numeric; the others are left to the caller."""
    from ckpt_browser.core.base.errors import CheckpointError

    found: list[tuple[str, object, object]] = []
    work: list[Pair] = []
    for name_a, name_b in named:
        try:
            ea, eb = plain(ra, name_a), plain(rb, name_b)
        except CheckpointError:
            continue  # the caller's read says what is wrong
        if ea is None or eb is None or ea.dtype != eb.dtype or ea.size != eb.size:
            continue
        work += pairs_of(len(found), ra, ea, rb, eb)
        found.append((name_a, ea, eb))
    folded = [Folded() for _ in found]
    errors: dict[int, str] = {}
    spans = [p.a for p in work]
    for item, crc_a, crc_b, size, figures in tasks.run(diff_pair_safe, work, engine, progress, "comparing", spans):
        if isinstance(crc_a, str):
            errors.setdefault(item, crc_a)
        else:
            folded[item].add(crc_a, crc_b, size, figures)
    out: dict = {}
    for i, (name, ea, eb) in enumerate(found):
        try:
            if i in errors:
                raise CheckpointError(errors[i])
            out[name] = folded[i].result(name, ra, ea, rb, eb)
        except CheckpointError as exc:
            out[name] = exc
    return out, 2 * sum(s.size for s in spans)
