"""Statistics of a tensor straight from its data file, on the task layer (values/tasks.py): element
ranges read on every core (or a Dask cluster's workers), figured chunk by chunk, folded in order
exactly as compute_stats folds them -- a 4 GiB tensor never in memory, its crc32c still checked."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ckpt_browser.core.base.progress import Progress
from ckpt_browser.core.formats import dtypes
from ckpt_browser.core.formats.bundle import ChecksumMismatch
from ckpt_browser.core.storage import checksum
from ckpt_browser.core.storage.checksum import of_buffer
from ckpt_browser.core.values import tasks
from ckpt_browser.core.values.diff_tasks import _span, _values, plain
from ckpt_browser.core.values.stats import BINS, CHUNK, StatsFold, TensorStats, chunk_figures, chunk_histogram

TASK_ELEMENTS = 4 * CHUNK


@dataclass(frozen=True)
class Range:
    span: tasks.Span
    dtype: int
    swap: bool
    float_like: bool
    edges: tuple[float, ...] | None = None  # the second pass: the histogram's bins
    drop_nonfinite: bool = False


def figures_of(r: Range) -> tuple[int, list[tuple]]:
    """(crc32c of the range, compute_stats' figures of each of its chunks)."""

    view = tasks.read_span(r.span)
    values = _values(view, r.dtype, r.swap)
    return of_buffer(view), [chunk_figures(values[s : s + CHUNK], r.float_like) for s in range(0, values.size, CHUNK)]


def histogram_of(r: Range) -> np.ndarray:
    values = _values(tasks.read_span(r.span), r.dtype, r.swap)
    edges = np.array(r.edges)
    counts = np.zeros(len(edges) - 1, np.int64)
    for s in range(0, values.size, CHUNK):
        counts += chunk_histogram(values[s : s + CHUNK], edges, r.drop_nonfinite)
    return counts


def stats_of_entry(
    reader, name: str, engine: tasks.Engine | None = None, progress: Progress | None = None, bins: int = BINS
) -> TensorStats | None:
    """compute_stats(reader.read(name)) without reading it whole; None when the tensor is not a
    numeric one stored whole in a bundle (the caller reads it)."""
    entry = plain(reader, name)
    if entry is None:
        return None
    kind = dtypes.base_enum(entry.dtype)
    np_dtype = dtypes.numpy_dtype(kind)
    assert np_dtype is not None
    n = entry.size // np_dtype.itemsize
    if n == 0:
        return TensorStats(count=0, finite=0)
    fold = StatsFold(n, np_dtype)
    step = TASK_ELEMENTS * np_dtype.itemsize
    spans = [_span(reader, entry, 0, s, min(step, entry.size - s)) for s in range(0, entry.size, step)]
    ranges = [Range(s, kind, reader._swap, fold.float_like) for s in spans]
    half = (lambda d, t, _w: progress(d, 2 * t, "statistics")) if progress else None
    crc = 0
    for span, (part_crc, figures) in zip(spans, tasks.run(figures_of, ranges, engine, half, spans=spans)):
        crc = tasks.crc32c_combine(crc, part_crc, span.size)
        for f in figures:
            fold.add(f)
    if crc != checksum.unmask(entry.crc):
        where = f"{reader.shard_path(entry.shard).name} at offset {entry.offset:,}"
        said = checksum.unmask(entry.crc)
        raise ChecksumMismatch(
            f"checksum mismatch in {name}: {where} (crc32c {crc:#010x}, the index says {said:#010x})", None
        )
    edges = fold.edges(bins)
    if edges is not None:
        bins_at, drop = tuple(edges.tolist()), fold.float_like and not fold.all_finite
        second = [Range(s, kind, reader._swap, fold.float_like, bins_at, drop) for s in spans]
        rest = (lambda d, t, _w: progress(t + d, 2 * t, "histogram")) if progress else None
        counts = np.zeros(len(edges) - 1, np.int64)
        for part in tasks.run(histogram_of, second, engine, rest, spans=spans):
            counts += part
        fold.histogram(counts, edges)
    return fold.stats
