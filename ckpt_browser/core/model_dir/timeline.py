"""When each checkpoint was written: step against wall time, the save interval, what was kept
and what was written but since deleted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ckpt_browser.core.model_dir.events import EventData, read_events
from ckpt_browser.core.model_dir.scan import CheckpointInfo, ModelDir


@dataclass
class TimelinePoint:
    name: str
    step: int | None
    time: float | None  # seconds since the epoch
    on_disk: bool
    time_from: str  # "state", "events" or "file"


@dataclass
class Timeline:
    points: list[TimelinePoint] = field(default_factory=list)
    every_steps: int | None = None
    every_seconds: float | None = None
    kept: int = 0
    deleted: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = []
        if self.every_steps:
            parts.append(f"saved every {self.every_steps:,} steps")
        if self.every_seconds:
            parts.append(f"about every {self.every_seconds:.3g} s")
        parts.append(f"{self.kept} kept")
        if self.deleted:
            parts.append(
                f"{len(self.deleted)} written but since deleted ({', '.join(self.deleted[:6])}"
                + (", …" if len(self.deleted) > 6 else "")
                + f"): the trainer keeps the last {self.kept}"
            )
        return "; ".join(parts) + "."


def build_timeline(md: ModelDir, events: EventData | None, deleted: Sequence[CheckpointInfo] = ()) -> Timeline:
    """deleted: checkpoints seen on disk earlier (by the window, while training pruned them), as
    they were last seen; counted with those the event files record but the disk no longer has."""
    records = {r.name: r for r in (events.checkpoints if events else [])}
    tl = Timeline()
    names = set()
    for c in md.checkpoints:
        names.add(c.name)
        when: float | None
        if c.time_source in ("state", "metadata", "events") and c.timestamp is not None:
            when, src = c.timestamp, c.time_source
        elif c.name in records:
            when, src = records[c.name].wall_time, "events"
        else:
            when, src = c.timestamp, "file"
        tl.points.append(TimelinePoint(c.name, c.step, when, c.on_disk, src))
    for name, r in records.items():
        if name not in names:
            names.add(name)
            tl.points.append(TimelinePoint(name, r.step, r.wall_time, False, "events"))
            tl.deleted.append(name)
    for c in deleted:
        if c.name not in names:
            names.add(c.name)
            tl.points.append(TimelinePoint(c.name, c.step, c.timestamp, False, c.time_source or "file"))
            tl.deleted.append(c.name)
    tl.points.sort(key=lambda p: (p.step is None, p.step or 0, p.time or 0))
    order = {p.name: i for i, p in enumerate(tl.points)}
    tl.deleted.sort(key=order.__getitem__)
    tl.kept = sum(1 for p in tl.points if p.on_disk)
    stepped = [p for p in tl.points if p.step is not None]
    if len(stepped) >= 2:
        diffs = np.diff([p.step for p in stepped])
        diffs = diffs[diffs > 0]
        if diffs.size:
            tl.every_steps = int(np.median(diffs))
    timed = sorted(p.time for p in tl.points if p.time is not None)
    if len(timed) >= 2:
        gaps = np.diff(timed)
        gaps = gaps[gaps > 0]
        if gaps.size:
            tl.every_seconds = float(np.median(gaps))
    return tl


TIME_SOURCES = {
    "state": "the checkpoint state file's timestamps",
    "metadata": "the checkpoints' own metadata",
    "events": "the event files' checkpoint records",
    "file": "the files' modification times",
}


def needs_event_times(checkpoints: Sequence[CheckpointInfo]) -> bool:
    """Whether any of these checkpoints' only save time is its files' (no state timestamp): the
    event files' checkpoint records may know when the trainer saved it."""
    return any(c.time_source == "file" and c.file_format.has_state_file for c in checkpoints)


def use_event_times(md: ModelDir, events: EventData | None) -> bool:
    """Save times from the event files' checkpoint records for checkpoints whose only time is
    their files' (a copied or downloaded model_dir has the copy's times; the records keep when
    the trainer saved). The state file's timestamps, when it has them, stay. True if any changed."""
    records = {r.name: r.wall_time for r in (events.checkpoints if events else [])}
    changed = False
    for c in md.checkpoints:
        when = records.get(c.name)
        if when is not None and needs_event_times([c]):
            c.timestamp, c.time_source = when, "events"
            changed = True
    return changed


def event_times(md: ModelDir, shown: Sequence[CheckpointInfo]) -> EventData | None:
    """What `ls` reads of the event files: their checkpoint records, only when a checkpoint it
    shows has no save time but its files' -- every other record (graphs, scalars) is skipped
    unread. The times found are applied to md. None when nothing was read."""
    if not needs_event_times(shown):
        return None
    events = read_events(md.path, saves_only=True)
    use_event_times(md, events)
    return events


def times_from(md: ModelDir) -> str:
    """Where the shown save times come from, in words ("" when there are none)."""
    sources = [TIME_SOURCES[s] for s in TIME_SOURCES if any(c.time_source == s and c.timestamp for c in md.checkpoints)]
    return ", ".join(sources)
