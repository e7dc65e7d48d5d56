"""What the app state keeps per open source and from background work, apart from the rules
(app_state.py): a source's event files as read so far, the checkpoints training deleted while it
was watched, the self-check's findings, the folders of runs and the scans started early."""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from pathlib import Path

from ckpt_browser.core.checks.mismatch import CheckResult
from ckpt_browser.core.model_dir.events import NOTHING, EventData, EventReader
from ckpt_browser.core.model_dir.runs import RunsFolder
from ckpt_browser.core.model_dir.scan import CheckpointInfo, ModelDir


@dataclass
class SourceRecord:
    """One open source (a model_dir) and what was learnt about it in the background."""

    model_dir: ModelDir
    events: EventData | None = None  # a snapshot for the UI thread
    level: int = NOTHING  # how much of the event files `events` holds (events.SAVES, ALL)
    wanted: int = NOTHING  # how much a view asked for
    reader: EventReader | None = None  # the reading worker's: the next refresh reads on from there
    gone: dict[str, CheckpointInfo] = field(default_factory=dict)  # deleted while watched, as last seen

    def rescanned(self, model_dir: ModelDir) -> list[str]:
        """Take a re-scan: the names of the checkpoints it no longer has."""
        now = set(model_dir.names())
        lost = [c for c in self.model_dir.checkpoints if c.name not in now]
        self.gone.update({c.name: replace(c, on_disk=False) for c in lost})
        self.model_dir = model_dir
        return [c.name for c in lost]


def findings_by_prefix(results: list[CheckResult]) -> dict[Path, dict[str, str]]:
    """The self-check's findings: checkpoint prefix -> variable -> what is wrong with it."""
    return {
        r.prefix: {
            f.variable: f"Does not fit {r.against}: stored {f.checkpoint or 'nothing'}, declared {f.model or 'nothing'}"
            for f in r.findings
        }
        for r in results
    }


class Background:
    """Results of work started outside the rules: scans begun before the window, folders of runs."""

    def __init__(self) -> None:
        self.scans: dict[str, Future] = {}  # path -> Future of open_source_or_runs (ui/app.scan_early)
        self.runs_folders: dict[Path, RunsFolder] = {}  # folders of runs opened, by path

    def folder_of(self, path: Path) -> RunsFolder | None:
        """The open folder of runs that holds this model_dir as one of its runs."""
        return next((f for f in self.runs_folders.values() if path in f.runs.values()), None)
