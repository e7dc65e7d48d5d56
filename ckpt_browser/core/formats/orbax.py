"""Orbax checkpoints (orbax.checkpoint.CheckpointManager, keras.callbacks.OrbaxCheckpoint), read
without JAX: the folders and JSON files here (orbax_layout.py), the OCDBT database and zarr arrays by
tensorstore in a worker process (orbax_worker.py). A CheckpointReader (core/reader.py).

A variable is one array of the PyTree, named by its path (``trainable_variables/dense/kernel``);
its shape and dtype come from the array's own zarr metadata (Orbax's _METADATA lacks them).
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
from dataclasses import dataclass

from ckpt_browser.core import storage
from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.formats import isolated, orbax_layout
from ckpt_browser.core.formats.orbax_found import found_checkpoints
from ckpt_browser.core.formats.orbax_remote import credentials_env, s3_options
from ckpt_browser.core.formats.orbax_worker import MISSING, TensorstoreMissing
from ckpt_browser.core.formats.records import VariableEntry, itemsize

TENSORSTORE = isolated.Worker("tensorstore")
WORKER = "ckpt_browser.core.formats.orbax_worker"
VERIFY_NOTE = ("Orbax stores no checksums: every chunk was read and decoded, and each array's size checked "
               "against its zarr metadata")  # fmt: skip
_KERAS_TOPS = {"trainable_variables", "non_trainable_variables", "optimizer_variables", "metrics_variables"}


@dataclass(frozen=True)
class ArrayInfo:
    """One array as its zarr metadata describes it."""

    name: str  # the PyTree path, a/b/c
    item: int  # which of the reader's items holds it
    param: str  # its key in the database (the path joined with dots)
    database: int  # which of the item's databases
    shape: tuple[int, ...]
    dtype: str
    chunks: tuple[int, ...]
    compression: str
    stored_chunks: int  # chunk keys listed in the database
    zarr3: bool


def available() -> bool:
    """tensorstore importable (the worker imports it; this process never does)."""
    try:
        return importlib.util.find_spec("tensorstore") is not None
    except (ImportError, ValueError):  # blocked: sys.modules["tensorstore"] = None
        return False


def kvstore_spec(folder: storage.Location) -> dict:
    """tensorstore's kvstore for a folder: a local path, an s3://, gs:// or http(s):// URL."""
    if not folder.is_remote:  # absolute (a Location's normal form): the worker's current folder is not ours
        return {"driver": "file", "path": str(folder).rstrip(os.sep) + "/"}
    text = str(folder).rstrip("/") + "/"
    protocol = folder.protocol
    if protocol in ("http", "https"):
        from ckpt_browser.core.storage.remote_http import split_credentials  # deferred: start-up: +52 modules

        clean, auth = split_credentials(text)  # user:password@ as our HTTP reads send it, never shown
        return {"driver": "http", "base_url": clean, **({"headers": [f"Authorization: {auth}"]} if auth else {})}
    bucket, _, key = text.split("://", 1)[1].partition("/")
    if protocol in ("s3", "s3a"):
        return {"driver": "s3", "bucket": bucket, "path": key, **s3_options()}
    if protocol in ("gs", "gcs"):
        return {"driver": "gcs", "bucket": bucket, "path": key}
    raise CheckpointError(
        f"Orbax checkpoints are read from local folders, s3://, gs:// and http(s):// (not {protocol}://)"
    )


def _database_spec(folder, ocdbt: bool) -> dict:
    base = kvstore_spec(folder)
    return {"driver": "ocdbt", "base": base} if ocdbt else base


def parse_zarr(text: str, what: str) -> tuple[tuple[int, ...], str, tuple[int, ...], str]:
    """(shape, dtype, chunk shape, compression) from a .zarray (zarr v2) or zarr.json (v3)."""
    import numpy as np

    try:
        doc = json.loads(text)
        if "zarr_format" in doc and doc.get("zarr_format") == 2:
            shape, chunks = tuple(map(int, doc["shape"])), tuple(map(int, doc["chunks"]))
            raw = doc["dtype"]
            dtype = raw if raw in ("bfloat16", "float8_e4m3fn", "float8_e5m2", "int4", "uint4") else np.dtype(raw).name
            comp = doc.get("compressor") or {}
            compression = str(comp.get("id", "none")) if isinstance(comp, dict) else "none"
            return shape, dtype, chunks, compression
        shape = tuple(map(int, doc["shape"]))
        chunks = tuple(map(int, doc["chunk_grid"]["configuration"]["chunk_shape"]))
        codecs = doc.get("codecs") or []
        if codecs and codecs[0].get("name") == "sharding_indexed":
            inner = codecs[0].get("configuration", {})
            chunks = tuple(map(int, inner.get("chunk_shape", chunks)))
            codecs = inner.get("codecs") or []
        names = [c.get("name", "?") for c in codecs if c.get("name") not in ("bytes", "transpose")]
        return shape, str(doc["data_type"]), chunks, "+".join(names) or "none"
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CheckpointError(f"{what}: its zarr metadata is damaged ({type(exc).__name__}: {str(exc)[:80]})") from None


class OrbaxReader:
    """One Orbax step (or one item folder): its arrays, read by tensorstore in the worker."""

    native = True
    note: str | None = None
    verify_note = VERIFY_NOTE
    checks_finite = True  # verify --finite: check(name, finite=True) counts NaN and Inf

    def __init__(self, path) -> None:
        if not available():
            raise TensorstoreMissing(MISSING)
        self.path = storage.locate(path)  # a Location as it is
        self.name = self.path.name
        self.items = orbax_layout.items(self.path)
        self._problems: list[str] = []
        self._arrays: dict[str, ArrayInfo] = {}
        self._strings: dict[str, tuple[int, str]] = {}  # a string leaf: (item, its key in _strings.json)
        self._string_docs: dict[int, dict] = {}
        self._specs: list[list[dict]] = []
        self._generations: list[str] = []
        with_arrays = [it for it in self.items if it.databases and it.tree]
        if not with_arrays:
            raise CheckpointError(
                f"{self.name}: no Orbax PyTree with arrays (no {orbax_layout.MANIFEST} beside a _METADATA)"
            )
        prefix = len(with_arrays) > 1
        if self.path.protocol in ("s3", "s3a", "gs", "gcs"):
            self._call("environment", credentials_env(), work=0, what="the bucket's credentials")
        for n, item in enumerate(self.items):
            specs = [_database_spec(db, item.ocdbt) for db in item.databases]
            self._specs.append(specs)
            self._generations.append(_generation(item))
            if item not in with_arrays:
                continue
            found = self._call("listing", specs, self._generations[n], work=_database_bytes(item), what=item.name)
            for param, keys in item.tree.items():
                name = "/".join(((item.name,) if prefix else ()) + keys)
                if item.value_types.get(param) == "string":  # in the item's _strings.json, not the database
                    self._strings[name] = (n, param)
                    continue
                if param not in found:
                    if item.value_types.get(param) not in ("None", ""):
                        self._problems.append(f"{name}: listed in {item.name}/_METADATA but not in its database")
                    continue
                database, text, stored = found[param]
                shape, dtype, chunks, compression = parse_zarr(text, name)
                self._arrays[name] = ArrayInfo(name, n, param, database, shape, dtype, chunks, compression, stored,
                                               item.zarr3)  # fmt: skip

    def _call(self, func: str, *args, work: int | None, what: str):
        return TENSORSTORE.call(f"{WORKER}:{func}", *args, what=f"{what} in {self.name}",
                                errors={"TensorstoreMissing": TensorstoreMissing},
                                timeout=isolated.limit(work, isolated.READ_RATE))  # fmt: skip

    def variables(self) -> list[VariableEntry]:
        entries = [VariableEntry(a.name, a.shape, a.dtype) for a in self._arrays.values()]
        entries += [VariableEntry(name, (), "string") for name in self._strings]
        return sorted(entries, key=lambda e: e.name)

    def info(self, name: str) -> ArrayInfo:
        if name not in self._arrays:
            raise CheckpointError(f"{self.name} has no variable {name!r}")
        return self._arrays[name]

    def _string(self, name: str):
        """A string leaf as a 0-d array of its UTF-8 bytes (as a TF checkpoint's strings read)."""
        import numpy as np

        n, param = self._strings[name]
        if n not in self._string_docs:
            self._string_docs[n] = orbax_layout.read_json(self.items[n].path / orbax_layout.STRINGS, "strings")
        value = self._string_docs[n].get(param)
        if not isinstance(value, str):
            raise CheckpointError(f"{name}: not in {self.items[n].name}/{orbax_layout.STRINGS}")
        out = np.empty((), object)
        out[()] = value.encode()
        return out

    def layout(self, name: str) -> str:
        """How the array is stored, for `show`: zarr version, chunk shape and count, compression."""
        if name in self._strings:
            return f"a string in {self.items[self._strings[name][0]].name}/{orbax_layout.STRINGS}"
        a = self.info(name)
        chunks = "[" + ", ".join(map(str, a.chunks)) + "]"
        keys = f"{a.stored_chunks} shard{'s' if a.stored_chunks != 1 else ''}" if a.zarr3 else f"{a.stored_chunks}"
        where = " in OCDBT" if self.items[a.item].ocdbt else ""
        return f"zarr v{3 if a.zarr3 else 2}{where}, chunks {chunks} ({keys} stored), {a.compression}"

    def _array_args(self, a: ArrayInfo) -> tuple:
        return (self._specs[a.item][a.database], self._generations[a.item], a.param, "zarr3" if a.zarr3 else "zarr")

    def read(self, name: str):
        if name in self._strings:
            return self._string(name)
        a = self.info(name)
        return self._check_shape(
            a, self._call("read", *self._array_args(a), None, name, work=_nbytes(a), what=name), None
        )

    def read_slice(self, name: str, index: tuple):
        """Part of an array (a tuple of ints and slices): only the chunks it touches are read."""
        if name in self._strings:
            return self._string(name)[tuple(index)]
        a = self.info(name)
        return self._call("read", *self._array_args(a), tuple(index), name, work=_nbytes(a), what=name)

    def _check_shape(self, a: ArrayInfo, value, index):
        if index is None and tuple(getattr(value, "shape", ())) != a.shape:
            raise CheckpointError(f"{a.name}: read {getattr(value, 'shape', None)}, its metadata says {a.shape}")
        return value

    def check(self, name: str, buffer: bytearray | None = None, finite: bool = False) -> int:
        """verify: every chunk read and decoded, its size against the metadata; the bytes read."""
        if name in self._strings:
            return len(self._string(name)[()])
        a = self.info(name)
        nbytes, bad = self._call("check", *self._array_args(a), finite, name, work=_nbytes(a), what=name)
        expected = _nbytes(a)
        if expected is not None and nbytes != expected:
            raise CheckpointError(f"{name}: {nbytes:,} bytes decoded, its metadata says {expected:,}")
        if bad:
            raise CheckpointError(f"{name}: {bad:,} values are NaN or infinite")
        return nbytes

    def truncation(self) -> str | None:
        return None

    def problems(self) -> list[str]:
        return list(self._problems)

    def keras_model_config(self) -> dict | None:
        """The model config Keras' OrbaxCheckpoint saves beside the weights (the ``model_config``
        item's one string), or None."""
        for item in self.items:
            if item.databases or "config" not in item.tree:
                continue
            try:
                doc = orbax_layout.read_json(item.path / orbax_layout.STRINGS, "strings")
                config = json.loads(doc.get("config", ""))
            except (CheckpointError, ValueError, TypeError, RecursionError):
                return None
            return config if isinstance(config, dict) else None
        return None

    def kinds(self) -> dict[str, tuple[str, str | None]]:
        """Keras' OrbaxCheckpoint trees: the same kinds as a Keras file (model weights, optimizer
        variables with the weight each slot belongs to; metrics as other); {} for other trees."""
        names = list(self._arrays)
        tops = {n.split("/", 1)[0] for n in names}
        if tops & _OPTIMIZER_TOPS:
            return _training_state_kinds(names)
        if not tops or not tops <= _KERAS_TOPS or "trainable_variables" not in tops:
            return {}
        flat = {"_".join(n.split("/")[1:]): n for n in names if n.startswith("trainable_variables/")}
        out: dict[str, tuple[str, str | None]] = {}
        for n in names:
            top = n.split("/", 1)[0]
            if top == "optimizer_variables":
                leaf = n.rsplit("/", 1)[-1]
                owner = next((flat[k] for k in sorted(flat, key=len, reverse=True) if leaf.startswith(k + "_")), None)
                out[n] = ("optimizer", owner)
            else:
                out[n] = ("other", None) if top == "metrics_variables" else ("model", None)
        return out


def _training_state_kinds(names: list[str]) -> dict[str, tuple[str, str | None]]:
    """A JAX training state (Flax's TrainState: step, params, opt_state): the optimizer's leaves
    are its state, each tied to the parameter whose tree it mirrors (optax's mu, nu, trace hold
    a copy of the params' tree: opt_state/1/0/mu/dense/kernel is params/dense/kernel's); the
    step is the global step. Other leaves are read off their names."""
    params = {n.split("/", 1)[1]: n for n in names if n.startswith("params/")}
    out: dict[str, tuple[str, str | None]] = {}
    for n in names:
        top, _, rest = n.partition("/")
        if top in _OPTIMIZER_TOPS:
            parts = rest.split("/")
            tails = ("/".join(parts[k:]) for k in range(len(parts)))
            out[n] = ("optimizer", next((params[t] for t in tails if t in params), None))
        elif n == "step":
            out[n] = ("global_step", None)
    return out


_OPTIMIZER_TOPS = {"opt_state", "optimizer_state", "opt"}  # Flax's TrainState and common hand-made trees


def _nbytes(a: ArrayInfo) -> int | None:
    size = itemsize(a.dtype)
    return None if size is None else math.prod(a.shape) * size


def _database_bytes(item: orbax_layout.Item) -> int | None:
    """The bytes of an item's databases on a local disk (a listing's time limit grows with them),
    after checking that each manifest is a regular file (a FIFO would block the worker's read);
    None in a bucket (its own time limits apply)."""

    if item.path.is_remote:
        return None
    total = 0
    for db in item.databases:
        if item.ocdbt:
            storage.require_regular(db / orbax_layout.MANIFEST)
        for folder, _, files in os.walk(db):
            for name in files:
                try:
                    total += os.lstat(os.path.join(folder, name)).st_size
                except OSError:
                    pass
    return total


def _generation(item: orbax_layout.Item) -> str:
    """What changes when the database is rewritten (a step being written): the manifests' stats."""
    parts = []
    for db in item.databases:
        st = storage.stat(db / orbax_layout.MANIFEST)
        parts.append(f"{getattr(st, 'st_mtime_ns', 0)}:{getattr(st, 'st_size', 0)}")
    return ",".join(parts)


def open_orbax(path) -> OrbaxReader:
    """The reader for a step folder (or an item folder) scan_orbax found."""
    return OrbaxReader(path)


def scan_orbax(folder):
    """The steps of an Orbax folder as FoundCheckpoints (a root: its steps; a step or an item
    folder: itself), or None when the folder is not Orbax's."""

    found = found_checkpoints(folder)
    if found and available():  # the worker imports tensorstore while the window lists the steps
        TENSORSTORE.prestart(["tensorstore", WORKER])
    return found
