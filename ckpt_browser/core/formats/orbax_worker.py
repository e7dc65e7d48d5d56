"""The tensorstore side of the Orbax reader: runs in the worker process (formats/isolated.py), where
a damaged B-tree node or chunk that crashes or hangs the library costs the worker, not the app.

tensorstore is the one library that reads OCDBT (Orbax's key-value store: a manifest, B-tree nodes
and data files) and zarr without JAX. Specs come from formats/orbax.py: a list of kvstore specs,
one per database of the item (the merged one, or one per process when the merge was skipped).
"""

from __future__ import annotations

import itertools
import json
import os
import re
from typing import Any

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.formats.orbax_remote import PASSED

MISSING = "reading Orbax checkpoints needs tensorstore: pip install 'ckpt-browser[orbax]'"
META_KEYS = (".zarray", "zarr.json")
MAX_META = 1 << 20  # a zarr metadata entry is a few hundred bytes
_stores: dict[str, Any] = {}  # spec (JSON) + generation -> an open KvStore, kept while the worker lives
_contexts: dict[str, Any] = {}


class TensorstoreMissing(CheckpointError):
    pass


def _ts():
    try:
        import tensorstore
    except ImportError:
        raise TensorstoreMissing(MISSING) from None
    return tensorstore


def warm() -> None:
    _ts()


def environment(env: dict[str, str]) -> None:
    """The parent's bucket variables (orbax_remote.PASSED: the worker may have started before the
    user's shell values were set): taken, and the open stores dropped when they changed
    (credentials are per context; the gcs driver reads its base URL when a store is opened)."""

    changed = {k: v for k, v in env.items() if os.environ.get(k) != v}
    gone = [k for k in os.environ if k.startswith(PASSED) and k not in env]
    if changed or gone:
        os.environ.update(changed)
        for k in gone:
            del os.environ[k]
        _contexts.clear()
        _stores.clear()


CONTEXTS, POOL_BYTES = 8, 32 << 20  # at most 256 MiB of cached nodes and chunks in the worker


def _context(key: str):
    """One context per database version: its manifest and B-tree nodes are read once for every
    array of it (without a shared cache pool, each open reads the manifest again). A rewritten
    database (a step being written) is a new version, read afresh."""
    ts = _ts()
    if key not in _contexts:
        if len(_contexts) >= CONTEXTS:
            oldest = next(iter(_contexts))
            del _contexts[oldest]
            _stores.pop(oldest, None)
        _contexts[key] = ts.Context({"cache_pool": {"total_bytes_limit": POOL_BYTES}})
    return _contexts[key]


def _store(spec: dict, generation: str):
    key = json.dumps(spec, sort_keys=True) + "|" + generation
    if key not in _stores:
        ts = _ts()
        try:
            _stores[key] = ts.KvStore.open(spec, context=_context(key)).result()
        except Exception as exc:  # noqa: BLE001 - tensorstore raises ValueError / its own errors
            raise CheckpointError(explain(exc, spec)) from None
    return _stores[key]


def explain(exc: BaseException, spec: dict, what: str = "") -> str:
    """tensorstore's message as one line naming the file (or the database entry) it was reading."""
    text = re.sub(r"\s*\[source locations=.*$", "", " ".join(str(exc).split()))
    code = re.match(r"^([A-Z_]+): ", text)
    detail = text[code.end() :] if code else text
    base = _base_name(spec)
    entry = re.search(r'Error reading "([^"]{1,200})" in OCDBT', detail)
    names = r"((?:ocdbt\.process_\d+/)?(?:manifest\.ocdbt|d/[0-9a-f]{1,64}))"
    # a local file is quoted; a bucket's object is its URL (gs://..., s3://...: "Byte range [0, 689) of URL: ...")
    file = re.search(r'(?:local )?file "[^"]*?' + names + '"', detail) or re.search(
        r"\b(?:gs|s3)://\S*?/" + names + r"\b", detail
    )
    if entry is not None:
        where = f"{entry.group(1)} (in the OCDBT database of {base})"
    elif file is not None:
        where = f"{_short(file.group(1))} of {base}"
    else:
        where = base
    if "b-tree node" in detail:
        how = "holds a damaged B-tree node"
    elif "manifest" in detail.lower() and "decoding" in detail:
        how = "is damaged"
    elif (code and code.group(1) == "NOT_FOUND") or (file and "Error reading Byte range" in detail and ":" not in
                                                       detail[detail.find(file.group(1)):]):  # fmt: skip
        how = "is missing"
    elif code and code.group(1) in ("DATA_LOSS", "FAILED_PRECONDITION", "INVALID_ARGUMENT", "OUT_OF_RANGE"):
        how = "is damaged"
    else:
        how = "cannot be read"
    reason = detail.rsplit(": ", 1)[-1] if ": " in detail else detail
    head = f"{what}: " if what else ""
    return f"{head}{where} {how} ({reason[:120]})"


def _short(name: str) -> str:
    """d/<32 hex digits> shortened for a message: its first 12 digits name it well enough."""
    return re.sub(r"(d/[0-9a-f]{12})[0-9a-f]+$", r"\1...", name)


def _base_name(spec: dict) -> str:
    inner = spec.get("base", spec)
    path = str(inner.get("path") or inner.get("base_url") or "").rstrip("/")
    return "/".join(path.split("/")[-2:]) or "the checkpoint"


def listing(specs: list[dict], generation: str) -> dict[str, tuple[int, str, int]]:
    """param -> (which spec holds it, its zarr metadata text, how many chunk keys are stored). Only
    the manifests, the B-tree nodes and the metadata entries are read, all reads issued together."""
    found: dict[str, tuple[int, bytes | None, int]] = {}
    pending = []
    for n, spec in enumerate(specs):
        kv = _store(spec, generation)
        try:
            keys = kv.list().result()
        except Exception as exc:  # noqa: BLE001
            raise CheckpointError(explain(exc, spec)) from None
        chunks: dict[str, int] = {}
        metas = []
        for key in keys:
            text = key.decode("utf-8", "replace")
            param, _, rest = text.rpartition("/")
            if rest in META_KEYS and param:
                metas.append((param, key))
            else:
                top = text.split("/", 1)[0]
                chunks[top] = chunks.get(top, 0) + 1
        for param, key in metas:
            if param not in found:
                pending.append((n, param, kv.read(key)))
                found[param] = (n, None, chunks.get(param, 0))
    out: dict[str, tuple[int, str, int]] = {}
    for n, param, future in pending:
        try:
            value = future.result().value
        except Exception as exc:  # noqa: BLE001
            raise CheckpointError(explain(exc, specs[n], param)) from None
        if len(value) > MAX_META:
            raise CheckpointError(f"{param}: its zarr metadata is {len(value):,} bytes: damaged")
        out[param] = (n, value.decode("utf-8", "replace"), found[param][2])
    return out


def _array_kvstore(spec: dict, param: str) -> dict:
    """The kvstore of one array: its key prefix in the OCDBT database, or its folder beside the
    item's metadata when Orbax wrote without OCDBT."""
    if spec.get("driver") == "ocdbt":
        return {**spec, "path": param + "/"}
    if spec.get("driver") == "http":
        return {**spec, "base_url": spec["base_url"] + param + "/"}
    return {**spec, "path": spec.get("path", "") + param + "/"}


def _open_array(spec: dict, generation: str, param: str, driver: str, what: str):
    ts = _ts()
    key = json.dumps(spec, sort_keys=True) + "|" + generation
    try:
        return ts.open(
            {"driver": driver, "kvstore": _array_kvstore(spec, param), "recheck_cached_data": False},
            open=True, read=True, context=_context(key),
        ).result()  # fmt: skip
    except Exception as exc:  # noqa: BLE001
        raise CheckpointError(explain(exc, spec, what)) from None


def read(spec: dict, generation: str, param: str, driver: str, index: tuple | None, what: str):
    """The array's values (index: a tuple of slices and ints: only the chunks it touches are read)."""
    import numpy as np

    array = _open_array(spec, generation, param, driver, what)
    try:
        view = array if index is None else array[index]
        return np.asarray(view.read().result())
    except Exception as exc:  # noqa: BLE001
        raise CheckpointError(explain(exc, spec, what)) from None


def check(spec: dict, generation: str, param: str, driver: str, finite: bool, what: str) -> tuple[int, int]:
    """Read the whole array, chunk by chunk (every chunk decoded): (bytes, non-finite values)."""
    import numpy as np

    array = _open_array(spec, generation, param, driver, what)
    nbytes = bad = 0
    try:
        chunk = array.chunk_layout.read_chunk.shape or array.shape
        if not array.shape:
            blocks = [array]
        else:
            steps = [max(1, int(c)) for c in chunk]
            shape = [int(n) for n in array.shape]
            blocks = [
                array[tuple(slice(i, min(i + s, n)) for i, s, n in zip(start, steps, shape))]
                for start in _starts(shape, steps)
            ]  # the last chunk of an axis may be cut short: tensorstore refuses a slice past the end
        for block in blocks:
            a = np.asarray(block.read().result())
            nbytes += a.nbytes
            if finite and (a.dtype.kind in "fc" or a.dtype.name.startswith(("bfloat", "float8"))):
                floats = a if a.dtype.kind in "fc" else a.astype(np.float32)  # ml_dtypes: widened to test
                bad += int(a.size - np.count_nonzero(np.isfinite(floats)))
    except Exception as exc:  # noqa: BLE001
        raise CheckpointError(explain(exc, spec, what)) from None
    return nbytes, bad


def _starts(shape, steps):
    return itertools.product(*(range(0, int(n), s) for n, s in zip(shape, steps)))
