"""A TensorFlow.js weights manifest checked before it is trusted: every field of the JSON type the
converter writes, shard paths that stay in the model's folder and name regular files, and every
byte of the shards accounted for. TF.js files carry no checksums, so a manifest that lies (a shape
one row short) would shift every later weight silently: this is where it is caught."""

from __future__ import annotations

import math
import os
import struct
from dataclasses import dataclass

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.storage import LocalFile, require_regular

_BYTES = {"float32": 4, "int32": 4, "bool": 1, "complex64": 8, "uint8": 1, "uint16": 2, "float16": 2}
DTYPES = ("float32", "int32", "bool", "complex64", "string")  # what a weight is, as the model uses it
QUANTIZED = ("uint8", "uint16", "float16")  # what quantized weights are stored as


@dataclass
class TfjsWeight:
    name: str
    shape: tuple[int, ...]
    dtype: str  # as the model uses it (after dequantizing)
    group: str | None
    offset: int  # in its group's concatenated shards
    size: int
    stored: str  # the dtype of the bytes (uint8 / uint16 / float16 when quantized)
    scale: float | None = None
    min: float | None = None
    shards: tuple[str, ...] = ()


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _as_float(value) -> float | None:
    """A JSON number as a float (an integer too big for one is infinite, as in JavaScript)."""
    if not _number(value):
        return None
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


class Manifest:
    """The weights of a manifest (a list of groups), with their places in the shards."""

    def __init__(self, manifest, folder: str, name: str) -> None:
        self.folder, self.name = folder, name
        self.weights: list[TfjsWeight] = []
        self.unaccounted: list[str] = []  # groups whose shards hold bytes no weight claims
        if not isinstance(manifest, list):
            raise CheckpointError(f"{name}: its weightsManifest is a {type(manifest).__name__}, not a list of groups")
        for i, group in enumerate(manifest):
            self._add_group(i, group)

    def _bad(self, what: str) -> CheckpointError:
        return CheckpointError(f"{self.name}: its weightsManifest is damaged: {what}")

    def _shards(self, i: int, group: dict) -> tuple[tuple[str, ...], list[int]]:
        paths = group.get("paths")
        if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
            raise self._bad(f"group {i} has no list of shard file names")
        sizes = []
        for p in paths:
            parts = p.replace("\\", "/").split("/")
            if os.path.isabs(p) or ".." in parts:
                raise CheckpointError(f"{self.name}: shard path {p[:100]!r} leaves the model's folder")
            if parts[-1] in ("", "."):
                raise CheckpointError(f"{self.name}: shard path {p[:100]!r} is not a file name")
            path = os.path.join(self.folder, p)
            if not os.path.lexists(path):
                raise CheckpointError(f"{self.name}: its shard {p[:100]} is missing")
            require_regular(path)
            sizes.append(os.path.getsize(path))
        return tuple(paths), sizes

    def _add_group(self, i: int, group) -> None:
        if not isinstance(group, dict):
            raise self._bad(f"group {i} is a {type(group).__name__}, not a group")
        shards, sizes = self._shards(i, group)
        total = sum(sizes)
        specs = group.get("weights")
        if not isinstance(specs, list):
            raise self._bad(f"group {i} has no list of weights")
        offset = 0
        for spec in specs:
            w = self._weight(spec, shards, offset, total)
            self.weights.append(w)
            offset += w.size
        if offset < total:
            self.unaccounted.append(
                f"{self.name}: its manifest accounts for {offset:,} of the {total:,} bytes in "
                f"{', '.join(s[:60] for s in shards[:3])}: a shape or dtype in it is wrong (TensorFlow.js "
                "has no checksums; values after it would be read shifted)"
            )

    def _weight(self, spec, shards: tuple[str, ...], offset: int, total: int) -> TfjsWeight:
        if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
            raise self._bad("a weight without a name")
        name = spec["name"]
        shape = spec.get("shape")
        if not isinstance(shape, list) or not all(isinstance(d, int) and not isinstance(d, bool) for d in shape):
            raise self._bad(f"{name[:100]} has shape {str(shape)[:60]}, not a list of whole numbers")
        if any(d < 0 for d in shape) or len(shape) > 32:  # numpy before 2.0 holds 32 dimensions
            raise self._bad(f"{name[:100]} has shape {str(shape)[:60]}")
        # TensorFlow.js sizes a tensor in JavaScript numbers, exact up to 2^53: a dimension past 2^31,
        # or a size past 2^53 once the empty dimensions are left out, is no shape a writer made. numpy
        # could not lay it out even when another dimension makes it hold no bytes: it wants the
        # non-empty dimensions times the item size (up to 8 bytes here) below 2^63.
        if any(d >= 1 << 31 for d in shape) or math.prod(d for d in shape if d) > 1 << 53:
            raise self._bad(f"{name[:100]} has shape {str(shape)[:60]}, larger than TensorFlow.js can hold")
        dtype = spec.get("dtype")
        if dtype not in DTYPES:
            raise self._bad(f"{name[:100]} has dtype {str(dtype)[:30]!r}, which TensorFlow.js does not store")
        q = spec.get("quantization")
        if q is None:
            stored, scale, low = dtype, None, None
        elif isinstance(q, dict) and q.get("dtype") in QUANTIZED and dtype != "string":
            stored, scale, low = q["dtype"], q.get("scale"), q.get("min")
            if stored != "float16" and not (_number(scale) and _number(low)):
                raise self._bad(f"{name[:100]} is quantized to {stored} without a numeric scale and min")
            scale, low = _as_float(scale), _as_float(low)
        else:
            raise self._bad(f"{name[:100]} has a quantization of {str(q)[:60]}")
        count = math.prod(shape)
        left = total - offset
        if dtype == "string":
            size = self._string_size(name, shards, offset, count, left)
        else:
            size = count * _BYTES[stored]
        if size > left:
            raise CheckpointError(
                f"{self.name}: {name[:100]} needs {size:,} bytes at offset {offset:,} but its shards hold "
                f"{total:,}: the shards are truncated, or the manifest lies"
            )
        group = spec.get("group")
        return TfjsWeight(name, tuple(shape), dtype, group if isinstance(group, str) else None, offset, size,
                          stored, scale, low, shards)  # fmt: skip

    def _string_size(self, name: str, shards, offset: int, count: int, left: int) -> int:
        """Strings are a uint32 length then the bytes, per element: at least 4 bytes each, checked
        against what is left before any is read; then the lengths are read from one buffer."""
        if count * 4 > left:
            raise CheckpointError(
                f"{self.name}: {name[:100]} declares {count:,} strings (at least {count * 4:,} bytes) but its "
                f"shards hold {left:,} bytes from offset {offset:,}"
            )
        data = self.read(shards, offset, left)
        pos = 0
        for _ in range(count):
            if pos + 4 > len(data):
                break
            (n,) = struct.unpack_from("<I", data, pos)
            pos += 4 + n
        return pos if pos <= len(data) else left + 1  # left + 1: past the end, reported by the caller

    def read(self, shards: tuple[str, ...], offset: int, size: int) -> bytes:
        """size bytes at offset of the shards taken one after the other."""
        out = bytearray()
        for shard in shards:
            f = LocalFile(os.path.join(self.folder, shard))  # regular files only
            try:
                length = f.size
                if offset < length and size > 0:
                    chunk = f.read(offset, min(size, length - offset))
                    out += chunk
                    size -= len(chunk)
                    offset = 0
                else:
                    offset -= length
            finally:
                f.close()
            if size <= 0:
                break
        if size > 0:
            raise CheckpointError(f"{self.name}: its shards are truncated ({size:,} bytes short)")
        return bytes(out)
