"""TensorFlow.js models and weights: ``model.json`` (format "layers-model" or "graph-model") or a
bare ``weights_manifest.json``, with their binary shards. Read with json and numpy only.

The manifest is a list of groups, each with ``paths`` (shard files, concatenated in that order)
and ``weights`` (name, shape, dtype, optional ``quantization`` and ``group``), consumed in order
from the group's bytes: float32/int32 4 bytes, bool 1, complex64 8 (real, imaginary pairs),
string a little-endian uint32 length then the bytes, per element. Quantized weights hold uint8 /
uint16 codes (value = code * scale + min) or float16; they are shown dequantized, and their codes
are kept (``raw``) -- as tfjs ``decodeWeights`` and tensorflowjs ``read_weights`` do.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass

from ckpt_browser.core.errors import CheckpointError
from ckpt_browser.core.formats.keras_parts import MAX_JSON, Layer, element_count, read_json
from ckpt_browser.core.formats.records import VariableEntry

_BYTES = {"float32": 4, "int32": 4, "bool": 1, "complex64": 8, "uint8": 1, "uint16": 2, "float16": 2}
_NUMPY = {
    "float32": "<f4",
    "int32": "<i4",
    "bool": "?",
    "complex64": "<c8",
    "uint8": "u1",
    "uint16": "<u2",
    "float16": "<f2",
}
MAX_SHARDS_BYTES = 8 << 30


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


def is_tfjs_file(path) -> bool:
    name = os.path.basename(str(path)).lower()
    return name == "model.json" or name.endswith(("weights_manifest.json", ".model.json"))


class TfjsModel:
    """A CheckpointReader (core/reader.py) over a TF.js model.json or weights manifest."""

    native = True
    note: str | None = None

    def __init__(self, path) -> None:
        self.path = str(path)
        self.name = os.path.basename(self.path)
        self.folder = os.path.dirname(self.path)
        try:
            size = os.path.getsize(self.path)
            if size > MAX_JSON:
                raise CheckpointError(f"{self.name} is {size:,} bytes: too big for a model description")
            with open(self.path, "rb") as f:
                doc = read_json(f.read(), self.name)
        except OSError as exc:
            raise CheckpointError(f"cannot read {self.name}: {exc.strerror}") from None
        if isinstance(doc, list):  # a bare weights_manifest.json
            doc = {"weightsManifest": doc, "format": "weights"}
        if not isinstance(doc, dict) or not isinstance(doc.get("weightsManifest"), list):
            raise CheckpointError(f"{self.name} is not a TensorFlow.js model: no weightsManifest")
        self.format = str(doc.get("format") or "layers-model")
        self.topology = doc.get("modelTopology")
        self.training_config = doc.get("trainingConfig")
        self.signature = doc.get("signature") or doc.get("userDefinedMetadata", {}).get("signature")
        self.weights: list[TfjsWeight] = []
        try:
            for group in doc["weightsManifest"]:
                self._add_group(group)
        except (KeyError, TypeError, ValueError) as exc:
            raise CheckpointError(f"{self.name}: its weightsManifest is damaged ({str(exc)[:120]})") from None
        self._by_name = {w.name: w for w in self.weights}
        if len(self._by_name) != len(self.weights):
            raise CheckpointError(f"{self.name} names a weight twice in its weightsManifest")
        self.layers = self._layers()

    def _add_group(self, group: dict) -> None:
        shards = tuple(str(p) for p in group["paths"])
        for p in shards:
            if os.path.isabs(p) or ".." in p.replace("\\", "/").split("/"):
                raise CheckpointError(f"{self.name}: shard path {p!r} leaves the model's folder")
        offset = 0
        for spec in group["weights"]:
            shape = tuple(int(d) for d in spec["shape"])
            if any(d < 0 for d in shape):
                raise ValueError(f"{spec['name']} has a negative dimension")
            dtype = str(spec["dtype"])
            q = spec.get("quantization") or {}
            stored = str(q.get("dtype", dtype))
            if dtype == "string":
                size = self._string_size(shards, offset, element_count(shape))
            elif stored in _BYTES:
                size = element_count(shape) * _BYTES[stored]
            else:
                raise ValueError(f"{spec['name']} has dtype {stored}, which TensorFlow.js does not store")
            self.weights.append(TfjsWeight(
                str(spec["name"]), shape, dtype, spec.get("group"), offset, size, stored,
                q.get("scale"), q.get("min"), shards,
            ))  # fmt: skip
            offset += size

    # -- bytes -------------------------------------------------------------------------
    def _read(self, shards: tuple[str, ...], offset: int, size: int) -> bytes:
        """size bytes at offset of the shards taken one after the other."""
        out = bytearray()
        for shard in shards:
            path = os.path.join(self.folder, shard)
            try:
                length = os.path.getsize(path)
            except OSError:
                raise CheckpointError(f"{self.name}: its shard {shard} is missing") from None
            if offset < length and size > 0:
                with open(path, "rb") as f:
                    f.seek(offset)
                    chunk = f.read(min(size, length - offset))
                out += chunk
                size -= len(chunk)
                offset = 0
            else:
                offset -= length
            if size <= 0:
                break
        if size > 0:
            raise CheckpointError(f"{self.name}: its shards are truncated ({size:,} bytes short)")
        return bytes(out)

    def _string_size(self, shards, offset: int, count: int) -> int:
        size = 0
        for _ in range(count):
            (n,) = struct.unpack("<I", self._read(shards, offset + size, 4))
            size += 4 + n
        return size

    # -- the reader protocol -------------------------------------------------------------
    def variables(self) -> list[VariableEntry]:
        return [
            VariableEntry(w.name, w.shape, w.dtype, w.stored if w.stored != w.dtype else None)
            for w in sorted(self.weights, key=lambda w: w.name)
        ]

    def kinds(self) -> dict[str, tuple[str, str | None]]:
        names = {w.name for w in self.weights}
        out = {}
        for w in self.weights:
            if w.group == "optimizer":
                base = w.name.rsplit("/", 1)[0]
                out[w.name] = ("optimizer", base if base in names else None)
            else:
                out[w.name] = ("model", None)
        return out

    def raw(self, name: str):
        """The stored codes of a quantized weight (or its values when it is not quantized)."""
        import numpy as np

        w = self._weight(name)
        data = self._read(w.shards, w.offset, w.size)
        if w.dtype == "string":
            out, pos = [], 0
            for _ in range(element_count(w.shape)):
                (n,) = struct.unpack_from("<I", data, pos)
                out.append(data[pos + 4 : pos + 4 + n])
                pos += 4 + n
            return np.array(out, dtype=object).reshape(w.shape)
        return np.frombuffer(data, _NUMPY[w.stored]).reshape(w.shape)

    def read(self, name: str):
        import numpy as np

        w = self._weight(name)
        codes = self.raw(name)
        if w.stored in ("uint8", "uint16"):
            # In doubles, then float32: as tfjs (JavaScript numbers into a Float32Array) and
            # tensorflowjs.read_weights (numpy float64) both dequantize.
            return (codes.astype(np.float64) * float(w.scale or 0) + float(w.min or 0)).astype(np.float32)
        if w.stored == "float16":
            return codes.astype(np.float32)
        return codes.copy()

    def quantization(self, name: str) -> str | None:
        w = self._weight(name)
        if w.stored == w.dtype:
            return None
        if w.stored == "float16":
            return "stored as float16"
        return f"stored as {w.stored} codes: value = code x {w.scale:.6g} + {w.min:.6g}"

    def truncation(self) -> str | None:
        return None

    def signature_text(self) -> str | None:
        """A graph model's signature: inputs -> outputs, with dtypes and shapes (-1 shown as ?)."""
        sig = self.signature if isinstance(self.signature, dict) else None
        if not sig:
            return None

        def side(specs) -> str:
            parts = []
            for key, spec in (specs or {}).items():
                dims = ((spec or {}).get("tensorShape") or {}).get("dim") or []
                shape = ", ".join("?" if str(d.get("size", "?")) == "-1" else str(d.get("size", "?")) for d in dims)
                dtype = str((spec or {}).get("dtype", "")).replace("DT_", "").lower()
                parts.append(f"{key}: {dtype} [{shape}]")
            return ", ".join(parts) or "nothing"

        return f"{side(sig.get('inputs'))} -> {side(sig.get('outputs'))}"

    def _weight(self, name: str) -> TfjsWeight:
        w = self._by_name.get(name)
        if w is None:
            raise CheckpointError(f"{self.name} has no weight {name!r}")
        return w

    def _layers(self) -> list[Layer]:
        """The layers model's layers in order, with their weights (by name prefix)."""
        topo = self.topology if isinstance(self.topology, dict) else {}
        cfg = topo.get("model_config", topo)
        layers_cfg = (cfg.get("config") or {}).get("layers") if isinstance(cfg, dict) else None
        out = []
        for layer in layers_cfg or []:
            if not isinstance(layer, dict):
                continue
            name = str((layer.get("config") or {}).get("name", ""))
            mine = [w for w in self.weights if w.group != "optimizer" and w.name.startswith(name + "/")]
            params = sum(element_count(w.shape) for w in mine)
            out.append(Layer(name, str(layer.get("class_name")), [w.name for w in mine], params, params, key=name))
        return out
