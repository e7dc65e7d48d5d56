"""The formats ckpt-browser reads: how each is recognised, what it can do, and its reader.

Everything outside this module asks the registry (`of_name`, `of_path`, `claims_file`, a format's
`capabilities`), never a format's name: adding a format is one module with its reader plus one
line in FORMATS (docs/formats-registry.md walks through it).

A format's layout says what one checkpoint is on disk:
- "prefix": a name whose files sit beside it (TensorFlow's tensor bundle: NAME.index + NAME.data-*);
- "file":   one file is one checkpoint, found in a folder by its name (.keras, model.json, ...);
- "folder": a folder is one checkpoint, found by the format's scanner (a step folder of Orbax).

Readers are named as "module:function" and imported on first use, so that listing a folder of
TensorFlow checkpoints never imports h5py or tensorstore.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    import numpy as np

    from ckpt_browser.core.formats.records import VariableEntry
    from ckpt_browser.core.storage import Location


class CheckpointReader(Protocol):
    """What every format's reader does. Some add more, which the views ask for when present:
    kinds() (each variable's kind and the weight a slot belongs to), check() (verify's read of a
    format with no checksums), paths (object-graph names)."""

    note: str | None  # something the user should know about how it was read

    def variables(self) -> list[VariableEntry]: ...

    def read(self, name: str) -> np.ndarray: ...

    def truncation(self) -> str | None: ...


@dataclass(frozen=True)
class Capabilities:
    """What a format's files hold, for the views and checks that need it."""

    values: bool = True  # tensors can be read (not only listed)
    checksums: bool = False  # stored checksums prove each read (verify says so when False)
    graph: bool = False  # an object graph names paths and kinds (model weight, optimizer slot)
    slots: bool = False  # optimizer slots are stored with the weight they belong to
    remote_ranges: bool = False  # a file in a bucket is read by byte ranges (else fetched whole first)
    model_config: bool = False  # the model's architecture is stored too (Keras checks, Model tab)
    shards: bool = False  # a checkpoint may span several data files, counted (the Shards column)


@dataclass(frozen=True)
class FoundCheckpoint:
    """One checkpoint a folder format's scanner found."""

    name: str  # as listed, relative to the folder scanned ("5", "checkpoints/5")
    path: Location  # what the format's opener opens (the folder itself, for a step folder opened)
    step: int | None = None
    timestamp: float | None = None  # seconds since the epoch, from the format's own metadata
    complete: bool = True  # False: still being written (no commit marker yet)
    problem: str | None = None  # what is wrong with its files, for the user
    bytes: int = 0


@dataclass(frozen=True)
class Format:
    name: str  # stored in CheckpointInfo.format and --json records; never tested outside here
    label: str  # what users read: "TensorFlow checkpoint", "Keras file"
    layout: Literal["prefix", "file", "folder"]
    capabilities: Capabilities
    opener: str  # "module:function": path (str) -> CheckpointReader
    names: tuple[str, ...] = ()  # "file": lower-case file names this format claims exactly
    suffixes: tuple[str, ...] = ()  # "file": lower-case endings it claims
    magic: tuple[bytes, ...] = ()  # first bytes of a claimed file; empty: the name is enough
    scanner: str | None = None  # "folder": "module:function": folder -> list[FoundCheckpoint] | None
    marker: str | None = None  # "folder": "module:function": (folder, its listing [(name, stat)]) -> whether
    # it is ours; may look one level in, a bounded number of sub-folders (the runs view calls it on every folder)
    warm: str | None = None  # "module:function": path -> None, started while the folder is scanned
    fetch: str | None = None  # "module:function": URL -> local path, when a remote file is fetched whole
    parts: str | None = None  # "module:function": a folder's file names -> {part: owner} (shards of an index)
    separators: str = "/"  # the characters that split a variable's name into the tree's levels

    def claims_name(self, name: str) -> bool:
        low = name.lower()
        return self.layout == "file" and (low in self.names or low.endswith(self.suffixes))

    @property
    def one_file(self) -> bool:
        """One file is the whole checkpoint (a folder's other files are not its)."""
        return self.layout == "file"

    @property
    def has_meta_file(self) -> bool:
        """A checkpoint may have TensorFlow's MetaGraph beside it (NAME.meta: the Meta column)."""
        return self.layout == "prefix"

    @property
    def has_state_file(self) -> bool:
        """Checkpoints of this format are named in TensorFlow's `checkpoint` state file, and
        their save is recorded in event files."""
        return self.layout == "prefix"

    def open(self, path: Any) -> CheckpointReader:
        return call(self.opener, path)  # type: ignore[no-any-return]


def call(target: str, *args: Any) -> Any:
    """Call "module:function" (imported on first use)."""
    module, func = target.split(":")
    return getattr(importlib.import_module(module), func)(*args)


_KERAS_FILE = Capabilities(graph=True, slots=True, model_config=True)
_WEIGHTS_FILE = Capabilities(remote_ranges=True)  # PyTorch / safetensors: values, no checksums
_PARTS = "ckpt_browser.core.formats.shard_names"
_DOTTED = "/."  # PyTorch's state_dict keys (bert.encoder.layer.0...), "/" between nested containers

# One line per format. Order matters only among formats claiming the same name: the first
# whose magic bytes match wins.
FORMATS: tuple[Format, ...] = (
    Format(
        "tf", "TensorFlow checkpoint", "prefix",
        Capabilities(checksums=True, graph=True, slots=True, remote_ranges=True, shards=True),
        opener="ckpt_browser.core.formats.bundle_open:open_bundle",
    ),
    Format(
        "keras", "Keras file", "file", _KERAS_FILE,
        opener="ckpt_browser.core.formats.keras:KerasFile",
        suffixes=(".keras", ".h5", ".hdf5", ".weights.json"), parts=f"{_PARTS}:keras_shards",
        warm="ckpt_browser.core.formats.keras:warm",
        fetch="ckpt_browser.core.storage:local_file",
    ),
    Format(
        "tfjs", "TensorFlow.js model", "file", Capabilities(model_config=True),
        opener="ckpt_browser.core.formats.tfjs:TfjsModel",
        names=("model.json",), suffixes=("weights_manifest.json", ".model.json"),
        fetch="ckpt_browser.core.formats.tfjs:fetch_model", parts=f"{_PARTS}:tfjs_shards",
    ),
    # PyTorch and safetensors (issue 36): read by byte ranges, no torch, no pickle code run. A bare
    # ".bin" is not claimed by name (TF.js shards are .bin too): pytorch_model.bin is, and the
    # magic (a zip, or a pickle of protocol 2 to 5) settles a .bin the user names (of_file).
    Format(
        "torch", "PyTorch file", "file", _WEIGHTS_FILE,
        opener="ckpt_browser.core.formats.torch_file:open_torch", names=("pytorch_model.bin",),
        suffixes=(".pt", ".pth"), magic=(b"PK\x03\x04", b"\x80\x02", b"\x80\x03", b"\x80\x04", b"\x80\x05"),
        separators=_DOTTED,
    ),
    Format(
        "safetensors", "safetensors file", "file", _WEIGHTS_FILE,
        opener="ckpt_browser.core.formats.safetensors:open_safetensors", suffixes=(".safetensors",),
        separators=_DOTTED,
    ),
    Format(
        "sharded", "sharded checkpoint (index.json)", "file", Capabilities(remote_ranges=True, shards=True),
        opener="ckpt_browser.core.formats.safetensors:open_sharded",
        suffixes=(".safetensors.index.json", ".bin.index.json"), parts=f"{_PARTS}:indexed_shards",
        separators=_DOTTED,
    ),
    Format(
        "orbax", "Orbax checkpoint", "folder", Capabilities(slots=True, remote_ranges=True),
        opener="ckpt_browser.core.formats.orbax:open_orbax", scanner="ckpt_browser.core.formats.orbax:scan_orbax",
        marker="ckpt_browser.core.formats.orbax_layout:marks",
    ),
)  # fmt: skip

_BY_NAME = {f.name: f for f in FORMATS}
DEFAULT = _BY_NAME["tf"]


def of_name(name: str) -> Format:
    """The format a CheckpointInfo or a record names."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise ValueError(f"no format {name!r} (known: {', '.join(_BY_NAME)})") from None


def claims_file(name: str | os.PathLike) -> Format | None:
    """The "file" format a file name belongs to (by its name alone), or None."""
    base = os.path.basename(str(name))
    return next((f for f in FORMATS if f.claims_name(base)), None)


def of_file(path: str | os.PathLike, head: bytes | Callable[[], bytes] | None = None) -> Format | None:
    """claims_file, settled by the file's first bytes (head) where two formats claim a name; for
    a name no format claims (a bare .bin), the "file" format whose magic the head starts with.
    Only for a file the user named: a folder's files are claimed by their names alone. head may
    be a function reading them, called only when the name does not settle it."""
    claiming = [f for f in FORMATS if f.claims_name(os.path.basename(str(path)))]
    if callable(head):
        head = head() if len(claiming) != 1 else None
    if len(claiming) > 1 and head is not None:
        return next((f for f in claiming if not f.magic or head.startswith(f.magic)), claiming[0])
    if not claiming and head:
        return next((f for f in FORMATS if f.one_file and f.magic and head.startswith(f.magic)), None)
    return claiming[0] if claiming else None


def parts_of(names: Sequence[str]) -> dict[str, str]:
    """The files of a folder's listing that are parts of another checkpoint of that folder (a
    shard of an index), each with the name of the checkpoint owning it: every format's `parts`."""
    owned: dict[str, str] = {}
    for fmt in FORMATS:
        if fmt.parts is not None:
            owned.update(call(fmt.parts, names))
    return owned


def folder_formats() -> Sequence[Format]:
    return [f for f in FORMATS if f.layout == "folder"]


def scan_folder(folder: Location) -> tuple[Format, list[FoundCheckpoint]] | None:
    """The first folder format whose scanner recognises this folder, and what it found (its
    Location is handed to the scanner: storage takes it as it is)."""
    for fmt in folder_formats():
        if fmt.scanner is None:
            continue
        found = call(fmt.scanner, folder)
        if found is not None:
            return fmt, found
    return None


def holds_checkpoints(entries: Sequence[tuple[str, Any]], is_file: Callable[[Any], bool], folder: Any = None) -> bool:
    """Whether a folder's listing [(name, stat)] is a model_dir's: a state file or a bundle's
    index, a SavedModel, a file a "file" format claims, or what a "folder" format marks (given
    the folder, a marker may look into a few of its sub-folders: an Orbax root's step folders)."""
    for name, st in entries:
        if not is_file(st):
            continue
        if name in ("checkpoint", "saved_model.pb") or (name.endswith(".index") and not name.startswith(".")):
            return True
        if claims_file(name) is not None:
            return True
    return any(f.marker is not None and call(f.marker, folder, entries) for f in folder_formats())
