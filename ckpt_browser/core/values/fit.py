"""The Fit view's answers: an output over a sweep of one input, for every checkpoint."""

from __future__ import annotations

import os
import warnings
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.base.progress import Progress
from ckpt_browser.core.model_dir.scan import CheckpointInfo
from ckpt_browser.core.storage import Location, is_file, local_file, locate
from ckpt_browser.core.tf.graph import RestoredGraph


class Sessions:
    """Restored graphs kept open per checkpoint (each its own graph and session), the most
    recently used ``limit`` of them: each holds a copy of its variables, so browsing a long run's
    checkpoints must not keep them all.

    Used only from the TensorFlow worker thread.
    """

    def __init__(self, limit: int = 8) -> None:
        self.limit = limit
        self._open: OrderedDict[str, RestoredGraph] = OrderedDict()  # by str(prefix): a path or a URL

    def __len__(self) -> int:
        return len(self._open)

    def get(self, prefix: str | os.PathLike, progress: Progress | None = None) -> RestoredGraph:
        key = str(prefix)
        if key in self._open:
            self._open.move_to_end(key)
            return self._open[key]
        graph = self._open[key] = RestoredGraph(prefix, progress=progress)
        while len(self._open) > self.limit:
            _, oldest = self._open.popitem(last=False)
            oldest.close()
        return graph

    def close(self, prefix: str | os.PathLike | None = None) -> None:
        keys = list(self._open) if prefix is None else [str(prefix)]
        for k in keys:
            graph = self._open.pop(k, None)
            if graph is not None:
                graph.close()


@dataclass
class FitResult:
    input: str
    output: str
    xs: np.ndarray
    curves: dict[str, np.ndarray] = field(default_factory=dict)  # checkpoint -> output(xs)
    scalars: dict[str, dict[str, float]] = field(default_factory=dict)  # checkpoint -> var -> value
    skipped: list[str] = field(default_factory=list)


def fit_curves(
    sessions: Sessions,
    checkpoints: list[CheckpointInfo],
    input_name: str,
    output_name: str,
    xs: np.ndarray,
    progress: Progress | None = None,
) -> FitResult:
    """Run the restored graph of each checkpoint (with a .meta) over xs."""
    result = FitResult(input_name, output_name, np.asarray(xs, dtype=np.float64))
    usable = [c for c in checkpoints if c.has_meta and c.files_ok]
    for i, info in enumerate(usable):
        try:
            graph = sessions.get(info.prefix, progress)
            ys = graph.sweep(output_name, input_name, result.xs)
            result.curves[info.name] = np.asarray(ys, dtype=np.float64).reshape(-1)
            result.scalars[info.name] = {
                name: float(v) for name, v in graph.variable_values().items() if np.ndim(v) == 0 and v.dtype.kind == "f"
            }
        except CheckpointError as exc:
            result.skipped.append(f"{info.name}: {exc}")
        if progress:
            progress(i + 1, len(usable), f"running {info.name}")
    if not usable:
        raise CheckpointError("no checkpoint here has a .meta graph to run")
    return result


def load_xy(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Training data as two columns x, y from a .csv (a header line is allowed) or .npy."""
    p = local_file(locate(path)).local  # a data file in a bucket: fetched once into the cache folder
    try:
        size = p.stat().st_size
        if size > MAX_DATA_BYTES:
            raise CheckpointError(f"{p.name} is {size:,} bytes: more training data than the Fit view can plot")
        if p.suffix == ".npy":
            data = _load_npy(p)
        else:
            with warnings.catch_warnings():  # "empty input file" and friends: the shape check says it
                warnings.simplefilter("ignore")
                data = np.genfromtxt(p, delimiter=",", skip_header=_header_lines(p), encoding="utf-8")
        data = np.asarray(data, dtype=np.float64)
    except CheckpointError:
        raise
    except (OSError, ValueError, TypeError, EOFError, UnicodeError, MemoryError, OverflowError) as exc:
        text = (str(exc).strip().splitlines() or ["unreadable"])[0][:200]
        raise CheckpointError(f"cannot read {p.name}: {text}") from None
    if data.ndim != 2 or data.shape[1] < 2:
        raise CheckpointError(f"{p.name}: expected two columns (x, y), got shape {list(data.shape)}")
    return data[:, 0], data[:, 1]


MAX_DATA_BYTES = 512 << 20


def _load_npy(p: Path) -> np.ndarray:
    """A numeric .npy, its header checked before any data is read: a damaged header must not
    ask for gigabytes, and objects are never unpickled."""
    with open(p, "rb") as f:
        try:
            version = np.lib.format.read_magic(f)
            read_header = (
                np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
            )
            shape, _fortran, dtype = read_header(f, max_header_size=10_000)
        except Exception:  # noqa: BLE001 - numpy parses the header text: ValueError, SyntaxError, TokenError...
            raise CheckpointError(f"{p.name} is not a .npy file: its header cannot be read") from None
        if dtype.hasobject or dtype.kind not in "biuf" or dtype.fields is not None:
            raise CheckpointError(f"{p.name} holds {dtype}, not numbers")
        count = 1
        for d in shape:
            count *= d
        if count * dtype.itemsize > p.stat().st_size:
            raise CheckpointError(f"{p.name} is damaged: its header promises more data than the file holds")
    return np.load(p, allow_pickle=False)


def _header_lines(p: Path) -> int:
    with open(p, encoding="utf-8", errors="replace") as f:
        first = f.readline()
    try:
        [float(v) for v in first.split(",")]
        return 0
    except ValueError:
        return 1


def find_data_file(model_dir: Location) -> Location | None:
    """The training data shipped next to the checkpoints, if any (the demo's data.csv)."""
    for name in ("data.csv", "data.npy"):
        if is_file(model_dir / name):
            return model_dir / name
    return None


@dataclass
class VariableRow:
    """A variable in the graph panel: declared by the graph vs stored in the checkpoint."""

    key: str
    declared: tuple | None  # None: not declared by the graph
    stored: tuple | None  # None: not in the checkpoint
    dtype_declared: str | None
    dtype_stored: str | None

    @property
    def ok(self) -> bool:
        return self.declared == self.stored and self.dtype_declared == self.dtype_stored


@dataclass
class GraphOverview:
    checkpoint: str
    placeholders: list
    variables: list[VariableRow]
    ops: list[tuple[str, str]]
    restore_error: str | None = None
    fit_inputs: list[str] = field(default_factory=list)
    fit_outputs: list[str] = field(default_factory=list)
    inputs: list = field(default_factory=list)  # an Estimator's features (tf.feeds.FeatureInput), fed by key


def shape_text(s) -> str:
    return "—" if s is None else "[" + ", ".join("?" if d is None else str(d) for d in s) + "]"


def variable_rows(o: GraphOverview) -> list[tuple[str, str, str, str]]:
    """The Graph tab's variables: key, declared shape, stored shape, dtype(s)."""
    out = []
    for row in o.variables:
        dtype = row.dtype_stored or row.dtype_declared or ""
        if row.dtype_declared and row.dtype_stored and row.dtype_declared != row.dtype_stored:
            dtype = f"{row.dtype_declared} (graph) / {row.dtype_stored} (checkpoint)"
        out.append((row.key, shape_text(row.declared), shape_text(row.stored), dtype))
    return out


def placeholder_rows(o: GraphOverview) -> list[tuple[str, str, str]]:
    """Placeholders, then an Estimator's features: what Evaluate can be fed."""
    rows = [(p.name, p.dtype, p.shape_text) for p in o.placeholders]
    rows += [(f"{f.key}  (feature: {f.tensor})", f.dtype, f.shape_text) for f in o.inputs]
    return rows


def signature_rows(signatures) -> list[tuple[str, str, str]]:
    """A SavedModel's signatures: name, inputs, outputs."""
    return [
        (
            sig.name,
            ", ".join(f"{i.key}: {i.dtype} {i.shape_text}" for i in sig.inputs),
            ", ".join(f"{o.key}: {o.dtype} {o.shape_text}" for o in sig.outputs),
        )
        for sig in signatures
    ]


def scalar_rows(result: FitResult) -> tuple[list[str], list[tuple[str, ...]]]:
    """The Fit tab's table: a row per checkpoint, a column per scalar variable."""
    names = sorted({n for values in result.scalars.values() for n in values})
    rows = []
    for ckpt, values in result.scalars.items():
        rows.append((ckpt, *("" if values.get(n) is None else f"{values[n]:.9g}" for n in names)))
    return ["checkpoint", *names], rows


def graph_overview(sessions: Sessions, info: CheckpointInfo, progress: Progress | None = None) -> GraphOverview:
    """Restore the checkpoint into its graph (kept open) and describe both side by side."""
    from ckpt_browser.core.formats.reader import open_checkpoint
    from ckpt_browser.core.tf.graph import read_meta

    if not info.has_meta:
        raise CheckpointError(f"{info.name} has no .meta file: there is no graph to rebuild")
    meta = read_meta(locate(info.prefix).plus(".meta"))
    stored = {v.name: v for v in open_checkpoint(info.prefix).variables()}
    rows = []
    for key in sorted(set(meta.variables) | set(stored)):
        d, s = meta.variables.get(key), stored.get(key)
        if key == "_CHECKPOINTABLE_OBJECT_GRAPH":
            continue
        rows.append(VariableRow(
            key, d.shape if d else None, s.shape if s else None,
            d.dtype if d else None, s.dtype if s else None,
        ))  # fmt: skip
    overview = GraphOverview(info.name, meta.placeholders, rows, meta.ops)
    try:
        graph = sessions.get(info.prefix, progress)
        overview.fit_inputs, overview.fit_outputs = graph.fit_candidates()
        overview.inputs = list(graph.inputs)
    except CheckpointError as exc:
        overview.restore_error = str(exc)
    return overview


def evaluate(sessions: Sessions, info: CheckpointInfo, fetch: str, feeds: dict[str, str]) -> np.ndarray:
    """Run one tensor of the restored graph with the feeds the user typed (placeholders, or an
    Estimator's features by key), parsed for the dtype each feeds."""
    graph = sessions.get(info.prefix)
    return graph.run(fetch, {name: text for name, text in feeds.items() if text.strip()})


def needed_inputs(sessions: Sessions, info: CheckpointInfo, fetch: str) -> list:
    return sessions.get(info.prefix).needed_placeholders(fetch)
