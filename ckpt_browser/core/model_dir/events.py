"""Scalars and checkpoint records from a model_dir's event files (TFRecords of Event protos), read
without TensorFlow; re-reading a growing file parses only the records appended since."""

from __future__ import annotations

import logging
import os
import struct
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from stat import S_ISDIR, S_ISREG
from typing import TYPE_CHECKING

from ckpt_browser.core import storage
from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.formats.protos import protos
from ckpt_browser.core.formats.sstable import varint
from ckpt_browser.core.formats.tfrecord import Damage, read_records
from ckpt_browser.core.storage import Location, locate, open_file
from ckpt_browser.core.storage.readahead import FIRST, Readahead

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

EVENTS_GLOB = "events.out.tfevents.*"
# How much of the event files a reader reads: nothing, the checkpoint records only (save times,
# the timeline), or every record (the scalars too).
NOTHING, SAVES, ALL = 0, 1, 2


def folder_entries(folder: Location) -> list:
    """A folder's (name, stat) sorted by name; nothing if it is not there (yet) or unreadable."""
    try:
        return sorted(storage.list_dir(folder), key=lambda e: e[0])
    except CheckpointError:
        if folder.is_remote and storage.exists(folder):
            raise  # a bucket that cannot be asked is not an empty folder
        return []


def _is_events(name: str, st) -> bool:
    return fnmatchcase(name, EVENTS_GLOB)  # a folder of that name too: refresh says it cannot be read


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
    offset: int = 0  # end of the last complete record parsed
    records: int = 0
    last_step: int | None = None
    damaged: bool = False  # a bad record was met: what follows it is not trusted
    partial: str | None = None  # the note about a partial last record, while there is one


@dataclass
class EventData:
    series: dict[tuple[str, str], Series] = field(default_factory=dict)  # (run, tag)
    checkpoints: list[CheckpointRecord] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # damaged or unreadable event files

    def scalars_json(self) -> list[dict]:
        return [s.to_json() for _, s in sorted(self.series.items())]

    def snapshot(self) -> EventData:
        """A copy the UI thread can keep while the reader goes on appending."""
        return EventData(
            {k: Series(s.tag, s.run, list(s.steps), list(s.values), list(s.wall)) for k, s in self.series.items()},
            list(self.checkpoints),
            list(self.notes),
        )


def event_files(model_dir: str | os.PathLike | Location) -> list[tuple[str, Location]]:
    """(run, path) of each events file: the model_dir's own, then each subfolder's. One
    listing per folder (on a bucket, a request each); nothing is read."""
    model_dir = locate(model_dir)  # a Location as it is
    root = folder_entries(model_dir)
    out = [("train", model_dir / name) for name, st in root if _is_events(name, st)]
    subdirs = sorted(name for name, st in root if st is not None and S_ISDIR(st.st_mode) and name[:1] != ".")
    for sub in subdirs:
        folder = model_dir / sub
        out += [(sub, folder / name) for name, st in folder_entries(folder) if _is_events(name, st)]
    return out


_SESSION_LOG = 7  # Event.session_log's field number


def _not_a_save(head: bytes, length: int, steps: list[int]) -> bool:
    """Whether an Event record is certainly no SessionLog, from its first bytes: its fields are
    walked in order until a length-delimited one other than session_log runs to the record's end
    (the graph, a summary): protobuf keeps the last field of a oneof, so nothing can change that.
    Anything else -- a session_log, fields beyond the first bytes -- is read and parsed whole.
    The record's step, when seen, is appended to ``steps`` (for the damage note)."""
    pos = 0
    try:
        while pos < len(head):
            key, pos = varint(head, pos)
            number, wire = key >> 3, key & 7
            if wire == 0:
                value, pos = varint(head, pos)
                if number == 2:  # Event.step, an int64
                    steps.append(value - (1 << 64) if value >= 1 << 63 else value)
            elif wire == 1:
                pos += 8
            elif wire == 5:
                pos += 4
            elif wire == 2 and number != _SESSION_LOG:
                n, pos = varint(head, pos)
                if pos + n == length:
                    return True
                pos += n
            else:
                return False
    except (IndexError, ValueError):  # the first bytes end inside a field: read it whole
        return False
    return False


class EventReader:
    """Reads a model_dir's event files (root = run "train", subfolders such as eval/ = runs),
    remembering how far each file was read. Use from one thread at a time.

    saves_only: read the checkpoint records only (save times, the timeline): every other record
    is skipped after its first bytes, unread -- the graphs are most of an Estimator's events."""

    def __init__(self, model_dir: str | os.PathLike | Location, saves_only: bool = False) -> None:
        self.model_dir = locate(model_dir)  # a Location as it is
        self.data = EventData()
        self.level = SAVES if saves_only else ALL
        self._files: dict[Location, _FileState] = {}

    def event_files(self) -> list[tuple[str, Location]]:
        return event_files(self.model_dir)

    def refresh(self) -> bool:
        """Read what was appended since the last call; True if anything new arrived."""
        changed = False
        for run, path in self.event_files():
            st = storage.stat(path)
            if st is None or not S_ISREG(st.st_mode):
                self._note(path, f"events file {self._label(path)} cannot be read")
                continue
            size = st.st_size
            state = self._files.setdefault(path, _FileState())
            if size == state.size or state.damaged:
                continue
            if size < state.size:  # rewritten from scratch
                state.offset = state.records = 0
            state.size = size
            changed |= self._read(run, path, state)
        return changed

    def _label(self, path: Location) -> str:
        try:
            return path.relative_to(self.model_dir)
        except (ValueError, TypeError):
            return path.name

    def _note(self, path: Location, text: str) -> None:
        if text not in self.data.notes:
            self.data.notes.append(text)
            log.info("%s", text)

    def _read(self, run: str, path: Location, state: _FileState) -> bool:
        p = protos()
        checkpoint_status = p.SessionLog.CHECKPOINT
        damage: list[Damage] = []
        new = 0
        try:
            # Every record: front to back, in big requests on a bucket. Checkpoint records only:
            # around the headers, the graphs between them skipped (Readahead).
            f = open_file(path, block=1 << 20) if self.level == ALL else Readahead(open_file(path, block=FIRST))
        except CheckpointError as exc:
            self._note(path, f"events file {self._label(path)}: {exc}")
            return False
        steps: list[int] = []  # of the records skipped unread
        skip = (lambda head, length: _not_a_save(head, length, steps)) if self.level == SAVES else None
        try:
            for offset, raw in read_records(f, state.offset, state.size, damage, skip):
                if raw is None:  # not a checkpoint record, and only those are wanted
                    state.offset = offset
                    state.records += 1
                    if steps and (steps[-1] or state.last_step is None):
                        state.last_step = steps[-1]
                    steps.clear()
                    continue
                try:
                    event = p.Event.FromString(raw)
                except Exception:  # noqa: BLE001 - protobuf's DecodeError: the record is not an Event
                    damage.append(Damage(state.offset, "a record is not an Event"))
                    break
                state.offset = offset
                state.records += 1
                new += 1
                if event.step or state.last_step is None:
                    state.last_step = int(event.step)
                self._add(run, event, checkpoint_status)
        except CheckpointError as exc:  # the file shrank or vanished while being read
            self._note(path, f"events file {self._label(path)}: {exc}")
        finally:
            f.close()
        if state.partial in self.data.notes:  # said before: the record may be complete by now
            self.data.notes.remove(state.partial)
        state.partial = None
        if not damage and state.offset < state.size:
            state.partial = (
                f"events file {self._label(path)} ends in a partial record at byte {state.offset:,} "
                f"of {state.size:,}: being written, or truncated there"
            )
            self._note(path, state.partial)
        if damage:
            state.damaged = True
            after = f" after record {state.records:,}" + (
                f" (step {state.last_step})" if state.last_step is not None else ""
            )
            self._note(
                path,
                f"events file {self._label(path)} is damaged{after}: {damage[0].reason}; later records are not shown",
            )
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
        return tensor_scalar(value.tensor)
    return None


_VALUE_FIELDS = ("float_val", "double_val", "int_val", "int64_val", "bool_val", "uint32_val", "uint64_val")
# DataType -> struct format of one element, for the numeric types a scalar summary can hold.
_STRUCT = {1: "<f", 2: "<d", 3: "<i", 4: "<B", 5: "<h", 6: "<b", 9: "<q", 10: "<?", 17: "<H", 19: "<e",
           22: "<I", 23: "<Q"}  # fmt: skip
_BFLOAT16 = 14


def tensor_scalar(t) -> float | None:
    """The one number a TensorProto holds, or None. The shape is checked before anything is
    materialised: a crafted [2**31] tensor must not allocate gigabytes."""
    if any(d.size != 1 for d in t.tensor_shape.dim):
        return None
    if t.dtype == _BFLOAT16:  # the upper half of a float32
        bits = t.tensor_content or (t.half_val[0] & 0xFFFF).to_bytes(2, "little") if t.half_val else t.tensor_content
        return struct.unpack("<f", b"\0\0" + bits)[0] if len(bits) == 2 else None
    fmt = _STRUCT.get(t.dtype)
    if fmt is None:
        return None
    if t.tensor_content:
        if len(t.tensor_content) != struct.calcsize(fmt):
            return None
        return float(struct.unpack(fmt, t.tensor_content)[0])
    if t.half_val:  # float16: the bits, in an int32
        return struct.unpack("<e", (t.half_val[0] & 0xFFFF).to_bytes(2, "little"))[0]
    for name in _VALUE_FIELDS:
        values = getattr(t, name)
        if values:
            return float(values[0])
    return None


def read_events(model_dir: str | os.PathLike | Location, saves_only: bool = False) -> EventData:
    """Every record of the event files, or with saves_only their checkpoint records only."""
    reader = EventReader(model_dir, saves_only)
    reader.refresh()
    return reader.data


def smooth(values: list[float] | np.ndarray, weight: float) -> np.ndarray:
    """TensorBoard's smoothing: a debiased exponential moving average (weight in [0, 1))."""
    import numpy as np

    v = np.asarray(values, dtype=np.float64)
    if weight <= 0 or v.size == 0:
        return v
    out = v.copy()  # NaN and inf stay where they are and do not enter the average
    finite = np.isfinite(v)
    x = v[finite]
    # last_n = w last_(n-1) + (1-w) x_n, in blocks: inside a block the sum is one product with
    # the lower-triangular matrix of powers w^(j-k) (all <= 1: no overflow), plus the carry.
    # 100,000 points take ~10 ms instead of ~60 ms of a Python loop: the slider stays smooth.
    block = 256
    j = np.arange(block)
    powers = np.tril(weight ** np.clip(j[:, None] - j[None, :], 0, None))
    carry_w = weight ** (j + 1)
    last = np.empty_like(x)
    carry = 0.0
    for start in range(0, x.size, block):
        chunk = x[start : start + block]
        n = chunk.size
        last[start : start + n] = (1 - weight) * (powers[:n, :n] @ chunk) + carry_w[:n] * carry
        carry = last[start + n - 1]
    debias = 1 - weight ** np.arange(1, x.size + 1)
    out[finite] = last / debias
    return out
