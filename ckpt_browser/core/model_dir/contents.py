"""Open what the user asked for and read a checkpoint's variable list: the answers ls and the
window show."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ckpt_browser.core import storage
from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.formats.bundle import ChecksumMismatch
from ckpt_browser.core.formats.reader import open_checkpoint
from ckpt_browser.core.formats.records import itemsize, no_gc
from ckpt_browser.core.formats.variables import (
    _ATTR_SUFFIX,
    KINDS,
    FilteredTree,
    Totals,
    VariableFilter,
    VariableInfo,
    describe,
    filtered_tree,
    totals,
)
from ckpt_browser.core.model_dir.scan import CheckpointInfo, ModelDir, resolve_path, scan_model_dir
from ckpt_browser.core.storage import Location

if TYPE_CHECKING:
    from ckpt_browser.core.formats.listing import Listing


@dataclass
class Source:
    """An opened model_dir and the checkpoint the user pointed at, if any."""

    model_dir: ModelDir
    selected: str | None

    def checkpoint(self, name: str | None = None) -> CheckpointInfo:
        """The named checkpoint, else the one selected on opening, else the latest."""
        wanted = name or self.selected
        if wanted is not None:
            info = self.model_dir.find(wanted)
            if info is None:
                known = ", ".join(c.name for c in self.model_dir.checkpoints)
                raise CheckpointError(f"no checkpoint {wanted!r} in {self.model_dir.path} (has: {known})")
            return info
        info = self.model_dir.default_checkpoint()
        if info is None:
            raise CheckpointError(f"none of the checkpoints in {self.model_dir.path} has its files")
        return info


def open_source(path: str | os.PathLike | Location, allow_empty: bool = False) -> Source:
    """What a path names, scanned. allow_empty: a folder with no checkpoint yet, or not there
    yet, opens empty (the window watches it); the CLI says "no checkpoint" instead."""
    where = storage.locate(path)  # from an entry point: the Location as it is
    if allow_empty and not storage.exists(where) and not storage.exists(where.plus(".index")):
        if where.is_remote and not storage.exists(where.top):
            raise CheckpointError(f"{str(where)[:300]} does not exist (no such bucket)")
        md = scan_model_dir(where, allow_empty=True)
        return Source(md, None)
    model_dir, selected = resolve_path(where)
    md = scan_model_dir(model_dir, allow_empty=allow_empty)
    mark_damaged(md)
    return Source(md, selected)


_looked_at: dict[tuple, str | None] = {}  # (prefix, index mtime and size, files' bytes) -> problem
_looked_at_lock = threading.Lock()


def mark_damaged(md: ModelDir) -> None:
    """Look into each checkpoint whose files are all there: an index that cannot be read, or data
    files too short for what the index lists, make it damaged (ls --json, the list's flags).
    Reads the indexes only, never tensor values, and each unchanged checkpoint once: live refresh
    calls this on every change of the folder."""
    for info in md.checkpoints:
        if not info.files_ok:
            continue
        st = storage.stat(info.prefix.plus(".index"))
        if st is None:
            continue  # gone meanwhile: the next scan says so
        key = (str(info.prefix), st.st_mtime_ns, st.st_size, info.bytes)
        with _looked_at_lock:
            known = key in _looked_at
            problem = _looked_at.get(key)
        if not known:
            try:
                problem = open_checkpoint(info.prefix).truncation()
            except CheckpointError as exc:
                problem = str(exc)
            with _looked_at_lock:
                if len(_looked_at) > 1000:
                    _looked_at.clear()
                _looked_at[key] = problem
        if problem:
            info.problem, info.files_ok = problem, False


@dataclass
class CheckpointContents:
    checkpoint: CheckpointInfo
    variables: Sequence[VariableInfo]  # a list; for the window, a big index's ListedVariables
    totals: Totals
    warning: str | None = None  # the list is readable but values may not be
    tree: FilteredTree | None = None  # built in the worker for the filter the window had
    # What the file says of itself, as text: a .keras file's metadata.json (keras_version,
    # date_saved), a .safetensors header's __metadata__, a sharded index's metadata.
    metadata: Mapping[str, str] = field(default_factory=dict)


def read_contents(info: CheckpointInfo, flt: VariableFilter | None = None, lazy: bool = False) -> CheckpointContents:
    """The variable list of a checkpoint; with a filter, also the tree the window will show
    (100,000 variables take ~0.5 s to arrange: not on the UI thread). lazy: a big index read in
    columns gives its variables as ListedVariables, records made only for what is shown (the
    window: a million records and tree nodes would take seconds and most of a gigabyte)."""
    if not info.on_disk:
        raise CheckpointError(f"{info.name}: {info.problem}")
    reader = open_checkpoint(info.prefix)
    kinds = reader.kinds() if hasattr(reader, "kinds") else None
    if lazy and not kinds:
        listed = _listed_contents(info, reader, flt)
        if listed is not None:
            return listed

    with no_gc():  # a record per variable, in bulk
        variables = describe(reader.variables(), kinds)
    warning = info.problem or reader.truncation() or getattr(reader, "note", None)
    tree = filtered_tree(variables, flt, separators=info.file_format.separators) if flt is not None else None
    return CheckpointContents(info, variables, totals(variables), warning, tree, file_metadata(reader))


def file_metadata(reader) -> dict[str, str]:
    """A reader's metadata, as text (a value that is not is shown as JSON), bounded."""
    meta = getattr(reader, "metadata", None)
    if not isinstance(meta, dict):
        return {}
    out = {}
    for key, value in list(meta.items())[:MAX_METADATA]:
        text = value if isinstance(value, str) else json.dumps(value, default=str, sort_keys=True)
        out[str(key)[:200]] = text[:1000]
    return out


MAX_METADATA = 100  # entries shown: a header can hold any number


def _listed_contents(info: CheckpointInfo, reader, flt: VariableFilter | None) -> CheckpointContents | None:
    """read_contents over the columns, or None where the records are needed: names with a TF2
    suffix (their display names differ, and sort differently), names the columns cannot hold."""
    from ckpt_browser.core.formats.index_columns import NotColumnar  # deferred: start-up: loads numpy (+94 modules)
    from ckpt_browser.core.formats.listed_tree import ListedVariables  # deferred: start-up: loads numpy (+98 modules)

    listed = read_listed(info)
    if listed is None:
        return None
    try:
        if listed.listing.has(_ATTR_SUFFIX.encode()):
            return None
    except NotColumnar:
        return None
    variables = ListedVariables(listed.listing, listed.kinds, listed.slots)
    tree = variables.filtered(flt) if flt is not None else None
    return CheckpointContents(info, variables, listed.totals, listed.warning, tree)


@dataclass(frozen=True)
class TensorRead:
    value: object  # numpy array
    warning: str | None = None  # e.g. a checksum mismatch: the values are shown, flagged
    note: str | None = None  # how the values are stored, when that is not how they are shown


def read_codes(info: CheckpointInfo, name: str) -> TensorRead:
    """A quantized TF.js weight's stored codes (what the file holds), not its values."""
    reader = open_checkpoint(info.prefix)
    if not hasattr(reader, "raw"):
        raise CheckpointError(f"{info.name} stores no quantized codes")
    stored = reader.quantization(name) if hasattr(reader, "quantization") else None
    return TensorRead(reader.raw(name), note=f"{stored}; these are the codes" if stored else None)


def read_variable(info: CheckpointInfo, name: str) -> TensorRead:
    """One tensor's values (only that tensor is read from the data files). A checksum mismatch
    still gives the values, with the mismatch as a warning: people debugging corruption want to
    see them."""

    try:
        reader = open_checkpoint(info.prefix)
        value = reader.read(name)
        stored = reader.quantization(name) if hasattr(reader, "quantization") else None
        if stored:
            return TensorRead(value, note=f"{stored}; shown dequantized")
        layout = reader.layout(name) if hasattr(reader, "layout") else None  # chunks, compression (Orbax)
        return TensorRead(value, note=f"stored as {layout}" if layout else None)
    except ChecksumMismatch as exc:
        if exc.value is None:
            raise
        return TensorRead(exc.value, str(exc))


@dataclass
class ListedContents:
    """A big checkpoint's variables in columns (formats/listing.py): what `ls` prints, without a
    record per variable. kinds index formats.variables.KINDS."""

    checkpoint: CheckpointInfo
    listing: Listing
    kinds: Any  # numpy int8 array, one per variable
    totals: Totals
    warning: str | None = None
    slots: Mapping[int, str] = field(default_factory=dict)  # variable -> display name of what it is a slot of


def read_listed(info: CheckpointInfo) -> ListedContents | None:
    """The variable list in columns, when the checkpoint's reader read its index so (else None:
    read_contents gives the records)."""
    if not info.on_disk:
        raise CheckpointError(f"{info.name}: {info.problem}")
    reader = open_checkpoint(info.prefix)
    listing = reader.listing() if hasattr(reader, "listing") else None
    if listing is None or (hasattr(reader, "kinds") and reader.kinds()):
        return None  # none, or named by its object graph: the records carry the paths
    import numpy as np

    # deferred: start-up: loads numpy (+95 modules)
    from ckpt_browser.core.formats.listing_kinds import classify_listing

    kinds, slots = classify_listing(listing)
    params = listing.params_per_row()
    per_head = [itemsize(name) or 0 for _, _, name in listing.heads]
    nbytes = params * np.array(per_head, params.dtype)[listing.head_of]
    t = Totals()
    for k, kind in enumerate(KINDS):
        mine = kinds == k
        t.params[kind] = int(params[mine].sum())
        t.nbytes[kind] = int(nbytes[mine].sum())
        t.variables[kind] = int(np.count_nonzero(mine))
    warning = info.problem or reader.truncation() or getattr(reader, "note", None)
    return ListedContents(info, listing, kinds, t, warning, slots)
