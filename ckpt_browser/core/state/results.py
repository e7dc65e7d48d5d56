"""What background work found about the open sources, as part of the app state (``state.results``,
as napari's ViewerModel holds its layers and dims as evented parts): each source's event files as
read so far, the checkpoints training deleted while it was watched, the self-check's findings,
Verify's verdicts, the folders of runs, and the scans started before the window. Qt-free; the
window renders it (ui/window_render.py); docs/app-state.md lists its events."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field, replace

from ckpt_browser.core.checks.mismatch import CheckResult
from ckpt_browser.core.model_dir.events import ALL, NOTHING, EventData, EventReader
from ckpt_browser.core.model_dir.runs import RunsFolder
from ckpt_browser.core.model_dir.scan import CheckpointInfo, ModelDir
from ckpt_browser.core.state.evented import Evented
from ckpt_browser.core.storage import Location
from ckpt_browser.core.values.verify import OK, Report

EVENTS = (
    "events_read",  # a source's path: more of its event files was read
    "note",  # text: a damaged or unreadable events file, said once
    "findings",  # the prefixes the self-check looked at
    "verified",  # the prefixes Verify looked at
    "runs",  # a folder of runs' path: opened, or new runs found below it
    "alarm",  # (a source's path, "NaN"/"Inf"/"NaN and Inf", text): a live run's new checkpoint holds them
)


@dataclass
class SourceRecord:
    """One open source and what was learnt about it in the background."""

    events: EventData | None = None  # a snapshot for the UI thread
    level: int = NOTHING  # how much of the event files `events` holds (events.SAVES, ALL)
    wanted: int = NOTHING  # how much a view asked for
    reader: EventReader | None = None  # the reading worker's: the next refresh reads on from there
    gone: dict[str, CheckpointInfo] = field(default_factory=dict)  # deleted while watched, as last seen
    # Checkpoints the live NaN/Inf check need not look at: there when the source opened, or looked at.
    health_seen: set[str] = field(default_factory=set)


class Results(Evented):
    EVENTS = EVENTS

    def __init__(self) -> None:
        super().__init__()
        self._records: dict[Location, SourceRecord] = {}
        self._findings: dict[Location, dict[str, str]] = {}  # prefix -> variable -> finding text
        self._mismatched: set[Location] = set()  # prefixes that do not fit their own graph
        self._corrupt: dict[Location, str] = {}  # prefix -> what Verify found wrong
        self._runs_folders: dict[Location, RunsFolder] = {}  # folders of runs opened, by path
        self._scans: dict[str, Future] = {}  # path -> Future of open_source_or_runs (ui/app.scan_early)

    # -- the sources' lifetimes (told by AppState) -------------------------------------------
    def opened(self, path: Location, names: Iterable[str] = ()) -> None:
        """A source opened with these checkpoints (not news for the live NaN/Inf check)."""
        self._records[path] = SourceRecord(health_seen=set(names))

    def rescanned(self, old: ModelDir, new: ModelDir) -> None:
        """Checkpoints a re-scan no longer finds: kept, as last seen, for the Timeline."""
        record = self._records.get(new.path)
        if record is not None:
            now = set(new.names())
            record.gone.update({c.name: replace(c, on_disk=False) for c in old.checkpoints if c.name not in now})

    # -- the live NaN/Inf check of new checkpoints ---------------------------------------------
    def take_new(self, model_dir: ModelDir) -> list[CheckpointInfo]:
        """The checkpoints of a re-scanned source that appeared since it opened and are now whole
        (files there, not being written), each given once: the live check's to look at."""
        record = self._records.get(model_dir.path)
        if record is None:  # closed
            return []
        new = [c for c in model_dir.checkpoints if c.name not in record.health_seen and c.files_ok
               and not c.being_written]  # fmt: skip
        record.health_seen.update(c.name for c in new)
        return new

    def set_alarm(self, path: Location, kinds: str, text: str) -> None:
        """The live check found NaN or Inf (dropped when the source was closed meanwhile)."""
        if path in self._records:
            self.events.alarm((path, kinds, text))

    def closed(self, model_dir: ModelDir) -> None:
        self._records.pop(model_dir.path, None)
        for c in model_dir.checkpoints:
            self._findings.pop(c.prefix, None)
            self._mismatched.discard(c.prefix)
            self._corrupt.pop(c.prefix, None)

    # -- event files -------------------------------------------------------------------------
    def events_of(self, path: Location, level: int = NOTHING) -> EventData | None:
        """The source's event files as read so far, if read as far as level (events.SAVES, ALL)."""
        record = self._records.get(path)
        return record.events if record is not None and record.level >= level else None

    def event_level(self, path: Location) -> int:
        record = self._records.get(path)
        return record.level if record is not None else NOTHING

    def events_wanted(self, path: Location) -> int:
        record = self._records.get(path)
        return record.wanted if record is not None else NOTHING

    def event_reader(self, path: Location) -> EventReader | None:
        record = self._records.get(path)
        return record.reader if record is not None else None

    def want_events(self, path: Location, level: int) -> bool:
        """A view wants this source's event files read this far. True if that is news: the
        reading worker is to be asked (the next refresh reads them)."""
        record = self._records.get(path)
        if record is None or record.level >= level or record.wanted >= level:
            return False
        record.wanted = level
        return True

    def set_events(self, path: Location, events: EventData | None, level: int, reader: EventReader | None) -> None:
        """A refresh read the event files (events None: it did not read them)."""
        record = self._records.get(path)
        if record is None:
            return
        if reader is not None:
            record.reader = reader
        if events is None:
            return
        old_notes = record.events.notes if record.events is not None else []
        record.events, record.level = events, level
        with self.events.batch():
            for note in events.notes:
                if note not in old_notes:
                    self.events.note(note)
            self.events.events_read(path)

    # -- deleted checkpoints -----------------------------------------------------------------
    def gone(self, path: Location) -> tuple[CheckpointInfo, ...]:
        """The checkpoints training deleted while the source was open, as last seen."""
        record = self._records.get(path)
        return tuple(record.gone.values()) if record is not None else ()

    def deleted(self, path: Location) -> list[str]:
        return [c.name for c in self.gone(path)]

    # -- the self-check and Verify -----------------------------------------------------------
    def set_findings(self, results: list[CheckResult]) -> None:
        """The self-check of a source's checkpoints against their own graphs."""
        for r in results:
            self._findings[r.prefix] = {
                f.variable: f"Does not fit {r.against}: stored {f.checkpoint or 'nothing'}, "
                f"declared {f.model or 'nothing'}"
                for f in r.findings
            }
        checked = {r.prefix for r in results}
        self._mismatched = (self._mismatched - checked) | {r.prefix for r in results if r.findings}
        self.events.findings(frozenset(checked))

    def findings_of(self, prefix: Location) -> dict[str, str]:
        return dict(self._findings.get(prefix, {}))

    def mismatched(self) -> frozenset[Location]:
        return frozenset(self._mismatched)

    def set_verified(self, report: Report) -> None:
        """Verify's verdicts: corrupt checkpoints flagged, re-verified ones cleared."""
        for v in report.verdicts:
            self._corrupt.pop(v.prefix, None)
            if v.status != OK:
                self._corrupt[v.prefix] = v.error or "; ".join(v.problems)
        self.events.verified(frozenset(v.prefix for v in report.verdicts))

    def corrupt(self) -> dict[Location, str]:
        return dict(self._corrupt)

    # -- folders of runs, and scans begun early ----------------------------------------------
    def runs_folders(self) -> list[Location]:
        return list(self._runs_folders)

    def runs_folder(self, path: Location) -> RunsFolder | None:
        return self._runs_folders.get(path)

    def runs_folder_found(self, runs: RunsFolder) -> list[Location]:
        """A folder of runs was opened or looked at again: the runs in it not seen before."""
        known = self._runs_folders.get(runs.path)
        self._runs_folders[runs.path] = runs
        new = [p for name, p in runs.runs.items() if known is None or name not in known.runs]
        self.events.runs(runs.path)
        return new

    def forget_runs_folder(self, path: Location) -> None:
        """Stop looking for new runs below it (it turned out to be a model_dir of its own)."""
        self._runs_folders.pop(path, None)

    def sibling_runs(self, path: Location) -> list[tuple[str, Location]]:
        """The runs of the folder of runs holding this model_dir, by name (none: it is not a run)."""
        folder = next((f for f in self._runs_folders.values() if path in f.runs.values()), None)
        return list(folder.runs.items()) if folder is not None else []

    def runs_of(self, path: Location) -> tuple[tuple[str, EventData], ...]:
        """The events of every open run beside this one, by run name, as far as read whole."""
        return tuple(
            (name, events) for name, p in self.sibling_runs(path) if (events := self.events_of(p, ALL)) is not None
        )

    def add_scans(self, scans: Mapping[str, Future]) -> None:
        """Scans of the command line's paths started before the window (ui/app.scan_early)."""
        self._scans.update(scans)

    def take_scan(self, key: str) -> Future | None:
        return self._scans.pop(key, None)
