"""Keras weight files (.keras, .weights.h5, .weights.json + shards, legacy .h5): the reader the app
uses. The HDF5 library runs in a worker process (formats/isolated.py), where formats/keras_h5.py
parses the file; this side holds what it found and asks the worker for values. A file that crashes
HDF5 or sends it into a loop costs the worker, not the app: one line names the file.
"""

from __future__ import annotations

import os

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.formats import isolated
from ckpt_browser.core.formats.keras_parts import KerasEntry, Layer
from ckpt_browser.core.formats.records import VariableEntry
from ckpt_browser.core.storage import require_regular


class KerasFile:
    """A Keras file's variables, layers and configs. A CheckpointReader (core/formats/reader.py)."""

    native = True
    note: str | None = None

    def __init__(self, path) -> None:
        self.path = path
        self.name = os.path.basename(str(path))
        self.config: dict | None = None  # the model config (class_name, config)
        self.compile_config: dict | None = None
        self.metadata: dict = {}
        self.format = ""
        self.model_name = ""
        self.entries: list[KerasEntry] = []
        self.layers: list[Layer] = []
        self._zipped = False
        require_regular(path)  # a FIFO would block the worker until its time limit
        found = isolated.HDF5.call("ckpt_browser.core.formats.keras_worker:scan", str(path), what=self.name,
                                   timeout=isolated.limit(_listed_bytes(path), isolated.LIST_RATE))  # fmt: skip
        for key, value in found.items():
            setattr(self, key, value)
        self.path = path
        self._by_name = {e.name: e for e in self.entries}
        self._checked: dict[str, int | str] = {}  # verify's reads done ahead, in one worker call
        self._batches = True  # False once a batch crashed or hung: one variable per call from then

    def variables(self) -> list[VariableEntry]:
        return [VariableEntry(e.name, e.shape, e.dtype) for e in sorted(self.entries, key=lambda e: e.name)]

    def kinds(self) -> dict[str, tuple[str, str | None]]:
        return {e.name: (e.kind, e.slot_of) for e in self.entries}

    def read(self, name: str):
        import numpy as np

        entry = self._by_name.get(name)
        if entry is None:
            raise CheckpointError(f"{self.name} has no variable {name!r}")
        value = isolated.HDF5.call(
            "ckpt_browser.core.formats.keras_worker:read", str(self.path), self._zipped, entry.file, entry.h5path,
            what=f"{name} in {self.name}", timeout=isolated.limit(_declared_bytes(entry)),
        )  # fmt: skip
        if entry.dtype == "bfloat16" and value.dtype != np.dtype("O"):
            import ml_dtypes

            value = np.asarray(value).view(ml_dtypes.bfloat16) if value.dtype.itemsize == 2 else value
        return np.asarray(value)

    def truncation(self) -> str | None:
        return None

    def check(self, name: str, buffer: bytearray | None = None) -> int:
        """What verify does with a variable (HDF5 keeps no checksums): read it whole, in the worker;
        the bytes read. The worker reads this variable and those verify asks for next (the sorted
        names, up to BATCH_BYTES or BATCH_VARIABLES) in one call, keeping the values: a process hop
        per batch, not per variable. A batch that crashes or hangs the library is read again one
        variable a call, so the one line names the variable, as read() does."""
        if name not in self._checked and self._batches and name in self._by_name:
            names = [v.name for v in self.variables()]
            batch: list[str] = []
            total = 0
            for n in names[names.index(name) :]:
                total += _declared_bytes(self._by_name[n])
                if batch and (total > BATCH_BYTES or len(batch) == BATCH_VARIABLES):
                    break
                batch.append(n)
            items = [(self._by_name[n].file, self._by_name[n].h5path) for n in batch]
            try:
                limit = isolated.limit(sum(_declared_bytes(self._by_name[n]) for n in batch))
                sizes = isolated.HDF5.call("ckpt_browser.core.formats.keras_worker:sizes", str(self.path),
                                           self._zipped, items, what=self.name, timeout=limit)  # fmt: skip
                self._checked.update(zip(batch, sizes))
            except CheckpointError:
                self._batches = False
        got = self._checked.pop(name, None)
        if got is None:
            return int(self.read(name).nbytes)
        if isinstance(got, str):
            raise CheckpointError(got)
        return got


# What verify reads in one worker call, so that a batch stays a small part of the call's time limit.
BATCH_BYTES, BATCH_VARIABLES = 64 << 20, 1000


def _declared_bytes(entry: KerasEntry) -> int:
    import numpy as np

    try:
        size = np.dtype(entry.dtype).itemsize
    except (TypeError, ValueError):  # bfloat16 (2 bytes); anything else counted as 8
        size = 2 if entry.dtype == "bfloat16" else 8
    n = size
    for d in entry.shape:
        n *= int(d)
    return n


def _listed_bytes(path) -> int:
    """The bytes a listing parses: the file's, and for X.weights.json its shards' (X_NNNNN.weights.h5)."""
    name = os.path.basename(str(path))
    try:
        total = os.path.getsize(path)
        if name.lower().endswith(".weights.json"):
            import glob

            stem = glob.escape(os.path.join(os.path.dirname(str(path)), name[: -len(".weights.json")]))
            total += sum(os.path.getsize(p) for p in glob.iglob(stem + "_*.weights.h5"))
    except OSError:  # gone meanwhile: the listing says so
        return 0
    return total


def warm(path) -> None:
    """Start the HDF5 worker while the folder is scanned (a .weights.json index holds no HDF5)."""
    if not str(path).lower().endswith(".json"):
        isolated.HDF5.prestart(["h5py", "ckpt_browser.core.formats.keras_worker"])
