"""Find the checkpoints of a model_dir: the checkpoint state merged with the files on disk."""

from __future__ import annotations

import logging
import os
import re
import stat
import time
from dataclasses import dataclass, field, replace

from ckpt_browser.core import storage
from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.formats import registry
from ckpt_browser.core.formats.reader import remember_format, remembered_in
from ckpt_browser.core.model_dir.resolve import DATA_RE
from ckpt_browser.core.model_dir.resolve import resolve_path as resolve_path  # where callers found it
from ckpt_browser.core.model_dir.state import STATE_FILE, read_state
from ckpt_browser.core.storage import Location

log = logging.getLogger(__name__)

_STEP_RE = re.compile(r"-(\d{1,18})$")
SAVED_MODEL_VARIABLES = "variables/variables"
BEING_WRITTEN_SECONDS = 20.0


@dataclass
class CheckpointInfo:
    """One checkpoint of a model_dir, as the state file and the disk describe it."""

    name: str  # prefix relative to the model_dir, e.g. "model.ckpt-300"
    prefix: Location  # where its files are (or would be): a local path or a URL
    step: int | None = None
    timestamp: float | None = None  # seconds since the epoch
    latest: bool = False
    in_state: bool = False
    on_disk: bool = False  # its .index exists
    files_ok: bool = False  # index and every data shard present
    has_meta: bool = False
    shards: int = 0  # shard count the data file names declare
    bytes: int = 0  # index + data shards
    problem: str | None = None  # what is wrong with its files, for the user
    time_source: str = ""  # "state" (the checkpoint file's timestamps), "events" (their records) or "file" (mtime)
    being_written: bool = False  # incomplete, but its files changed moments ago
    # Incomplete by its writer's own mark, not a guess from the time: an Orbax step still under its
    # tmp name or without its commit marker. verify and health leave it out (Orbax's restore does).
    unfinished: bool = False
    format: str = "tf"  # its registry name (core/formats/registry.py); "file" formats: prefix is the file

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "step": self.step,
            "latest": self.latest,
            "in_state": self.in_state,
            "files_ok": self.files_ok,
            "has_meta": self.has_meta,
            "shards": self.shards,
            "bytes": self.bytes,
            "timestamp": self.timestamp,
            "time_source": self.time_source,
            "problem": self.problem,
        }

    @property
    def file_format(self) -> registry.Format:
        return registry.of_name(self.format)

    def shards_cell(self) -> str:
        """The Shards column: its data files (a bundle's, an index.json's shards); empty for a
        format whose checkpoints have none (one model file, an Orbax step)."""
        return str(self.shards) if self.file_format.capabilities.shards else ""

    def meta_cell(self) -> str:
        """The Meta column: whether its MetaGraph (.meta) is there; empty where a format has none."""
        if not self.file_format.has_meta_file:
            return ""
        return "yes" if self.has_meta else "no"

    def flags(self, state_known: bool = True) -> list[str]:
        """Short labels for the list: latest, not in state, files missing, ...

        "not in state" means nothing when the model_dir has no usable state file.
        """
        out = []
        if self.latest:
            out.append("latest")
        if self.being_written:
            out.append("being written")
            return out
        if state_known and self.on_disk and not self.in_state and self.file_format.has_state_file:
            out.append("not in state")
        if self.in_state and not self.on_disk:
            out.append("files missing")
        elif self.problem:
            out.append("damaged")
        return out


@dataclass
class ModelDir:
    """A folder of checkpoints."""

    path: Location
    checkpoints: list[CheckpointInfo] = field(default_factory=list)
    latest: str | None = None
    notes: list[str] = field(default_factory=list)  # things the user should know
    state_error: str | None = None  # why the checkpoint state could not be used
    has_state: bool = False  # a readable state file named at least one checkpoint

    def snapshot(self) -> ModelDir:
        """A copy for a worker: the window updates its own ModelDir in place on live refresh,
        and a worker must never see a list change under it."""
        return replace(self, checkpoints=[replace(c) for c in self.checkpoints], notes=list(self.notes))

    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.checkpoints)

    def find(self, name: str) -> CheckpointInfo | None:
        for info in self.checkpoints:
            if info.name == name:
                return info
        return None

    def default_checkpoint(self) -> CheckpointInfo | None:
        """The one to show first: the latest readable, else the newest on disk."""
        latest = self.find(self.latest) if self.latest else None
        if latest is not None and latest.on_disk:
            return latest
        on_disk = [c for c in self.checkpoints if c.on_disk]
        return on_disk[-1] if on_disk else None


def _step_of(name: str) -> int | None:
    m = _STEP_RE.search(name)
    return int(m.group(1)) if m else None


def _disk_prefixes(model_dir: Location, listings: dict) -> list[str]:
    names = []
    entries = _listing(model_dir, listings, strict=True)
    for name, _ in entries:
        if name.endswith(".index") and not name.startswith("."):
            names.append(name[: -len(".index")])
    listed = {name for name, _ in entries}
    if "saved_model.pb" in listed and storage.exists(model_dir / (SAVED_MODEL_VARIABLES + ".index")):
        names.append(SAVED_MODEL_VARIABLES)
    return names


def _stat(path: Location):
    """os.stat, or None for anything that cannot be looked at (missing, a dangling link, a name
    too long for the file system, no permission): the caller says what that means."""
    return storage.stat(path)


def _listing(folder: Location, cache: dict, strict: bool = False):
    """(name, stat or None) of each entry of a folder, listed once per scan. A local folder that
    cannot be listed is empty unless strict; a bucket that cannot be asked is always an error."""
    key = str(folder)
    if key not in cache:
        try:
            cache[key] = storage.list_dir(folder)
        except CheckpointError:
            if strict or folder.is_remote:
                raise
            cache[key] = []
    return cache[key]


MAX_SHARDS = 100_000  # what a data file name may declare; beyond, the name itself is damaged


def _fill_files(info: CheckpointInfo, listings: dict | None = None) -> None:
    """Look at the checkpoint's files: index, data shards, meta; say what is wrong."""
    prefix = info.prefix
    index = prefix.plus(".index")
    meta_stat = _stat(prefix.plus(".meta"))
    info.has_meta = meta_stat is not None and stat.S_ISREG(meta_stat.st_mode)
    index_stat = _stat(index)
    info.on_disk = index_stat is not None
    folder = prefix.parent
    base = prefix.name
    data: dict[int, os.stat_result | None] = {}  # shard -> its stat (None: unreadable)
    declared = 0
    for name, st in _listing(folder, {} if listings is None else listings):
        if not name.startswith(base + ".data-"):
            continue
        m = DATA_RE.search(name)
        if not m or name[: m.start()] != base:
            continue
        declared = max(declared, int(m.group(2)))
        data[int(m.group(1))] = st
    info.shards = declared
    info.bytes = sum(st.st_size for st in data.values() if st is not None) + (index_stat.st_size if index_stat else 0)
    if info.timestamp is not None:
        info.time_source = "state"
    else:
        info.time_source = "file"
        stamp_from = index_stat or next((st for st in data.values() if st is not None), None)
        info.timestamp = stamp_from.st_mtime if stamp_from else None

    if not info.on_disk:
        info.problem = f"{index.name} is missing" + ("" if data else " and so are its data files")
    elif not stat.S_ISREG(index_stat.st_mode):
        info.problem = f"{index.name} is not a file"
    elif index_stat.st_size == 0:
        info.problem = f"{index.name} is empty"
    elif declared == 0:
        info.problem = f"no data file {base}.data-00000-of-0000N next to {index.name}"
    elif declared > MAX_SHARDS:
        info.problem = f"a data file of {base} claims {declared:,} shards: its name is damaged"
    else:
        missing = [i for i in range(declared) if data.get(i) is None]  # absent, or a dangling link
        if missing:
            first = f"{base}.data-{missing[0]:05d}-of-{declared:05d}"
            more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
            info.problem = f"{first} is missing{more}: the checkpoint has {declared} shards"
    info.files_ok = info.problem is None
    if info.problem and index_stat is not None:
        # A trainer writing this checkpoint right now: say so, and look again on the next scan.
        newest = max([index_stat.st_mtime] + [st.st_mtime for st in data.values() if st is not None])
        info.being_written = time.time() - newest < BEING_WRITTEN_SECONDS


def _folder_checkpoints(model_dir: Location, by_name: dict[str, CheckpointInfo]) -> str | None:
    """The checkpoints a "folder" format finds in model_dir (Orbax's step folders), added to
    by_name; the name of the latest complete one."""
    found = registry.scan_folder(model_dir)
    if found is None:
        return None
    fmt, checkpoints = found
    latest = None
    for c in checkpoints:
        remember_format(c.path, fmt)
        by_name[c.name] = CheckpointInfo(
            name=c.name, prefix=storage.locate(c.path), step=c.step, timestamp=c.timestamp, on_disk=True,
            files_ok=c.complete and c.problem is None, problem=c.problem, bytes=c.bytes, format=fmt.name,
            time_source="metadata" if c.timestamp is not None else "file", being_written=not c.complete,
            unfinished=not c.complete,
        )  # fmt: skip
        if c.complete and c.problem is None:
            key = (c.step if c.step is not None else -1, c.name)
            if latest is None or key > latest[0]:
                latest = (key, c.name)
    if latest is not None:
        by_name[latest[1]].latest = True
    return latest[1] if latest else None


WAITING = "No checkpoint here yet: the folder is watched, and checkpoints appear as training writes them."


def scan_model_dir(path: str | os.PathLike | Location, allow_empty: bool = False) -> ModelDir:
    """List the checkpoints of a model_dir: the state file merged with the files on disk.

    allow_empty (the window): a folder with no checkpoint yet, or one that does not exist yet, is
    an empty ModelDir to watch (users open the browser, then start the training job)."""
    model_dir = storage.locate(path)  # a Location as it is: resolve_path's, the window's
    storage.forget_listings(model_dir)  # a bucket's listing is cached: look at it as it is now
    if not storage.is_dir(model_dir):
        if allow_empty and not storage.exists(model_dir):
            return ModelDir(
                path=model_dir, notes=[WAITING.replace("the folder is", "the folder does not exist yet; it is")]
            )
        raise CheckpointError(f"{str(model_dir)[:300]} is not a folder")
    result = ModelDir(path=model_dir)
    state_entries, result.state_error, notes = read_state(model_dir)
    result.notes += notes
    by_name: dict[str, CheckpointInfo] = {}
    result.has_state = bool(state_entries)
    for name, stamp, is_latest in state_entries:
        info = by_name.setdefault(name, CheckpointInfo(name=name, prefix=model_dir / name))
        info.in_state = True
        info.timestamp = stamp if stamp is not None else info.timestamp
        if is_latest:
            info.latest = True
            result.latest = name
    listings: dict = {}  # each folder is listed once, however many checkpoints it holds
    for name in _disk_prefixes(model_dir, listings):
        by_name.setdefault(name, CheckpointInfo(name=name, prefix=model_dir / name))
    listed = _listing(model_dir, listings)
    owned = registry.parts_of([n for n, _ in listed])  # shards of an index.json, of X.weights.json
    named_here = remembered_in(model_dir)  # files the user named (resolve.py): by their bytes, or parts
    for name, st in listed:
        named = named_here.get(name)
        if name in owned and named is None:
            continue  # part of the checkpoint that owns it, listed once as that
        one_file = registry.claims_file(name) or named
        if one_file is not None and st is not None and stat.S_ISREG(st.st_mode) and name not in by_name:
            by_name[name] = CheckpointInfo(
                name=name, prefix=model_dir / name, on_disk=True, files_ok=True, bytes=st.st_size,
                timestamp=st.st_mtime, time_source="file", format=one_file.name,
            )  # fmt: skip
    sizes = dict(listed)
    for part, owner in owned.items():  # an index and its shards: one checkpoint of their bytes
        whole, st = by_name.get(owner), sizes.get(part)
        if whole is not None and not whole.file_format.has_state_file and st is not None:
            whole.shards += 1
            whole.bytes += st.st_size
    for info in by_name.values():
        if info.file_format.layout == "prefix":
            info.step = _step_of(info.name)
            _fill_files(info, listings)
    if not any(info.file_format.layout == "prefix" for info in by_name.values()):
        result.latest = _folder_checkpoints(model_dir, by_name) or result.latest
    result.checkpoints = sorted(by_name.values(), key=_order_key)
    if not result.checkpoints and allow_empty:
        result.notes.append(WAITING)
        return result
    if not result.checkpoints:
        raise CheckpointError(
            f"no checkpoint in {model_dir}: no '{STATE_FILE}' file naming one and no *.index file"
            + (f" ({result.state_error})" if result.state_error else "")
        )
    return result


def _order_key(info: CheckpointInfo) -> tuple:
    # Steps order checkpoints of one run; a name without a step (model_final) goes by time,
    # after the stepped ones.
    if info.step is not None:
        return (0, info.step, info.timestamp or 0.0, info.name)
    return (1, info.timestamp or 0.0, 0, info.name)
