"""Live refresh: a model_dir scanned again, with as much of its event files as the window wants
(nothing, the checkpoint records, or every record) read since the last look."""

from __future__ import annotations

import os
from dataclasses import dataclass
from stat import S_ISDIR

from ckpt_browser.core.model_dir.contents import mark_damaged
from ckpt_browser.core.model_dir.events import ALL, NOTHING, SAVES, EventData, EventReader, event_files, folder_entries
from ckpt_browser.core.model_dir.scan import ModelDir, scan_model_dir
from ckpt_browser.core.model_dir.timeline import needs_event_times, use_event_times
from ckpt_browser.core.storage import Location, locate


@dataclass
class Snapshot:
    """A model_dir as it is now: checkpoints, event data, and the paths worth watching."""

    model_dir: ModelDir
    events: EventData | None  # None: the event files were not read (nothing showed them)
    watch: list[str]
    reader: EventReader | None = None  # to hand to the next snapshot: it reads on from there
    level: int = NOTHING  # how much of the event files `events` holds (events.NOTHING, SAVES, ALL)


def snapshot(path: str | os.PathLike | Location, reader: EventReader | None, wanted: int = ALL) -> Snapshot:
    """Re-scan a model_dir and read what is new in its event files, as much as ``wanted`` (the
    reading worker). The checkpoint records are read anyway when a checkpoint's only save time
    is its files' (the list shows when the trainer saved it). A folder with no checkpoint yet
    (or none at all yet) is an empty snapshot: the window keeps watching it."""
    path = locate(path)  # the window's ModelDir.path: as it is
    md = scan_model_dir(path, allow_empty=True)
    mark_damaged(md)
    level = max(wanted, SAVES if needs_event_times(md.checkpoints) else NOTHING)
    if level > NOTHING and (reader is None or reader.level < level):
        reader = EventReader(path, saves_only=level == SAVES)  # more is wanted: read from the start
    events = None
    if level > NOTHING and reader is not None:
        reader.refresh()
        events = reader.data.snapshot()
        use_event_times(md, events)  # a copied model_dir: the event records keep the save times
        level = reader.level
    watch = [str(p) for _, p in event_files(path)]
    watch += [str(path / name) for name, st in folder_entries(path) if st is not None and S_ISDIR(st.st_mode)]
    return Snapshot(md, events, watch, reader, level)
