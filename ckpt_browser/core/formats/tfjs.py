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

import json
import os
import struct

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.formats.keras_parts import MAX_JSON, Layer, as_dict, as_list, element_count, read_json
from ckpt_browser.core.formats.records import VariableEntry
from ckpt_browser.core.formats.tfjs_manifest import Manifest, TfjsWeight
from ckpt_browser.core.storage import Location, local_file, require_regular

_NUMPY = {
    "float32": "<f4",
    "int32": "<i4",
    "bool": "?",
    "complex64": "<c8",
    "uint8": "u1",
    "uint16": "<u2",
    "float16": "<f2",
}
NO_CHECKSUMS = (
    "TensorFlow.js files carry no checksums: checked instead that the manifest accounts for every byte "
    "of the shards, that quantization parameters and values are finite"
)


def fetch_model(url: Location) -> Location:
    """A TF.js model from a bucket, in the cache folder, with its weight shards beside it (the
    reader then reads local files)."""
    local = local_file(url)
    try:
        with open(local, "rb") as f:
            doc = json.loads(f.read(64 << 20))
    except (OSError, ValueError):
        return local  # the reader says what is wrong with it
    manifest = doc if isinstance(doc, list) else doc.get("weightsManifest", []) if isinstance(doc, dict) else []
    folder = url.parent
    for group in manifest if isinstance(manifest, list) else []:
        for shard in group.get("paths", []) if isinstance(group, dict) else []:
            if isinstance(shard, str) and ".." not in shard.split("/") and not shard.startswith("/"):
                local_file(folder / shard)
    return local


class TfjsModel:
    """A CheckpointReader (core/formats/reader.py) over a TF.js model.json or weights manifest."""

    native = True
    note: str | None = None

    def __init__(self, path) -> None:
        self.path = str(path)
        self.name = os.path.basename(self.path)
        self.folder = os.path.dirname(self.path)
        require_regular(self.path)
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
        self.format = doc["format"] if isinstance(doc.get("format"), str) else "layers-model"
        topology, training = doc.get("modelTopology"), doc.get("trainingConfig")
        self.topology = topology if isinstance(topology, dict) else None
        self.training_config = training if isinstance(training, dict) else None
        signature = doc.get("signature") or as_dict(doc.get("userDefinedMetadata")).get("signature")
        self.signature = signature if isinstance(signature, dict) else None
        self._manifest = Manifest(doc["weightsManifest"], self.folder, self.name)
        self.weights: list[TfjsWeight] = self._manifest.weights
        self._by_name = {w.name: w for w in self.weights}
        if len(self._by_name) != len(self.weights):
            raise CheckpointError(f"{self.name} names a weight twice in its weightsManifest")
        self.layers = self._layers()

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
        data = self._manifest.read(w.shards, w.offset, w.size)
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
            # tensorflowjs.read_weights (numpy float64) both dequantize. A scale too big for float32
            # gives inf, as there; verify says so (no warning printed).
            with np.errstate(over="ignore", invalid="ignore"):
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
        """A manifest that leaves shard bytes unclaimed: its weights are not where it says."""
        return self._manifest.unaccounted[0] if self._manifest.unaccounted else None

    # -- verify ---------------------------------------------------------------------------
    verify_note = NO_CHECKSUMS

    def problems(self) -> list[str]:
        """What is wrong with the file as a whole (verify lists it)."""
        return list(self._manifest.unaccounted)

    def check(self, name: str, buffer: bytearray | None = None) -> int:
        """What verify checks of one weight, in place of a checksum: finite quantization
        parameters and finite values. Returns the bytes read."""
        import numpy as np

        w = self._weight(name)
        for label, value in (("scale", w.scale), ("min", w.min)):
            if value is not None and not np.isfinite(value):
                raise CheckpointError(f"its quantization {label} is {value}: every value would be {value}")
        if w.dtype != "string":
            values = self.read(name)
            if values.dtype.kind in "fc":
                bad = int(values.size - np.count_nonzero(np.isfinite(values)))
                if bad:
                    raise CheckpointError(f"{bad:,} of {values.size:,} values are NaN or infinite")
        else:
            self.raw(name)
        return w.size

    def signature_text(self) -> str | None:
        """A graph model's signature: inputs -> outputs, with dtypes and shapes (-1 shown as ?)."""
        sig = self.signature if isinstance(self.signature, dict) else None
        if not sig:
            return None

        def side(specs) -> str:
            parts = []
            for key, spec in as_dict(specs).items():
                dims = [as_dict(d) for d in as_list(as_dict(as_dict(spec).get("tensorShape")).get("dim"))]
                sizes = [str(d.get("size", "?"))[:20] for d in dims]
                shape = ", ".join("?" if size == "-1" else size for size in sizes)
                dtype = str(as_dict(spec).get("dtype", ""))[:30].replace("DT_", "").lower()
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
        topo = as_dict(self.topology)
        cfg = as_dict(topo.get("model_config", topo))
        out = []
        for layer in as_list(as_dict(cfg.get("config")).get("layers")):
            if not isinstance(layer, dict):
                continue
            name = as_dict(layer.get("config")).get("name", "")
            if not isinstance(name, str):
                continue
            mine = [w for w in self.weights if w.group != "optimizer" and w.name.startswith(name + "/")]
            params = sum(element_count(w.shape) for w in mine)
            out.append(Layer(name, str(layer.get("class_name")), [w.name for w in mine], params, params, key=name))
        return out
