"""Training health from the checkpoints alone: norms, update ratios, NaN/Inf, dead units, alpha.

One pass over each stored tensor per checkpoint, streamed in chunks (formats/chunks.py), in
parallel across variables. A variable's checkpoints are read chunk by chunk side by side, so the
update ratio against the previous checkpoint needs only the matching chunk of that one, never a
second read or a whole tensor. docs/health.md defines every figure and finding.
"""

from __future__ import annotations

import math
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.base.progress import Progress
from ckpt_browser.core.formats import dtypes
from ckpt_browser.core.formats.chunks import iter_chunks
from ckpt_browser.core.formats.reader import open_checkpoint
from ckpt_browser.core.formats.variables import MODEL, OBJECT_GRAPH_KIND, VariableInfo, describe
from ckpt_browser.core.model_dir.scan import CheckpointInfo, ModelDir
from ckpt_browser.core.values import health_checks, spectrum, tasks
from ckpt_browser.core.values.health_findings import find
from ckpt_browser.core.values.health_report import CheckpointHealth, HealthReport, VariableHealth

__all__ = ["CheckpointHealth", "HealthReport", "VariableHealth", "health", "model_dir_health"]

CHUNK_ELEMENTS = 1 << 20  # per chunk: 8 MB as float64, stays near the cache, keeps progress moving
KERNEL_NAMES = {"kernel", "weights", "w", "W"}  # a layer's weight matrix: (..., units)
GAMMA_NAMES = {"gamma"}
FLOATS = {"float16", "float32", "float64", "bfloat16"}


@dataclass
class _Role:
    """What a variable is for the checks: kernels and gammas have units; matrices get an alpha."""

    kernel: bool
    gamma: bool
    matrix: bool


def _role(v: VariableInfo) -> _Role:
    last = v.display_name.rpartition("/")[2]
    model = v.kind == MODEL
    return _Role(
        kernel=model and len(v.shape) >= 2 and last in KERNEL_NAMES,
        gamma=model and len(v.shape) == 1 and last in GAMMA_NAMES,
        matrix=model and spectrum.eligible(v.shape),
    )


class _Counter:
    """Bytes read so far, across worker threads, reported through progress."""

    def __init__(self, total: int, progress: Progress, text: str) -> None:
        self.total, self.done, self.progress, self.text = total, 0, progress, text
        self._lock = threading.Lock()

    def add(self, n: int) -> None:
        with self._lock:
            self.done += n
            done = self.done
        self.progress(done, self.total, self.text)


class _Acc:
    """Figures of one variable in one checkpoint, summed chunk by chunk."""

    def __init__(self, v: VariableInfo, role: _Role, with_prev: bool) -> None:
        self.v, self.role = v, role
        self.sumsq = 0.0
        self.diffsq = 0.0 if with_prev else None
        self.nan = self.inf = 0
        self.nonzero: np.ndarray | None = None
        self.has_units = False  # kernels and gammas: which units are all zero, allocated at the first chunk
        if not v.size:  # zero elements: a norm of 0, no units to be dead, nothing to change
            role = self.role = _Role(False, False, False)
            self.diffsq = None
        if len(v.shape) >= 2 and (role.kernel or role.matrix):
            self.units = v.shape[-1]  # chunks of whole rows: columns line up, the Gram adds up
        else:
            self.units = v.size if role.gamma else 1
        if role.kernel or role.gamma:
            self.has_units = True
        self.gram: spectrum.Gram | None = None  # made at the first chunk: after the entry's sizes are checked
        self.error: str | None = None

    def add(self, chunk: np.ndarray, prev64: np.ndarray | None) -> np.ndarray:
        c64 = chunk.astype(np.float64)
        # einsum, not np.dot: BLAS's ddot would start its own threads in every worker and
        # oversubscribe the cores (seen: 3x slower on 2 cores); einsum stays in this thread.
        ss = float(np.einsum("i,i->", c64, c64))
        if not math.isfinite(ss):  # squares of stored floats cannot overflow float64: NaN or Inf is there
            nan, inf = np.isnan(c64), np.isinf(c64)
            self.nan += int(nan.sum())
            self.inf += int(inf.sum())
            finite = c64[~(nan | inf)]
            ss = float(np.einsum("i,i->", finite, finite))
        self.sumsq += ss
        if self.diffsq is not None and prev64 is not None:
            d = c64 - prev64
            self.diffsq += float(np.einsum("i,i->", d, d))
        if self.has_units:
            if self.nonzero is None:  # a chunk holds whole rows: `units` is real data, not a shape's claim
                self.nonzero = np.zeros(self.units, bool)
            self.nonzero |= (chunk != 0).reshape(-1, self.units).any(axis=0)
        if self.role.matrix and self.gram is None:
            self.gram = spectrum.Gram(self.v.shape)  # type: ignore[arg-type]
        if self.gram is not None and not (self.nan or self.inf):
            self.gram.add(c64.reshape(-1, self.v.shape[-1]))
        return c64

    def result(self) -> VariableHealth:
        v = self.v
        h = VariableHealth(v.name, size=v.size, kind=v.kind, display_name=v.display_name)
        if self.error:
            h.error = self.error
            return h
        h.nan, h.inf, h.norm = self.nan, self.inf, math.sqrt(self.sumsq)
        if self.nonzero is not None:
            h.dead_units = [int(i) for i in np.flatnonzero(~self.nonzero)]
        if self.diffsq is not None:
            h.changed = self.diffsq != 0.0
            finite = math.isfinite(self.diffsq) and not (self.nan or self.inf)
            if finite and self.prev_norm:
                h.update_ratio = math.sqrt(self.diffsq) / self.prev_norm
        if self.gram is not None and not (self.nan or self.inf):
            try:
                evals = self.gram.eigenvalues()[-min(v.shape) :]
            except (np.linalg.LinAlgError, ValueError):  # squares past float64's range: no spectrum
                evals = None
            h.alpha = None if evals is None else spectrum.alpha_of(evals)
        return h

    prev_norm: float | None = None


def _row_aligned(v: VariableInfo, units: int) -> int:
    """Chunk length in elements: whole rows of the last axis, so columns line up in every chunk."""
    return max(1, CHUNK_ELEMENTS // max(1, units)) * max(1, units)


def _series(
    readers: list, occurrences: list[tuple[int, VariableInfo]], counter: _Counter, spectral: bool = True
) -> list[VariableHealth]:
    """One variable across the checkpoints holding it with one shape: chunk k of every checkpoint,
    then chunk k + 1. Returns its health per occurrence, in checkpoint order."""
    # Inf - Inf, squares past float64's range, byte-swapped garbage: counted, never a warning line.
    with np.errstate(all="ignore"):
        problem = health_checks.shape_problem(occurrences[0][1])
        if problem:  # before anything is allocated for it
            return [VariableHealth(v.name, error=problem, kind=v.kind, display_name=v.display_name)
                    for _, v in occurrences]  # fmt: skip
        return _measured(readers, occurrences, counter, spectral)


def _measured(readers: list, occurrences: list[tuple[int, VariableInfo]], counter: _Counter, spectral: bool):
    v0 = occurrences[0][1]
    role = _role(v0)
    role.matrix = role.matrix and spectral
    accs: list[_Acc] = []
    for j, (ci, v) in enumerate(occurrences):
        linked = j > 0 and occurrences[j - 1][0] == ci - 1
        accs.append(_Acc(v, role, linked))
    elements = _row_aligned(v0, accs[0].units)
    iters: list = []
    for (ci, v), acc in zip(occurrences, accs):
        acc.error = health_checks.entry_problem(readers[ci], v)  # sizes checked before reading
        iters.append(None if acc.error else iter_chunks(readers[ci], v.name, elements))
    chunks = max(1, math.ceil(v0.size / elements))
    itemsize = dtypes.itemsize(v0.dtype) or 1
    for _ in range(chunks):
        if all(it is None for it in iters):
            break  # nothing left to read: a lying shape must not make us count to 2^64 / 2^20
        prev64: np.ndarray | None = None
        for j, acc in enumerate(accs):
            it = iters[j]
            if it is None:
                prev64 = None
                continue
            try:
                chunk = next(it)
            except (CheckpointError, StopIteration, MemoryError) as exc:
                acc.error = str(exc) or "the tensor is shorter than its shape"
                iters[j] = None
                prev64 = None
                continue
            prev64 = acc.add(chunk, prev64 if acc.diffsq is not None else None)
            counter.add(chunk.size * itemsize)
    for j, it in enumerate(iters):
        if it is not None:
            try:
                next(it)  # the end: a bundle's crc32c is checked here
            except StopIteration:
                pass
            except CheckpointError as exc:
                accs[j].error = str(exc)
    out = []
    for j, acc in enumerate(accs):
        if acc.diffsq is not None:
            prev = accs[j - 1]
            if prev.error:  # the difference was summed over part of the tensor only
                acc.diffsq = None
            elif not (prev.nan or prev.inf):
                acc.prev_norm = math.sqrt(prev.sumsq)
        out.append(acc.result())
    return out


def _selected(info_vars: list[VariableInfo], include_all: bool) -> tuple[list[VariableInfo], list[VariableInfo]]:
    """(the variables measured, those of a dtype health does not measure: ints, strings, bools, complex)."""
    out: list[VariableInfo] = []
    skipped: list[VariableInfo] = []
    for v in info_vars:
        if v.kind == OBJECT_GRAPH_KIND or not (include_all or v.kind == MODEL):
            continue
        (out if v.dtype in FLOATS else skipped).append(v)
    return out, skipped


def health(
    checkpoints: list[CheckpointInfo], include_all: bool = False, progress: Progress | None = None,
    workers: int | None = None, path: str = "", spectral: bool = True, engine=None,
) -> HealthReport:  # fmt: skip
    """The health of every float variable (model variables; with include_all optimizer state too)
    across these checkpoints, in the order given (oldest first), and what looks wrong.
    spectral=False skips alpha (the one costly figure): a quick look for NaN and Inf.
    engine: a Dask cluster's (values/dask_engine.py) to read each variable's series on its workers."""
    start = time.perf_counter()
    progress = progress or (lambda *_: None)
    result = [CheckpointHealth(c.name, c.step) for c in checkpoints]
    readers: list = [None] * len(checkpoints)
    series: dict[tuple[str, tuple[int, ...], str], list[tuple[int, VariableInfo]]] = {}
    damaged: list[dict[str, VariableHealth]] = [{} for _ in checkpoints]
    buffer = bytearray(1 << 20)  # the unmeasured variables' bytes pass through it for their crc32c
    for ci, info in enumerate(checkpoints):
        if not info.on_disk:
            result[ci].error = info.problem or "its files are missing"
            continue
        try:
            readers[ci] = reader = open_checkpoint(info.prefix)
            variables = describe(reader.variables(), reader.kinds() if hasattr(reader, "kinds") else None)
        except CheckpointError as exc:
            result[ci].error = str(exc)
            continue
        measured, skipped = _selected(variables, include_all)
        for v in skipped:  # not measured, but one that cannot be read is still unreadable (what verify says)
            problem = health_checks.unmeasured_problem(reader, v, buffer)
            if problem:
                damaged[ci][v.name] = VariableHealth(v.name, error=problem, kind=v.kind, display_name=v.display_name)
            else:
                result[ci].skipped.append((v.name, v.dtype))
        for v in measured:
            # By path: a Keras 3 weight's key changes once its optimizer is built (formats/object_graph.py).
            series.setdefault((v.display_name, v.shape, v.dtype), []).append((ci, v))
    total = sum(v.nbytes or 0 for occ in series.values() for _, v in occ)
    counter = _Counter(total, progress, f"Checking the health of {len(checkpoints)} checkpoints")
    jobs = list(series.values())
    workers = workers or min(len(jobs), os.cpu_count() or 1) or 1
    from threadpoolctl import threadpool_limits

    # One BLAS thread per worker: the workers already use every core, and OpenBLAS's own threads
    # on top of them thrash (seen on 2 cores: a 768 x 768 eigvalsh 0.35 s with 2 threads, 0.04 s with 1).
    with threadpool_limits(limits=1, user_api="blas"):
        if getattr(engine, "client", None) is not None:  # on a cluster: a task per variable's series
            answers = _on_cluster(checkpoints, jobs, engine, counter, spectral)
        elif workers == 1:
            answers = [_series(readers, occ, counter, spectral) for occ in jobs]
        else:
            with ThreadPoolExecutor(workers, thread_name_prefix="ckpt-health") as pool:
                answers = list(pool.map(lambda occ: _series(readers, occ, counter, spectral), jobs))
    placed = damaged
    for occ, hs in zip(jobs, answers):
        for (ci, _), h in zip(occ, hs):
            placed[ci][h.name] = h
    for ci, c in enumerate(result):
        if readers[ci] is not None:  # in the checkpoint's own variable order
            order = [e.name for e in readers[ci].variables()]
            c.variables = [placed[ci][n] for n in order if n in placed[ci]]
    report = HealthReport(path, result, find(result), include_all=include_all)
    report.bytes = counter.done
    report.seconds = time.perf_counter() - start
    return report


def model_dir_health(
    md: ModelDir, include_all: bool = False, progress: Progress | None = None, spectral: bool = True, engine=None
) -> HealthReport:
    """Every checkpoint of a model_dir, oldest first (the scan's order), but one its writer marks
    unfinished (a step folder Orbax has not renamed from its .orbax-checkpoint-tmp name): not
    unreadable."""
    checkpoints = [c for c in md.checkpoints if (c.on_disk or c.in_state) and not c.unfinished]
    return health(checkpoints, include_all, progress, path=str(md.path), spectral=spectral, engine=engine)


# -- on a Dask cluster: the same _series, run by a worker that opens the checkpoints itself -------


@dataclass(frozen=True)
class SeriesTask:
    """One variable's series: where each checkpoint holding it is, and its bytes (for progress)."""

    prefixes: tuple[str, ...]  # by checkpoint index; "" for those the series does not touch
    occurrences: tuple[tuple[int, VariableInfo], ...]
    spectral: bool
    size: int


class _Tally:
    def __init__(self) -> None:
        self.done = 0

    def add(self, n: int) -> None:
        self.done += n


def series_task(task: SeriesTask) -> tuple[list[VariableHealth], int]:
    """_series on a worker: (its health per occurrence, bytes read)."""
    from threadpoolctl import threadpool_limits

    readers: list = [None] * len(task.prefixes)
    for ci, _ in task.occurrences:
        readers[ci] = open_checkpoint(task.prefixes[ci])  # the worker's own reader (cached per process)
    tally = _Tally()  # one BLAS thread: the worker's other tasks use the other cores
    with threadpool_limits(limits=1, user_api="blas"):
        out = _series(readers, list(task.occurrences), tally, task.spectral)  # type: ignore[arg-type]
    return out, tally.done


def _on_cluster(checkpoints: list[CheckpointInfo], jobs: list, engine, counter: _Counter, spectral: bool) -> list:
    used = {ci for occ in jobs for ci, _ in occ}
    prefixes = tuple(str(c.prefix) if ci in used else "" for ci, c in enumerate(checkpoints))
    work = [
        SeriesTask(prefixes, tuple(occ), spectral, sum(v.nbytes or 0 for _, v in occ)) for occ in jobs
    ]  # fmt: skip
    answers = []
    for hs, read in tasks.run(series_task, work, engine):
        answers.append(hs)
        counter.add(read)
    return answers
