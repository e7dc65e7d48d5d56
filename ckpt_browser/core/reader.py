"""Read one checkpoint: its variable list and single tensors.

The native reader (formats/bundle.py) is used for everything; TensorFlow's reader only where the
native one meets something it does not decode (then only if TensorFlow imports), with a note.
"""

from __future__ import annotations

import logging
import math
import os
import threading
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.formats import isolated
from ckpt_browser.core.formats.bundle import BundleReader
from ckpt_browser.core.formats.records import VariableEntry, itemsize
from ckpt_browser.core.formats.sstable import UnsupportedFormat
from ckpt_browser.core.storage import as_path, is_remote, local_copy
from ckpt_browser.core.storage import local_file as storage_local_file
from ckpt_browser.core.storage import stat as storage_stat

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

# How checkpoints were opened in this process ("native" / "tensorflow"): the tests check that
# every fixture takes the native path.
opened: Counter[str] = Counter()


class CheckpointReader(Protocol):
    note: str | None  # something the user should know about how it was read

    def variables(self) -> list[VariableEntry]: ...

    def read(self, name: str) -> np.ndarray: ...

    def truncation(self) -> str | None: ...


class TFCheckpointReader:
    """TensorFlow's own checkpoint reader (py_checkpoint_reader) behind our protocol: the
    fallback for what the native reader does not decode. It runs in a worker process
    (tf/tf_checkpoint.py): a malformed entry aborts TensorFlow's reader, and that must not take the
    app with it."""

    native = False

    def __init__(self, prefix: str | os.PathLike, note: str | None = None) -> None:
        from ckpt_browser.core.tf.tfimport import TensorFlowMissing, findable, not_installed

        self.prefix = Path(prefix)
        self.note = note
        if not findable():
            raise TensorFlowMissing(not_installed())
        listed = self._call("listing", str(self.prefix), work=_file_bytes(str(self.prefix) + ".index"))
        self._variables = [VariableEntry(name, shape, dtype) for name, shape, dtype in listed]
        self._names = {v.name: v for v in self._variables}

    def _call(self, func: str, *args, work: int | None):
        """func(*args) in TensorFlow's worker, its time limit from the bytes it works on (work)."""
        from ckpt_browser.core.tf.tfimport import TensorFlowMissing

        return isolated.TENSORFLOW.call(
            f"ckpt_browser.core.tf.tf_checkpoint:{func}", *args, what=self.prefix.name,
            errors={"TensorFlowMissing": TensorFlowMissing}, timeout=isolated.limit(work),
        )  # fmt: skip

    def variables(self) -> list[VariableEntry]:
        return list(self._variables)

    def read(self, name: str) -> np.ndarray:
        if name not in self._names:
            raise CheckpointError(f"{self.prefix.name} has no variable {name!r}")
        v = self._names[name]
        size = itemsize(v.dtype)
        # Strings and other variable-size values: at most the data files' bytes.
        work = math.prod(v.shape) * size if size else sum(map(_file_bytes, self._data_files()))
        return self._call("tensor", str(self.prefix), name, work=work)

    def _data_files(self) -> list[str]:
        import glob

        return glob.glob(glob.escape(str(self.prefix)) + ".data-*")

    def truncation(self) -> str | None:
        """Say whether the data shards are too small to hold the tensors the index lists.

        Cheap (no tensor is read): fixed-size tensors need shape x itemsize bytes each, and
        padding only adds to that, so data files smaller than the sum are truncated.
        """
        from ckpt_browser.core.formats.bundle import truncation_message

        need = sum(math.prod(v.shape) * (itemsize(v.dtype) or 0) for v in self.variables())
        return truncation_message(self.prefix, need)


def _file_bytes(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:  # gone: the call says so
        return 0


_tf_failed: dict[tuple, str] = {}  # (prefix, index mtime, size) -> why TensorFlow could not read it


def _open(prefix: str | os.PathLike) -> CheckpointReader:
    try:
        reader: CheckpointReader = BundleReader(prefix)
    except UnsupportedFormat as exc:
        from ckpt_browser.core.tf.tfimport import TensorFlowMissing

        st = storage_stat(str(prefix) + ".index")
        key = (str(prefix), getattr(st, "st_mtime_ns", 0), getattr(st, "st_size", 0))
        if key in _tf_failed:  # TensorFlow's reader crashed or refused it: not again (seconds each)
            raise CheckpointError(_tf_failed[key]) from exc
        try:
            # TensorFlow reads local files: a checkpoint in a bucket is fetched first.
            reader = TFCheckpointReader(local_copy(prefix), note=f"{exc}; read with TensorFlow instead")
        except TensorFlowMissing as missing:
            raise CheckpointError(f"{exc} ({missing})") from exc
        except CheckpointError as failed:
            _tf_failed[key] = str(failed)
            raise
        opened["tensorflow"] += 1
        log.info("%s", reader.note)
        return reader
    opened["native"] += 1
    return reader


def _fetch_model_file(url):
    """A Keras file or TF.js model from a bucket, in the cache folder; a TF.js model's shards too."""
    import json

    from ckpt_browser.core.formats.tfjs import is_tfjs_file

    local = storage_local_file(url)
    if is_tfjs_file(url):
        try:
            with open(local, "rb") as f:
                doc = json.loads(f.read(64 << 20))
        except (OSError, ValueError):
            return local  # the reader says what is wrong with it
        manifest = doc if isinstance(doc, list) else doc.get("weightsManifest", []) if isinstance(doc, dict) else []
        folder = as_path(url).parent
        for group in manifest if isinstance(manifest, list) else []:
            for shard in group.get("paths", []) if isinstance(group, dict) else []:
                if isinstance(shard, str) and ".." not in shard.split("/") and not shard.startswith("/"):
                    storage_local_file(folder / shard)
    return local


def _open_keras(path) -> CheckpointReader:
    from ckpt_browser.core.formats.keras import open_model_file

    if is_remote(path):  # h5py reads local files: a bucket's Keras file is fetched first
        path = _fetch_model_file(path)
    reader = open_model_file(path)
    opened["keras"] += 1
    return reader


_cache: dict[tuple, CheckpointReader] = {}  # (index path, mtime, size, ETag) -> reader
_cache_lock = threading.Lock()  # readers are opened from worker threads and the UI thread
_CACHE_SIZE = 8


def open_checkpoint(prefix: str | os.PathLike) -> CheckpointReader:
    """A reader for the checkpoint, reused while its index file is unchanged.

    Looking at variable after variable must not re-open the index each time; a checkpoint
    re-saved under the same name (Estimators do that) gets a new reader.
    """
    from ckpt_browser.core.formats.keras import is_keras_file

    keras = is_keras_file(prefix)
    index = as_path(str(prefix) if keras else str(prefix) + ".index")  # a Keras file is its own index
    st = storage_stat(index)
    if st is None:
        if is_remote(index) or not os.path.lexists(str(index)):
            raise CheckpointError(f"{index.name} is missing") from None
        return _open(prefix)  # raises the right message
    key = (str(index), st.st_mtime_ns, st.st_size, getattr(st, "tag", ""))
    with _cache_lock:
        reader = _cache.pop(key, None)
    if reader is None:
        reader = _open_keras(prefix) if keras else _open(prefix)
    with _cache_lock:
        _cache[key] = reader  # most recently used last
        while len(_cache) > _CACHE_SIZE:
            _cache.pop(next(iter(_cache)))
    return reader
