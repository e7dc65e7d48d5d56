"""Read one checkpoint: its variable list and single tensors, through TensorFlow's reader."""

from __future__ import annotations

import functools
import logging
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from ckpt_browser.core.errors import CheckpointError
from ckpt_browser.core.tfimport import tf

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VariableEntry:
    """A tensor as the checkpoint stores it: name exactly as tf.train.list_variables gives it."""

    name: str
    shape: tuple[int, ...]
    dtype: str  # numpy name: float32, int64, bfloat16, ...; "string" for tf.string


class CheckpointReader(Protocol):
    def variables(self) -> list[VariableEntry]: ...

    def read(self, name: str) -> np.ndarray: ...


@functools.cache
def dtype_name(tf_dtype) -> str:
    """numpy-style name of a TensorFlow dtype; tf.string is "string". (Few distinct dtypes
    exist, so the answer is remembered: a checkpoint can list 100,000 variables.)"""
    t = tf()
    if tf_dtype == t.string:
        return "string"
    try:
        return np.dtype(tf_dtype.as_numpy_dtype).name
    except TypeError:
        return tf_dtype.name  # quantized and other types with no numpy counterpart


@functools.cache
def itemsize(dtype: str) -> int | None:
    """Bytes per element of a stored dtype, or None when elements vary in size (strings)."""
    if dtype == "string":
        return None
    try:
        return np.dtype(dtype).itemsize
    except TypeError:
        import ml_dtypes  # TensorFlow's own dependency; gives bfloat16 and friends

        return np.dtype(getattr(ml_dtypes, dtype)).itemsize


def explain(exc: BaseException, prefix: Path) -> str:
    """Turn a TensorFlow reading error into a sentence naming the file at fault."""
    text = str(exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    name = prefix.name
    index = f"{name}.index"
    if "Failed to find any matching files" in text:
        return f"{index} is missing"
    if "sstable" in text or "bad magic number" in text or "corrupted" in text.lower():
        return f"{index} is not a checkpoint index ({first})"
    if isinstance(exc, IndexError) or "Read less bytes" in text or "truncated" in text.lower():
        return f"the data file of {name} is truncated ({first})"
    if "data-" in text and ("not found" in text.lower() or "No such file" in text):
        return f"a data file of {name} is missing ({first})"
    if "Permission denied" in text:
        return f"cannot read {name}: permission denied"
    return f"cannot read {name}: {first}"


class TFCheckpointReader:
    """TensorFlow's own checkpoint reader (py_checkpoint_reader) behind our protocol.

    Opening reads only the index; ``read`` reads one tensor from the data shards.
    """

    def __init__(self, prefix: str | os.PathLike) -> None:
        self.prefix = Path(prefix)
        try:
            self._reader = tf().train.load_checkpoint(str(self.prefix))
        except Exception as exc:  # noqa: BLE001 - TF raises OpError, IndexError, ...
            raise CheckpointError(explain(exc, self.prefix)) from exc
        self._dtypes = self._reader.get_variable_to_dtype_map()
        self._shapes = self._reader.get_variable_to_shape_map()
        self._variables: list[VariableEntry] | None = None

    def variables(self) -> list[VariableEntry]:
        # The same list tf.train.list_variables builds (sorted names and shapes), with the
        # dtypes from the same reader instead of opening the index a second time.
        if self._variables is None:
            self._variables = [
                VariableEntry(name, tuple(int(d) for d in self._shapes[name]), dtype_name(self._dtypes[name]))
                for name in sorted(self._shapes)
            ]
        return list(self._variables)

    def read(self, name: str) -> np.ndarray:
        if name not in self._shapes:
            raise CheckpointError(f"{self.prefix.name} has no variable {name!r}")
        try:
            value = self._reader.get_tensor(name)
        except Exception as exc:  # noqa: BLE001
            raise CheckpointError(explain(exc, self.prefix)) from exc
        return np.asarray(value)

    def truncation(self) -> str | None:
        """Say whether the data shards are too small to hold the tensors the index lists.

        Cheap (no tensor is read): fixed-size tensors need shape x itemsize bytes each, and
        padding only adds to that, so data files smaller than the sum are truncated.
        """
        need = 0
        for entry in self.variables():
            size = itemsize(entry.dtype)
            if size is not None:
                need += math.prod(entry.shape) * size
        folder, base = self.prefix.parent, self.prefix.name
        have = sum(p.stat().st_size for p in folder.glob(base + ".data-*") if p.is_file())
        if have < need:
            return (
                f"the data file of {base} is truncated: its variables need at least "
                f"{need:,} bytes, the data files hold {have:,}"
            )
        return None


_cache: dict[tuple[str, int, int], TFCheckpointReader] = {}
_CACHE_SIZE = 8


def open_checkpoint(prefix: str | os.PathLike) -> TFCheckpointReader:
    """A reader for the checkpoint, reused while its index file is unchanged.

    Looking at variable after variable must not re-open the index each time; a checkpoint
    re-saved under the same name (Estimators do that) gets a new reader.
    """
    index = Path(str(prefix) + ".index")
    try:
        st = index.stat()
        key = (str(index), st.st_mtime_ns, st.st_size)
    except OSError:
        return TFCheckpointReader(prefix)  # raises the right message
    reader = _cache.pop(key, None) or TFCheckpointReader(prefix)
    _cache[key] = reader  # most recently used last
    while len(_cache) > _CACHE_SIZE:
        _cache.pop(next(iter(_cache)))
    return reader
