"""Read one checkpoint, whatever its format: the reader protocol, and the one way to get a reader.

Which reader a path needs is the registry's answer (registry.py); this module keeps the readers
opened, so that looking at variable after variable does not re-open the index each time.
"""

from __future__ import annotations

import os
import stat
import threading
from typing import TYPE_CHECKING

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.formats import registry
from ckpt_browser.core.formats.bundle_open import opened
from ckpt_browser.core.formats.registry import CheckpointReader
from ckpt_browser.core.storage import Location, locate
from ckpt_browser.core.storage import stat as storage_stat

if TYPE_CHECKING:
    pass

__all__ = ["CheckpointReader", "format_of", "open_checkpoint", "opened", "remember_format", "remembered_in"]


# Folder checkpoints (a step folder) are known by the scan that found them: their name says nothing.
_folders: dict[str, registry.Format] = {}
_folders_lock = threading.Lock()


def remember_format(path: str | os.PathLike | Location, fmt: registry.Format) -> None:
    """What a scan learnt (the checkpoint at path is of this folder format), or the opening of a
    file the user named (its first bytes told its format)."""
    with _folders_lock:
        _folders[str(path)] = fmt


def remembered_in(folder: Location) -> dict[str, registry.Format]:
    """The formats remembered for paths directly in folder, by name: one pass over what was
    remembered (few), not a lookup per file of a big folder."""
    base = str(folder / "x")[:-1]  # the folder joined as its paths are (its separator, no doubled one)
    with _folders_lock:
        items = list(_folders.items())
    return {p[len(base) :]: f for p, f in items if p.startswith(base) and not any(c in p[len(base) :] for c in "/\\")}


def format_of(path: Location) -> registry.Format:
    """The format of the checkpoint at path (a prefix, a file, or a checkpoint folder): what a
    scan or the user's naming of it learnt, else what its name says."""
    with _folders_lock:
        known = _folders.get(str(path))
    if known is not None:
        return known
    claimed = registry.claims_file(path.name)
    if claimed is not None:
        return claimed
    if registry.folder_formats() and storage_stat(path.plus(".index")) is None:
        st = storage_stat(path)
        if st is not None and stat.S_ISDIR(st.st_mode):
            found = registry.scan_folder(path)
            if found is not None and any(str(c.path) == str(path) for c in found[1]):
                remember_format(path, found[0])
                return found[0]
    return registry.DEFAULT


def _key_file(path: Location, fmt: registry.Format) -> Location:
    """The file whose change means the checkpoint changed: a bundle's index, the file itself, the
    folder."""
    return path.plus(".index") if fmt.layout == "prefix" else path


_cache: dict[tuple, CheckpointReader] = {}  # (key file, mtime, size, ETag) -> reader
_cache_lock = threading.Lock()  # readers are opened from worker threads and the UI thread
_CACHE_SIZE = 8


def open_checkpoint(prefix: str | os.PathLike | Location) -> CheckpointReader:
    """A reader for the checkpoint, reused while its index (or file, or folder) is unchanged.

    A checkpoint re-saved under the same name (Estimators do that) gets a new reader.
    """
    prefix = locate(prefix)  # a record's prefix as it is; a test's path parsed here
    fmt = format_of(prefix)
    index = _key_file(prefix, fmt)
    st = storage_stat(index)
    if st is None:
        if index.is_remote or not os.path.lexists(index.local):
            raise CheckpointError(f"{index.name} is missing") from None
        return _open(prefix, fmt)  # raises the right message
    key = (str(index), st.st_mtime_ns, st.st_size, getattr(st, "tag", ""))
    with _cache_lock:
        reader = _cache.pop(key, None)
    if reader is None:
        reader = _open(prefix, fmt)
    with _cache_lock:
        _cache[key] = reader  # most recently used last
        while len(_cache) > _CACHE_SIZE:
            _cache.pop(next(iter(_cache)))
    return reader


def _open(path: Location, fmt: registry.Format) -> CheckpointReader:
    if fmt.layout == "prefix":
        return fmt.open(path)  # the bundle's opener counts native / tensorflow itself
    if path.is_remote and fmt.fetch is not None:  # a library that reads local files: fetched first
        path = registry.call(fmt.fetch, path)
    reader = fmt.open(path)
    opened[fmt.name] += 1
    return reader
