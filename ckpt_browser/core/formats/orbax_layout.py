"""Where an Orbax checkpoint's parts are, from its folders and JSON files alone (no tensorstore).

A CheckpointManager root (or keras.callbacks.OrbaxCheckpoint's directory) holds one folder per step
(``12``, or ``<prefix>_12``); a step being saved is ``12.orbax-checkpoint-tmp[-<time>]`` until
Orbax renames it, or, where renames are not atomic (GCS), lacks its ``commit_success.txt``. A step
holds ``_CHECKPOINT_METADATA`` (item handlers, init and commit times) and one folder per item
(``default``; Keras: ``pytree`` and ``model_config``). An item holds ``_METADATA`` (the PyTree: key
paths and value types) and its arrays in an OCDBT database (``manifest.ocdbt``, ``d/``, and
``ocdbt.process_N/`` per writing process), each array a zarr array whose key is the PyTree path
joined with dots.
"""

from __future__ import annotations

import json
import re
import stat
from dataclasses import dataclass, field
from typing import Any

from ckpt_browser.core import storage
from ckpt_browser.core.base.errors import CheckpointError

STEP_META = "_CHECKPOINT_METADATA"
TREE_META = "_METADATA"
COMMIT = "commit_success.txt"
MANIFEST = "manifest.ocdbt"
STRINGS = "_strings.json"  # the string leaves of an item, by their key
_TMP = re.compile(r"^(.+?)\.orbax-checkpoint-tmp(?:-\d+)?$")
_STEP = re.compile(r"^(?:(.*)_)?(\d{1,18})$")
MAX_JSON = 64 << 20
PEEK = 4  # numbered sub-folders (and their sub-folders) looked into to tell an Orbax root


@dataclass
class Step:
    """One step folder as the disk shows it."""

    name: str  # the folder's name
    path: Any  # a storage.Location
    step: int | None
    timestamp: float | None = None
    complete: bool = True
    problem: str | None = None


@dataclass
class Item:
    """One PyTree item of a step: its arrays' paths and where the database is."""

    name: str
    path: Any
    tree: dict[str, tuple[str, ...]] = field(default_factory=dict)  # param (dotted) -> PyTree keys
    value_types: dict[str, str] = field(default_factory=dict)
    zarr3: bool = False
    ocdbt: bool = True
    databases: list[Any] = field(default_factory=list)  # folders holding a manifest.ocdbt


def step_number(name: str) -> tuple[int | None, bool]:
    """(step, being written) of a step folder's name; (None, False) for anything else."""
    tmp = _TMP.match(name)
    m = _STEP.match(tmp.group(1) if tmp else name)
    if m is None:
        return None, False
    return int(m.group(2)), tmp is not None


def _listing(folder: storage.Location) -> dict[str, object]:
    try:
        return {name: st for name, st in storage.list_dir(folder)}
    except CheckpointError:
        if folder.is_remote:
            raise
        return {}


def _is_dir(st) -> bool:
    return st is not None and stat.S_ISDIR(st.st_mode)


def read_json(path: storage.Location, what: str) -> dict:
    """A small JSON object of Orbax's; a CheckpointError naming it (item/_METADATA) otherwise."""
    shown = f"{path.parent.name}/{path.name}"
    data = storage.read_whole(path, MAX_JSON, what)
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise CheckpointError(f"{shown} is not valid JSON ({str(exc)[:100]})") from None
    if not isinstance(doc, dict):
        raise CheckpointError(f"{shown} is not a JSON object: not Orbax {what}")
    return doc


def kind_of(folder) -> str | None:
    """'root', 'step' or 'item' for an Orbax folder; None for anything else. One listing, plus
    one per sub-folder for a root (a step is known by what it holds)."""
    entries = _listing(folder)
    return _kind(folder, entries)


def marks(folder, entries) -> bool:
    """The registry's marker: whether a folder, given its listing [(name, stat)], is an Orbax root,
    step or item (the runs view asks this of every folder it lists). A root is told by looking into
    PEEK of its numbered sub-folders at most; without the folder, only the listing is asked."""
    listing = dict(entries)
    if folder is None:
        return TREE_META in listing or STEP_META in listing
    try:
        return _kind(storage.locate(folder), listing) is not None
    except CheckpointError:  # a sub-folder a bucket would not list: not known to be ours
        return False


def _kind(folder, entries: dict) -> str | None:
    if TREE_META in entries:  # a PyTree item (its arrays in OCDBT, or zarr folders beside it)
        return "item"
    if STEP_META in entries:
        return "step"
    # A root: its step folders are steps. A few are looked into, committed ones first: a folder of
    # a thousand numbered sub-folders that are no steps must not cost a thousand listings.
    numbered = sorted((name for name, st in entries.items() if _is_dir(st) and step_number(name)[0] is not None),
                      key=lambda n: (step_number(n)[1], n))  # fmt: skip
    if any(_looks_like_step(folder / name) for name in numbered[:PEEK]):
        return "root"
    return None


def _looks_like_step(folder) -> bool:
    entries = _listing(folder)
    if STEP_META in entries:
        return True
    subfolders = [n for n, st in entries.items() if _is_dir(st) and not n.startswith(".")]
    return any(TREE_META in _listing(folder / n) for n in subfolders[:PEEK])


def steps(root) -> list[Step]:
    """The step folders of a root, with their state; sorted by step."""
    found = []
    for name, st in _listing(root).items():
        number, tmp = step_number(name)
        if number is None or not _is_dir(st):
            continue
        found.append(describe_step(root / name, name, number, tmp))
    return sorted(found, key=lambda s: (s.step if s.step is not None else -1, s.name))


def describe_step(path, name: str, number: int | None, tmp: bool = False) -> Step:
    entries = _listing(path)
    step = Step(name, path, number)
    meta = None
    if STEP_META in entries:
        try:
            meta = read_json(path / STEP_META, "step metadata")
        except CheckpointError as exc:
            step.problem = str(exc)
    stamp = None
    if isinstance(meta, dict):
        for key in ("commit_timestamp_nsecs", "init_timestamp_nsecs"):
            if isinstance(meta.get(key), int) and meta[key] > 0:
                stamp = meta[key] / 1e9
                break
    if stamp is None:
        st = entries.get(STEP_META) or storage.stat(path)
        stamp = getattr(st, "st_mtime", None)
    step.timestamp = stamp
    committed = COMMIT in entries or (isinstance(meta, dict) and bool(meta.get("commit_timestamp_nsecs")))
    if tmp:
        step.complete, step.problem = False, step.problem or f"{name}: being written (Orbax renames it when done)"
    elif not committed and STEP_META not in entries:
        step.complete = False
        step.problem = step.problem or f"{name}: no {STEP_META} and no {COMMIT}: not committed (being written?)"
    elif not committed:
        step.complete, step.problem = False, step.problem or f"{name}: no {COMMIT}: being written or abandoned"
    return step


def items(step_path) -> list[Item]:
    """The PyTree items of a step folder (or the one item when step_path is an item folder)."""
    entries = _listing(step_path)
    if _kind(step_path, entries) == "item":
        return [read_item(step_path, step_path.name, entries)]
    found = []
    for name, st in sorted(entries.items()):
        if _is_dir(st) and not name.startswith("."):
            sub = _listing(step_path / name)
            if TREE_META in sub:
                found.append(read_item(step_path / name, name, sub))
    return found


def read_item(path, name: str, entries: dict) -> Item:
    doc = read_json(path / TREE_META, "PyTree metadata")
    tree = doc.get("tree_metadata")
    if not isinstance(tree, dict):
        raise CheckpointError(f"{name}/{TREE_META} has no tree_metadata: not an Orbax PyTree")
    item = Item(name, path, zarr3=bool(doc.get("use_zarr3")), ocdbt=doc.get("use_ocdbt", True) is not False)
    for key, value in tree.items():
        keys = _keys(value, key)
        meta = value.get("value_metadata") if isinstance(value, dict) else None
        vtype = str(meta.get("value_type", "")) if isinstance(meta, dict) else ""
        if isinstance(meta, dict) and meta.get("skip_deserialize"):
            continue
        item.tree[".".join(keys)] = keys
        item.value_types[".".join(keys)] = vtype
    if not item.ocdbt:  # each array a zarr folder of the item's own (use_ocdbt=False)
        item.databases.append(path)
    elif item.ocdbt:
        if MANIFEST in entries:
            item.databases.append(path)
        else:  # the per-process databases were never merged
            item.databases += [
                path / n for n in sorted(entries) if n.startswith("ocdbt.process_") and _is_dir(entries[n])
            ]
    return item


def _keys(value, key: str) -> tuple[str, ...]:
    """The PyTree path of one tree_metadata entry: its key_metadata, else the tuple text itself."""
    meta = value.get("key_metadata") if isinstance(value, dict) else None
    if isinstance(meta, list) and meta and all(isinstance(k, dict) and "key" in k for k in meta):
        return tuple(str(k["key"]) for k in meta)
    return tuple(p.strip().strip("'\"") for p in key.strip("()").split(",") if p.strip())
