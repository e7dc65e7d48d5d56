"""The Python API: model_dirs, checkpoints and the records the CLI prints as JSON, without TensorFlow.

    import ckpt_browser as cb
    md = cb.open("runs/iris")                 # a model_dir, a checkpoint prefix or file, a URL
    md.latest.variables                       # [Variable(name, shape, dtype, kind, path, slot_of, ...), ...]
    md.latest.read("dnn/logits/bias")         # numpy, crc32c checked
    cb.diff(a, b), cb.check(path, against=...), cb.verify(path)   # the CLI's --json records

docs/api.md documents it; a change to it is a CHANGELOG entry. Errors are CheckpointError (one line
a user can act on), as in the CLI. Every record is what `ckpt-browser CMD --json` prints: NaN and
infinities as the strings "NaN", "Infinity", "-Infinity".
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from ckpt_browser.core.base.errors import CheckpointError, checkpoint_errors_only
from ckpt_browser.core.formats.variables import find_variable
from ckpt_browser.core.storage import Location, locate

if TYPE_CHECKING:
    import numpy as np

    from ckpt_browser.core.model_dir.contents import CheckpointContents
    from ckpt_browser.core.model_dir.scan import CheckpointInfo
    from ckpt_browser.core.model_dir.scan import ModelDir as CoreModelDir

Record = dict[str, Any]  # a JSON record, exactly as the CLI prints it with --json

SHOW_ALL_UP_TO = 1000  # elements; bigger tensors' records hold a head of HEAD values
HEAD = 100


class Variable(NamedTuple):
    """A stored variable: its name exactly as tf.train.list_variables gives it."""

    name: str
    shape: tuple[int, ...]
    dtype: str  # numpy's name: float32, int64, bfloat16, string, ...
    kind: str  # model, optimizer, ema, global_step, object_graph or other
    # Where the user knows it: its object-graph path (a Keras 3 model's weights), else name less /.ATTRIBUTES/...
    path: str = ""
    slot_of: str | None = None  # an optimizer slot's weight (its path), when the checkpoint says whose it is
    slot: str | None = None  # the slot's name (momentums, m, ...), known from the object graph
    other_paths: tuple[str, ...] = ()  # the object graph's other paths to it, the stored key's first


def finite_or_text(obj: Any) -> Any:
    """The record as JSON holds it: NaN and infinities as strings (JSON has no such numbers)."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return "NaN" if math.isnan(obj) else ("Infinity" if obj > 0 else "-Infinity")
    if isinstance(obj, dict):
        return {k: finite_or_text(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [finite_or_text(v) for v in obj]
    return obj


class Checkpoint:
    """One checkpoint of a model_dir (or one Keras / TF.js file)."""

    def __init__(self, info: CheckpointInfo, model_dir: ModelDir) -> None:
        self._info = info
        self._model_dir = model_dir
        self._contents: CheckpointContents | None = None

    def __repr__(self) -> str:
        return f"<Checkpoint {self.name} of {self._model_dir.path}>"

    @property
    def name(self) -> str:
        """Its prefix relative to the model_dir, e.g. "model.ckpt-300"."""
        return self._info.name

    @property
    def prefix(self) -> str:
        """Where its files are: the prefix (a path or URL), or the Keras / TF.js file."""
        return str(self._info.prefix)

    @property
    def step(self) -> int | None:
        return self._info.step

    @property
    def problem(self) -> str | None:
        """What is wrong with its files (missing, damaged), or None."""
        return self._info.problem

    def to_json(self) -> Record:
        """The record `ls --json` lists under "checkpoints"."""
        return self._info.to_json()

    @checkpoint_errors_only
    def contents(self) -> CheckpointContents:
        if self._contents is None:
            # deferred: start-up: loads google.protobuf, google_crc32c (+60 modules)
            from ckpt_browser.core.model_dir.contents import read_contents

            self._contents = read_contents(self._info)
        return self._contents

    @property
    @checkpoint_errors_only
    def variables(self) -> list[Variable]:
        """Every stored variable, sorted by name, as tf.train.list_variables lists them."""
        return [
            Variable(v.name, tuple(v.shape), v.dtype, v.kind, v.display_name, v.slot_of, v.slot, v.aliases)
            for v in self.contents().variables
        ]

    def _name(self, name: str) -> str:
        """The stored name of the variable the name means (formats/variables.py: find_variable)."""
        found = find_variable(self.contents().variables, name)
        if found is None:
            raise CheckpointError(f"{self.name} has no variable {name!r}")
        return found.name

    @checkpoint_errors_only
    def read(self, name: str) -> np.ndarray:
        """The variable's values (only that tensor is read), its crc32c checked: a mismatch raises
        ChecksumMismatch (a CheckpointError; its .value holds what was read)."""
        # deferred: start-up: loads google.protobuf, google_crc32c (+56 modules)
        from ckpt_browser.core.formats.reader import open_checkpoint

        return open_checkpoint(self._info.prefix).read(self._name(name))

    @checkpoint_errors_only
    def stats(self, name: str, dask: str | None = None) -> Record:
        """min, max, mean, std, l2, zeros, nan, inf, count, finite, histogram: `show --json`'s "stats".
        dask: a scheduler's address (default CKPT_BROWSER_DASK) to read the ranges on its workers."""
        # deferred: start-up: loads google.protobuf, google_crc32c (+56 modules)
        from ckpt_browser.core.formats.reader import open_checkpoint
        from ckpt_browser.core.values.stats import compute_stats  # deferred: start-up: loads numpy (+102 modules)

        # deferred: start-up: loads google.protobuf, google_crc32c, numpy (+143 modules)
        from ckpt_browser.core.values.stats_tasks import stats_of_entry

        reader, name = open_checkpoint(self._info.prefix), self._name(name)
        with _cluster(dask) as engine:  # in ranges when it can
            stats = stats_of_entry(reader, name, engine) or compute_stats(reader.read(name))
        return finite_or_text(stats.to_json())

    @checkpoint_errors_only
    def show(self, name: str, all_values: bool = False, codes: bool = False) -> Record:
        """The record `show --json` prints: shape, dtype, stats and the values (a head of 100 of
        tensors over 1,000 elements unless all_values). codes: a quantized TF.js weight's stored codes."""
        return self._show(name, all_values, codes)[0]

    def _show(self, name: str, all_values: bool, codes: bool, engine: Any = None) -> tuple[Record, Any, Any]:
        """engine: a cluster's (values/dask_engine.py), which then figures the statistics."""
        # deferred: start-up: loads google.protobuf, google_crc32c (+56 modules)
        from ckpt_browser.core.formats.reader import open_checkpoint
        from ckpt_browser.core.values.slicing import to_jsonable  # deferred: start-up: loads numpy (+101 modules)
        from ckpt_browser.core.values.stats import compute_stats  # deferred: start-up: loads numpy (+102 modules)

        # deferred: start-up: loads google.protobuf, google_crc32c, numpy (+143 modules)
        from ckpt_browser.core.values.stats_tasks import stats_of_entry

        reader = open_checkpoint(self._info.prefix)
        name = self._name(name)
        if codes and not hasattr(reader, "raw"):
            raise CheckpointError(f"{self.name}: --codes is for quantized TensorFlow.js weights")
        big = None if codes or all_values else _big_tensor(reader, name, engine)
        if big is not None:  # statistics from the file in ranges, and only the head read: never whole
            value, stats, shape = big
        else:
            value = reader.raw(name) if codes else reader.read(name)  # type: ignore[attr-defined]
            ranged = None if codes or engine is None else stats_of_entry(reader, name, engine)
            stats, shape = ranged or compute_stats(value), value.shape
        stored = reader.quantization(name) if hasattr(reader, "quantization") else None
        complete = all_values or stats.count <= SHOW_ALL_UP_TO
        dtype = value.dtype.name if codes else next(v.dtype for v in reader.variables() if v.name == name)
        record = {
            "checkpoint": self.name,
            "name": name,
            "shape": list(shape),
            "dtype": dtype,
            "stats": stats.to_json(),
            "truncated": not complete,
            "values": to_jsonable(value) if complete else None,
            "head": None if complete else to_jsonable(value.reshape(-1)[:HEAD]),
            "stored": stored,
        }
        if hasattr(reader, "layout"):  # chunks and compression (Orbax's zarr arrays)
            record["layout"] = reader.layout(name)
        return finite_or_text(record), value, stats


def _big_tensor(reader, name: str, engine: Any = None):
    """(the first HEAD values, statistics) of a numeric tensor stored whole of more than
    SHOW_ALL_UP_TO elements, read in ranges (values/stats_tasks.py; on engine's workers); else None."""

    # deferred: start-up: loads google.protobuf, google_crc32c (+28 modules)
    from ckpt_browser.core.formats.chunks import iter_chunks

    # deferred: start-up: loads google.protobuf, google_crc32c, numpy (+142 modules)
    from ckpt_browser.core.values.diff_tasks import plain

    entry = plain(reader, name)
    if entry is None or math.prod(entry.shape) <= SHOW_ALL_UP_TO:
        return None
    # deferred: start-up: loads google.protobuf, google_crc32c, numpy (+143 modules)
    from ckpt_browser.core.values.stats_tasks import stats_of_entry

    stats = stats_of_entry(reader, name, engine)
    head = next(iter(iter_chunks(reader, name, HEAD)))
    return head, stats, entry.shape


class ModelDir:
    """A folder of checkpoints: the checkpoint state merged with the files there."""

    def __init__(self, core: CoreModelDir, selected: str | None) -> None:
        self._core = core
        self._selected = selected
        self.checkpoints: list[Checkpoint] = [Checkpoint(c, self) for c in core.checkpoints]

    def __repr__(self) -> str:
        return f"<ModelDir {self.path}: {len(self.checkpoints)} checkpoints>"

    @property
    def path(self) -> str:
        return str(self._core.path)

    @property
    def notes(self) -> list[str]:
        """What to know about the folder as a whole (a broken state file, paths of another machine)."""
        return self._core.notes + ([self._core.state_error] if self._core.state_error else [])

    @property
    @checkpoint_errors_only
    def latest(self) -> Checkpoint | None:
        """The latest readable checkpoint (the state file's, else the newest on disk), as `ls` shows."""
        info = self._core.default_checkpoint()
        return None if info is None else self[info.name]

    @property
    @checkpoint_errors_only
    def selected(self) -> Checkpoint:
        """The checkpoint the opened path named, else the latest; CheckpointError if none has its files."""
        return self.checkpoint(None)

    @checkpoint_errors_only
    def checkpoint(self, name: str | None = None) -> Checkpoint:
        """The named checkpoint, else the one the opened path named, else the latest."""
        # deferred: start-up: loads google.protobuf, google_crc32c (+60 modules)
        from ckpt_browser.core.model_dir.contents import Source

        return self[Source(self._core, self._selected).checkpoint(name).name]

    def __getitem__(self, name: str) -> Checkpoint:
        for c in self.checkpoints:
            if c.name == name:
                return c

        known = ", ".join(c.name for c in self.checkpoints)
        raise CheckpointError(f"no checkpoint {name!r} in {self.path} (has: {known})")

    def listed(self, chosen: Checkpoint):
        """What `ls` lists: the checkpoints, or only the model file the path named (a .keras file's
        folder holds other files that are not its)."""
        if chosen._info.file_format.one_file and self._selected:
            return [chosen._info]
        return self._core.checkpoints

    @checkpoint_errors_only
    def ls(self, checkpoint: str | None = None) -> Record:
        """The record `ls --json` prints (the variables of the named checkpoint, default the latest)."""
        return self._ls(checkpoint)[0]

    def _ls(self, checkpoint: str | None, scalars: bool = True) -> tuple[Record, Checkpoint, Any, str | None]:
        """The record, the checkpoint, the events read and the error. scalars=False (`ls` in a
        terminal, which prints no scalars): the event files are read only for save times."""

        chosen = self.checkpoint(checkpoint)
        error = contents = None
        try:
            contents = chosen.contents()
        except CheckpointError as exc:
            error = str(exc)
        events = _ls_events(self._core, self.listed(chosen), scalars)
        record: Record = {
            "model_dir": self.path,
            "latest": self._core.latest,
            "checkpoint": chosen.name,
            "checkpoints": [c.to_json() for c in self.listed(chosen)],
            "variables": [v.to_json() for v in contents.variables] if contents else [],
            "scalars": events.scalars_json(),
            "notes": self.notes + events.notes,
            "warning": contents.warning if contents else None,
            "metadata": dict(contents.metadata) if contents else {},
        }
        if chosen._info.file_format.capabilities.model_config and contents is not None:
            from ckpt_browser.core.checks.keras_checks import report  # deferred: start-up: loads numpy (+104 modules)

            # deferred: start-up: loads google.protobuf, google_crc32c (+56 modules)
            from ckpt_browser.core.formats.reader import open_checkpoint

            record["model"] = report(open_checkpoint(chosen._info.prefix)).to_json()
        return finite_or_text(record), chosen, events, error


def _ls_events(md: CoreModelDir, listed, scalars: bool):
    """The event files as far as `ls` prints them: every record for the scalars (JSON), else the
    checkpoint records only, and only when a listed checkpoint's save time must come from them."""
    # deferred: start-up: loads google_crc32c (+24 modules)
    from ckpt_browser.core.model_dir.events import EventData, read_events

    # deferred: start-up: loads google.protobuf, google_crc32c, numpy (+156 modules)
    from ckpt_browser.core.model_dir.timeline import event_times, use_event_times

    if not scalars:
        return event_times(md, listed) or EventData()
    events = read_events(md.path)
    use_event_times(md, events)  # a copied model_dir: save times from the event records
    return events


@checkpoint_errors_only
def open(path_or_url: str | os.PathLike[str] | Location) -> ModelDir:  # noqa: A001 - the API's word, as tarfile.open
    """A model_dir, from its folder, a checkpoint prefix or one of its files (that checkpoint is
    .selected), a `checkpoint` state file, a SavedModel, a Keras / TF.js file, or an fsspec URL."""
    # deferred: start-up: loads google.protobuf, google_crc32c (+60 modules)
    from ckpt_browser.core.model_dir.contents import open_source

    source = open_source(locate(path_or_url))
    return ModelDir(source.model_dir, source.selected)


@dataclass
class _Diffed:
    record: Record
    result: Any  # core values.diff.CheckpointDiff, for the CLI's table


@contextmanager
def _cluster(dask: str | None = None, progress: Any = None) -> Iterator[Any]:
    """The engine of the Dask cluster at dask (default: CKPT_BROWSER_DASK), closed after; None
    without one (every core here). progress hears its tasks as they finish on the cluster."""
    address = dask or os.environ.get("CKPT_BROWSER_DASK") or None
    if not address:
        yield None
        return
    from ckpt_browser.core.values.dask_engine import DaskEngine  # deferred: start-up: +20 modules

    engine = DaskEngine(address, progress=progress)
    try:
        yield engine
    finally:
        engine.close()


def _diff(
    a: str | os.PathLike[str] | Location,
    b: str | os.PathLike[str] | Location,
    dask: str | None = None,
    progress: Any = None,
) -> _Diffed:
    # deferred: start-up: loads google.protobuf, google_crc32c, numpy (+158 modules)
    from ckpt_browser.core.values.diff import diff_checkpoints, resolve_checkpoint

    pa, pb = resolve_checkpoint(locate(a)), resolve_checkpoint(locate(b))
    with _cluster(dask, progress) as engine:
        result = diff_checkpoints(pa, pb, engine=engine)
    record = {
        "a": str(pa),
        "b": str(pb),
        "identical": result.identical,
        "pairing": result.pairing,
        "counts": result.counts(),
        "variables": [r.to_json() for r in result.rows],
    }
    return _Diffed(finite_or_text(record), result)


@checkpoint_errors_only
def diff(a: str | os.PathLike[str] | Location, b: str | os.PathLike[str] | Location, dask: str | None = None) -> Record:
    """Every variable of checkpoint a against b (a model_dir means its latest): the record `diff
    --json` prints; "identical" says whether all are the same. dask: as verify's."""
    return _diff(a, b, dask).record


@checkpoint_errors_only
def verify(path: str | os.PathLike[str] | Location, dask: str | None = None, finite: bool = False) -> Record:
    """Every tensor's crc32c, of every checkpoint of a model_dir or of the one named: the record
    `verify --json` prints (each checkpoint "ok", "corrupt" or "unreadable"). dask: a scheduler's
    address (tcp://host:8786; default CKPT_BROWSER_DASK) to check the bytes on its workers.
    finite: NaN and infinite values count as corrupt too, where the format's reader checks them
    (Orbax, which stores no checksums)."""
    return _verify(path, dask=dask, finite=finite).to_json()


def _verify(
    path: str | os.PathLike[str] | Location,
    progress: Any = None,
    dask: str | None = None,
    tasks: Any = None,
    finite: bool = False,
) -> Any:
    """tasks: hears a cluster's tasks as they finish (done, total, text)."""
    # deferred: start-up: loads google.protobuf, google_crc32c (+60 modules)
    from ckpt_browser.core.model_dir.contents import open_source

    # deferred: start-up: loads google.protobuf, google_crc32c (+70 modules)
    from ckpt_browser.core.values.verify import verify as verify_checkpoints

    # deferred: start-up: loads google.protobuf, google_crc32c (+70 modules)
    from ckpt_browser.core.values.verify import verify_model_dir

    source = open_source(locate(path))
    with _cluster(dask, tasks) as engine:
        if source.selected:
            return verify_checkpoints([source.checkpoint()], progress, engine, finite)
        return verify_model_dir(source.model_dir, progress, engine, finite)
