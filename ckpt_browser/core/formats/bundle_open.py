"""Open a tensor bundle: our native reader, or TensorFlow's where ours meets something it does
not decode (then only if TensorFlow imports here, in its worker process), with a note."""

from __future__ import annotations

import glob
import logging
import math
import os
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.base.tf_presence import TensorFlowMissing, findable, not_installed
from ckpt_browser.core.formats import isolated
from ckpt_browser.core.formats.bundle import BundleReader, truncation_message
from ckpt_browser.core.formats.records import VariableEntry, itemsize
from ckpt_browser.core.formats.sstable import UnsupportedFormat
from ckpt_browser.core.storage import Location, local_copy
from ckpt_browser.core.storage import stat as storage_stat

if TYPE_CHECKING:
    import numpy as np

    from ckpt_browser.core.formats.registry import CheckpointReader

log = logging.getLogger(__name__)

# How checkpoints were opened in this process ("native" / "tensorflow" / a format's name): the
# tests check that every fixture takes the native path.
opened: Counter[str] = Counter()


class TFCheckpointReader:
    """TensorFlow's own checkpoint reader (py_checkpoint_reader) behind our protocol: the
    fallback for what the native reader does not decode. It runs in a worker process
    (tf/tf_checkpoint.py): a malformed entry aborts TensorFlow's reader, and that must not take the
    app with it."""

    native = False

    def __init__(self, prefix: str | os.PathLike, note: str | None = None) -> None:
        self.prefix = Path(prefix)
        self.note = note
        if not findable():
            raise TensorFlowMissing(not_installed())
        listed = self._call("listing", str(self.prefix), work=_file_bytes(str(self.prefix) + ".index"))
        self._variables = [VariableEntry(name, shape, dtype) for name, shape, dtype in listed]
        self._names = {v.name: v for v in self._variables}

    def _call(self, func: str, *args, work: int | None):
        """func(*args) in TensorFlow's worker, its time limit from the bytes it works on (work)."""
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
        return glob.glob(glob.escape(str(self.prefix)) + ".data-*")

    def truncation(self) -> str | None:
        """Say whether the data shards are too small to hold the tensors the index lists.

        Cheap (no tensor is read): fixed-size tensors need shape x itemsize bytes each, and
        padding only adds to that, so data files smaller than the sum are truncated.
        """

        need = sum(math.prod(v.shape) * (itemsize(v.dtype) or 0) for v in self.variables())
        return truncation_message(self.prefix, need)


def _file_bytes(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:  # gone: the call says so
        return 0


_tf_failed: dict[tuple, str] = {}  # (prefix, index mtime, size) -> why TensorFlow could not read it


def open_bundle(prefix: Location) -> CheckpointReader:
    try:
        reader: CheckpointReader = BundleReader(prefix)
    except UnsupportedFormat as exc:
        st = storage_stat(prefix.plus(".index"))
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
