"""The HDF5 worker's entry points for Keras files (formats/isolated.py runs them; formats/keras.py
calls them): list a file, read one dataset. The last file read stays open in the worker, so
reading variable after variable costs a lookup, not an HDF5 open."""

from __future__ import annotations

import atexit
import os
import zipfile

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.formats.h5_checks import H5_ERRORS, ZIP_ERRORS, dataset
from ckpt_browser.core.formats.keras_h5 import H5Scan, first_line
from ckpt_browser.core.storage import require_regular


def scan(path: str) -> dict:
    """The worker's side of KerasFile(path): everything it lists, as plain picklable data."""
    require_regular(path)
    found = H5Scan(path)
    return {k: v for k, v in vars(found).items() if k not in ("_h5", "_names_by_key", "_shard")}


_kept: dict[tuple, tuple] = {}  # (file, mtime, size) -> (h5, member, zip): the last file read stays open


def _close_kept() -> None:
    for opened in _kept.values():
        for thing in opened:
            if thing is not None:
                thing.close()
    _kept.clear()


def read(path: str, zipped: bool, file: str | None, h5path: str):
    """One dataset's values (checked as on listing first: nothing unchecked is allocated). The
    file stays open for the next read (the worker closes it before it exits, or for another file):
    reading variable after variable costs a lookup, not an HDF5 open."""

    import h5py
    import numpy as np

    name = os.path.basename(path)
    where = file or path
    try:
        st = os.stat(where)
        key = (where, zipped, st.st_mtime_ns, st.st_size)
        if key not in _kept:
            _close_kept()
            if not _kept_registered:
                atexit.register(_close_kept)
                _kept_registered.append(True)
            z = zipfile.ZipFile(path) if zipped else None
            member = z.open("model.weights.h5") if z is not None else None
            _kept[key] = (h5py.File(member if member is not None else where, "r"), member, z)
        h5 = _kept[key][0]
        parent, _, key_name = h5path.rpartition("/")
        ds = dataset(h5[parent or "/"], key_name, name)
        return np.asarray(ds[()])
    except (*ZIP_ERRORS, *H5_ERRORS) as exc:
        if isinstance(exc, CheckpointError):
            raise
        _close_kept()
        raise CheckpointError(f"{name}: {h5path} cannot be read ({first_line(exc)})") from None


_kept_registered: list[bool] = []


def sizes(path: str, zipped: bool, items: list[tuple[str | None, str]]) -> list[int | str]:
    """read() each (file, h5path) in turn; answer its bytes, or its one-line error. What verify
    does with a Keras file's variables, a batch per call (formats/keras.py KerasFile.check): the
    values stay here, and many small variables cost one process hop, not one each."""
    out: list[int | str] = []
    for file, h5path in items:
        try:
            out.append(int(read(path, zipped, file, h5path).nbytes))
        except CheckpointError as exc:
            out.append(str(exc))
    return out
