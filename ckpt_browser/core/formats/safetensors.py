"""safetensors files and sharded checkpoints (model.safetensors.index.json, pytorch_model.bin.index.json)
without torch or the safetensors library: an 8-byte header length, a JSON header {name: {dtype, shape,
data_offsets}}, then the bytes. Listing costs the header (two small ranged reads in a bucket), a sharded
checkpoint its index and each shard's header, never the data. CheckpointReaders (formats/reader.py).

The safetensors library reads local files only (it maps them); it has no byte-range reads over fsspec,
which listing a bucket's checkpoint by its headers needs: this module parses the format itself.
"""

from __future__ import annotations

import json
import math
import os
import struct
from typing import TYPE_CHECKING, Any, NamedTuple

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.formats import raw_tensors
from ckpt_browser.core.formats.records import VariableEntry
from ckpt_browser.core.storage import locate, open_file, read_whole

if TYPE_CHECKING:
    import numpy as np

HEADER_LIMIT = 100 << 20  # the safetensors library's own limit on the JSON header
INDEX_LIMIT = 64 << 20
# safetensors' dtype names -> ours (and bytes per element)
DTYPES: dict[str, tuple[str, int]] = {
    "F64": ("float64", 8), "F32": ("float32", 4), "F16": ("float16", 2), "BF16": ("bfloat16", 2),
    "I64": ("int64", 8), "I32": ("int32", 4), "I16": ("int16", 2), "I8": ("int8", 1),
    "U64": ("uint64", 8), "U32": ("uint32", 4), "U16": ("uint16", 2), "U8": ("uint8", 1),
    "BOOL": ("bool", 1), "F8_E5M2": ("float8_e5m2", 1), "F8_E4M3": ("float8_e4m3fn", 1),
    "C64": ("complex64", 8), "F8_E8M0": ("float8_e8m0fnu", 1),
}  # fmt: skip


class Entry(NamedTuple):
    dtype: str
    shape: tuple[int, ...]
    begin: int  # in the data section (after the header)
    end: int
    itemsize: int | None  # None: a dtype we do not decode (listed, not read)


def _entry(name: str, raw: object) -> Entry:
    if not isinstance(raw, dict):
        raise CheckpointError(f"the header's entry for {name[:80]!r} is not an object")
    dtype, shape, offsets = raw.get("dtype"), raw.get("shape"), raw.get("data_offsets")
    if not isinstance(shape, list) or len(shape) > 64 or not all(type(d) is int and d >= 0 for d in shape):
        raise CheckpointError(f"{name[:80]}: its shape {str(shape)[:80]} is not a list of sizes")
    if (not isinstance(offsets, list) or len(offsets) != 2 or not all(type(o) is int for o in offsets)
            or not 0 <= offsets[0] <= offsets[1]):  # fmt: skip
        raise CheckpointError(f"{name[:80]}: its data_offsets {str(offsets)[:80]} are not [begin, end]")
    known = DTYPES.get(str(dtype))
    shown, size = known if known else (str(dtype)[:20].lower(), None)
    return Entry(shown, tuple(shape), offsets[0], offsets[1], size)


class SafetensorsFile:
    """One .safetensors file: its tensors, the header's __metadata__, and what is wrong with its layout."""

    native = True
    framework = "pytorch"  # diff pairs it with a TF checkpoint by the mapping rules (values/mapping.py)
    note: str | None = None
    verify_note = raw_tensors.NO_CHECKSUMS.format(what="safetensors files")
    container = "safetensors"

    def __init__(self, path) -> None:
        self.path = path
        self.name = os.path.basename(str(path))
        self._f = open_file(locate(path))  # the registry's Location as it is; a test's path located here
        size = self._f.size
        if size < 8:
            raise CheckpointError(f"{self.name} is {size} bytes: not a safetensors file")
        (n,) = struct.unpack("<Q", self._f.read(0, 8))
        if n > min(HEADER_LIMIT, size - 8):
            raise CheckpointError(
                f"{self.name} is not a safetensors file (its first 8 bytes declare a {n:,}-byte header)"
            )
        try:
            header = json.loads(self._f.read(8, n))
        except (ValueError, RecursionError):
            raise CheckpointError(f"{self.name} is not a safetensors file (its header is not JSON)") from None
        if not isinstance(header, dict):
            raise CheckpointError(f"{self.name} is not a safetensors file (its header is not a JSON object)")
        meta = header.pop("__metadata__", None)
        self.metadata = {str(k): str(v)[:1000] for k, v in meta.items()} if isinstance(meta, dict) else {}
        self._data = 8 + n
        self._held = size - self._data
        self.header = {str(k): _entry(str(k), v) for k, v in header.items()}
        self._problems = self._layout_problems()

    def _layout_problems(self) -> list[str]:
        out = []
        for name, e in self.header.items():
            if e.itemsize is not None and e.end - e.begin != math.prod(e.shape) * e.itemsize:
                out.append(f"{name}: {list(e.shape)} {e.dtype} is {math.prod(e.shape) * e.itemsize:,} bytes "
                           f"but its data_offsets span {e.end - e.begin:,}")  # fmt: skip
        spans = sorted((e.begin, e.end, n) for n, e in self.header.items() if e.end > e.begin)
        for (_, end, a), (begin, _, b) in zip(spans, spans[1:]):
            if begin < end:
                out.append(f"{b}: its bytes overlap {a}'s")
        return out

    def variables(self) -> list[VariableEntry]:
        return [VariableEntry(n, e.shape, e.dtype) for n, e in sorted(self.header.items())]

    def kinds(self) -> dict[str, tuple[str, str | None]]:
        from ckpt_browser.core.formats.variables import MODEL

        return {n: (MODEL, None) for n in self.header}

    def read(self, name: str) -> np.ndarray:
        e = self.header.get(name)
        if e is None:
            raise CheckpointError(f"{self.name} has no tensor {name!r}")
        if e.itemsize is None:
            raise CheckpointError(f"{name}: tensors of dtype {e.dtype} cannot be decoded")
        need = math.prod(e.shape) * e.itemsize
        if e.end - e.begin != need:
            raise CheckpointError(
                f"{self.name} is damaged: {name} needs {need:,} bytes, its data_offsets span {e.end - e.begin:,}"
            )
        if e.end > self._held:
            raise CheckpointError(
                f"{self.name} is truncated: {name} ends at byte {self._data + e.end:,} of {self._f.size:,}"
            )
        raw = self._f.read(self._data + e.begin, need) if need else b""
        return raw_tensors.decode(raw, e.dtype, e.shape)

    def truncation(self) -> str | None:
        end = max((e.end for e in self.header.values()), default=0)
        if end > self._held:
            return (f"{self.name} is truncated: its header places tensors up to byte {self._data + end:,}, "
                    f"the file has {self._f.size:,}")  # fmt: skip
        return None

    def problems(self) -> list[str]:
        return list(self._problems)

    def check(self, name: str, buffer: bytearray | None = None) -> int:
        return raw_tensors.check_values(name, self.read(name))

    def close(self) -> None:
        self._f.close()


def _open_shard(path):
    from ckpt_browser.core.formats.torch_file import TorchFile

    return SafetensorsFile(path) if str(path).endswith(".safetensors") else TorchFile(path)


class ShardedCheckpoint:
    """A checkpoint saved in shards with an index (Hugging Face's save_pretrained): the index's
    weight_map names each tensor's shard; each shard is a safetensors or a torch.save file."""

    native = True
    framework = "pytorch"  # diff pairs it with a TF checkpoint by the mapping rules (values/mapping.py)
    note: str | None = None

    def __init__(self, path) -> None:
        self.path = path
        self.name = os.path.basename(str(path))
        try:
            doc = json.loads(read_whole(locate(path), INDEX_LIMIT, "checkpoint index"))
        except (ValueError, RecursionError):
            raise CheckpointError(f"{self.name} is not JSON: not a checkpoint index") from None
        weight_map = doc.get("weight_map") if isinstance(doc, dict) else None
        if not isinstance(weight_map, dict) or not all(isinstance(v, str) for v in weight_map.values()):
            raise CheckpointError(f"{self.name} has no weight_map of tensor -> shard file: not a checkpoint index")
        self.metadata = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
        folder = locate(path).parent
        self.shards: dict[str, Any] = {}  # SafetensorsFile or TorchFile
        for shard in sorted(set(weight_map.values())):
            if shard.startswith(("/", "\\")) or ".." in shard.replace("\\", "/").split("/"):
                raise CheckpointError(f"{self.name} names a shard outside its folder: {shard[:200]}")
            self.shards[shard] = _open_shard(folder / shard)
        self.container = "sharded " + ("safetensors" if self.name.endswith(".safetensors.index.json") else "torch")
        self.verify_note = getattr(next(iter(self.shards.values()), None), "verify_note", None)
        self._where: dict[str, str] = {}
        self._problems: list[str] = []
        for shard, reader in self.shards.items():
            for v in reader.variables():
                self._where.setdefault(v.name, shard)
            self._problems += [f"{shard}: {p}" for p in reader.problems()]
        for tensor, shard in weight_map.items():
            if self._where.get(tensor) != shard:
                self._problems.append(f"{self.name} places {tensor} in {shard}, which does not hold it")
        self._entries = {v.name: v for r in self.shards.values() for v in r.variables()}

    def variables(self) -> list[VariableEntry]:
        return [self._entries[n] for n in sorted(self._where)]

    def kinds(self) -> dict[str, tuple[str, str | None]]:
        kinds: dict[str, tuple[str, str | None]] = {}
        for reader in self.shards.values():
            kinds.update(reader.kinds())
        return {n: kinds[n] for n in self._where}

    def shard_of(self, name: str):
        shard = self._where.get(name)
        if shard is None:
            raise CheckpointError(f"{self.name} has no tensor {name!r}")
        return self.shards[shard]

    def read(self, name: str) -> np.ndarray:
        return self.shard_of(name).read(name)

    def check(self, name: str, buffer: bytearray | None = None) -> int:
        return self.shard_of(name).check(name, buffer)

    def truncation(self) -> str | None:
        for reader in self.shards.values():
            said = reader.truncation()
            if said:
                return said
        return None

    def problems(self) -> list[str]:
        return list(self._problems)


def open_safetensors(path) -> SafetensorsFile:
    """The registry's opener for .safetensors files."""
    return SafetensorsFile(path)


def open_sharded(path) -> ShardedCheckpoint:
    """The registry's opener for *.safetensors.index.json / *.bin.index.json."""
    return ShardedCheckpoint(path)
