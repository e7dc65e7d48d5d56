"""Scalars and checkpoint records from a model_dir's event files, read with TensorFlow's own
TFRecord reader; re-reading a growing file parses only the records not seen yet."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ckpt_browser.core.tfimport import protos, tf

log = logging.getLogger(__name__)

EVENTS_GLOB = "events.out.tfevents.*"


@dataclass
class Series:
    tag: str
    run: str  # "train" for the model_dir itself, else the subfolder ("eval")
    steps: list[int] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    wall: list[float] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "tag": self.tag, "run": self.run, "first_step": min(self.steps) if self.steps else None,
            "last_step": max(self.steps) if self.steps else None, "count": len(self.steps),
        }  # fmt: skip


@dataclass
class CheckpointRecord:
    """A SessionLog CHECKPOINT event: the trainer saved this checkpoint at this step."""

    name: str  # file name of the checkpoint prefix (model.ckpt-300)
    step: int
    wall_time: float


@dataclass
class _FileState:
    size: int = 0
    records: int = 0  # complete records parsed so far


@dataclass
class EventData:
    series: dict[tuple[str, str], Series] = field(default_factory=dict)  # (run, tag)
    checkpoints: list[CheckpointRecord] = field(default_factory=list)

    def scalars_json(self) -> list[dict]:
        return [s.to_json() for _, s in sorted(self.series.items())]

    def snapshot(self) -> EventData:
        """A copy the UI thread can keep while the reader goes on appending."""
        return EventData(
            {k: Series(s.tag, s.run, list(s.steps), list(s.values), list(s.wall)) for k, s in self.series.items()},
            list(self.checkpoints),
        )


class EventReader:
    """Reads a model_dir's event files (root = run "train", subfolders such as eval/ = runs),
    remembering how far each file was read. Use from the TensorFlow worker only."""

    def __init__(self, model_dir: str | os.PathLike) -> None:
        self.model_dir = Path(model_dir)
        self.data = EventData()
        self._files: dict[Path, _FileState] = {}

    def event_files(self) -> list[tuple[str, Path]]:
        out = [("train", p) for p in sorted(self.model_dir.glob(EVENTS_GLOB))]
        try:
            subdirs = sorted(p for p in self.model_dir.iterdir() if p.is_dir() and not p.name.startswith("."))
        except OSError:
            subdirs = []
        for sub in subdirs:
            out += [(sub.name, p) for p in sorted(sub.glob(EVENTS_GLOB))]
        return out

    def refresh(self) -> bool:
        """Read what was appended since the last call; True if anything new arrived."""
        changed = False
        for run, path in self.event_files():
            try:
                size = path.stat().st_size
            except OSError:
                continue
            state = self._files.setdefault(path, _FileState())
            if size == state.size:
                continue
            state.size = size
            changed |= self._read(run, path, state)
        return changed

    def _read(self, run: str, path: Path, state: _FileState) -> bool:
        t = tf()
        event_cls = protos().Event
        checkpoint_status = protos().SessionLog.CHECKPOINT
        new = 0
        try:
            for raw in t.data.TFRecordDataset(str(path)).skip(state.records):
                event = event_cls.FromString(raw.numpy())
                new += 1
                self._add(run, event, checkpoint_status)
        except (t.errors.DataLossError, t.errors.OutOfRangeError) as exc:
            # The writer is mid-record: keep what was complete, read the rest next time.
            log.debug("%s: stopped at a partial record (%s)", path.name, exc)
            state.size = 0  # force a re-read attempt on the next refresh
        except Exception as exc:  # noqa: BLE001 - a damaged file must not stop the others
            log.warning("cannot read %s: %s", path, str(exc).splitlines()[0] if str(exc) else exc)
        state.records += new
        return new > 0

    def _add(self, run: str, event, checkpoint_status: int) -> None:
        if event.HasField("summary"):
            for value in event.summary.value:
                number = _scalar(value)
                if number is None:
                    continue
                s = self.data.series.setdefault((run, value.tag), Series(value.tag, run))
                s.steps.append(int(event.step))
                s.values.append(number)
                s.wall.append(float(event.wall_time))
        elif event.HasField("session_log") and event.session_log.status == checkpoint_status:
            name = Path(event.session_log.checkpoint_path).name
            step = int(event.step)
            if not name.endswith(f"-{step}"):  # Saver hooks log the base path (model.ckpt)
                name = f"{name}-{step}"
            self.data.checkpoints.append(CheckpointRecord(name, int(event.step), float(event.wall_time)))


def _scalar(value) -> float | None:
    kind = value.WhichOneof("value")
    if kind == "simple_value":  # TF 1 / Estimator summaries
        return float(value.simple_value)
    if kind == "tensor" and value.metadata.plugin_data.plugin_name == "scalars":  # TF 2 summaries
        array = tf().make_ndarray(value.tensor)
        if np.size(array) == 1:
            return float(np.asarray(array).reshape(-1)[0])
    return None


def read_events(model_dir: str | os.PathLike) -> EventData:
    reader = EventReader(model_dir)
    reader.refresh()
    return reader.data


def smooth(values: list[float] | np.ndarray, weight: float) -> np.ndarray:
    """TensorBoard's smoothing: a debiased exponential moving average (weight in [0, 1))."""
    v = np.asarray(values, dtype=np.float64)
    if weight <= 0 or v.size == 0:
        return v
    out = np.empty_like(v)
    last, debias = 0.0, 0.0
    for i, x in enumerate(v):
        if not np.isfinite(x):
            out[i] = x
            continue
        last = last * weight + (1 - weight) * x
        debias = debias * weight + (1 - weight)
        out[i] = last / debias
    return out


@dataclass
class Snapshot:
    """A model_dir as it is now: checkpoints, event data, and the paths worth watching."""

    model_dir: object  # ModelDir
    events: EventData
    watch: list[str]


def snapshot(path: str | os.PathLike, reader: EventReader) -> Snapshot:
    """Re-scan a model_dir and read new event records (TensorFlow worker)."""
    from ckpt_browser.core.model_dir import scan_model_dir

    md = scan_model_dir(path)
    reader.refresh()
    watch = [str(p) for _, p in reader.event_files()]
    watch += [str(p) for p in Path(path).iterdir() if p.is_dir()]
    return Snapshot(md, reader.data.snapshot(), watch)
