"""A folder of runs: the model_dirs below a parent folder, found as TensorBoard finds the runs
under ``--logdir`` (any depth, up to a limit), each one then opened as a model_dir of its own."""

from __future__ import annotations

import os
import stat
from collections import deque
from dataclasses import dataclass, field

from ckpt_browser.core import storage
from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.formats import registry
from ckpt_browser.core.storage import Location

MAX_DEPTH = 6  # folders below the parent; runs/<sweep>/<lr>/<seed>/ is 3
MAX_FOLDERS = 5_000  # listed at most: a runs folder pointed at a home directory must not walk it all


@dataclass
class RunsFolder:
    """The model_dirs found below a folder, by their path relative to it ("lr_0.1/seed_2")."""

    path: Location
    runs: dict[str, Location] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def names(self) -> list[str]:
        return list(self.runs)


def holds_checkpoints(entries: list[tuple[str, object]], folder: Location | None = None) -> bool:
    """Whether a folder's listing is a model_dir's: a checkpoint of any format (the registry knows
    their names, and a folder format's marker may look into a few sub-folders of the folder)."""
    return registry.holds_checkpoints(
        entries, lambda st: st is not None and stat.S_ISREG(getattr(st, "st_mode", 0)), folder
    )


def runs_below(
    path: str | os.PathLike | Location, max_depth: int = MAX_DEPTH, max_folders: int = MAX_FOLDERS
) -> RunsFolder:
    """Every model_dir below ``path`` (not ``path`` itself), breadth first; a model_dir's own
    subfolders (eval/, export/) belong to it and are not searched. Hidden folders are skipped,
    and a folder reached twice through links is listed once."""
    # Local folders by their real path: the runs are then the model_dirs the window opens.
    root = storage.locate(path)
    if not root.is_remote:
        root = storage.locate(root.local.resolve())
    out = RunsFolder(root)
    seen: set[tuple[int, int]] = set()
    queue: deque[tuple[Location, int]] = deque([(root, 0)])
    listed = 0
    deeper = False
    while queue:
        folder, depth = queue.popleft()
        if listed >= max_folders:
            out.notes.append(f"stopped looking for runs after {max_folders:,} folders: open a folder nearer the runs")
            break
        try:
            entries = storage.list_dir(folder)
        except CheckpointError as exc:
            if folder == root:
                raise
            out.notes.append(str(exc))
            continue
        listed += 1
        if folder != root and holds_checkpoints(entries, folder):
            out.runs[_relative(root, folder)] = folder
            continue
        for name, st in sorted(entries, key=lambda e: e[0]):
            if st is None or not stat.S_ISDIR(getattr(st, "st_mode", 0)) or name.startswith("."):
                continue
            if depth + 1 > max_depth:
                deeper = True
                continue
            key = (getattr(st, "st_dev", 0), getattr(st, "st_ino", 0))
            if key != (0, 0):  # local folders: a link back up would loop
                if key in seen:
                    continue
                seen.add(key)
            queue.append((folder / name, depth + 1))
    if deeper:
        out.notes.append(f"folders more than {max_depth} levels below {root.name} were not searched")
    out.runs = dict(sorted(out.runs.items()))
    return out


def find_runs(folder, depth: int = MAX_DEPTH) -> list[Location]:
    """The model_dirs below a folder, by path (runs_below without the names and notes)."""
    return list(runs_below(folder, depth).runs.values())


def _relative(root: Location, folder: Location) -> str:
    text, base = str(folder), str(root).rstrip("/")
    return text[len(base) + 1 :] if text.startswith(base + "/") else folder.name


def open_source_or_runs(path: str | Location, allow_empty: bool = True):
    """What the window opens for a path: its Source, or -- a folder with no checkpoint of its own
    and model_dirs below it -- the RunsFolder of those (each then opened as a source)."""
    # deferred: start-up: loads google.protobuf, google_crc32c (+44 modules)
    from ckpt_browser.core.model_dir.contents import open_source

    where = storage.locate(path)  # what the window typed, opened or dropped: its Location as it is
    source = open_source(where, allow_empty=allow_empty)
    if source.model_dir.checkpoints or not storage.is_dir(where):
        return source
    runs = runs_below(where)
    return runs if runs.runs else source
