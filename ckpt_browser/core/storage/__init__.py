"""Where a reader's bytes come from: byte ranges of files, never whole data files.

The package: location.py (Location, made once by locate() where a path or URL enters: every
function here takes one, never a string -- docs/locations.md), paths.py (text, no I/O), local.py
(positioned reads), remote.py (fsspec URLs, imported only for a URL; remote_gcs.py: gs:// held to
the same rules), checksum.py (crc32c), cache.py (the cache folder). It imports only errors.

Readers ask for (offset, size) ranges; this module answers them for local files with positioned
reads into fresh buffers (no mmap: a file truncated under a mapping raises SIGBUS, which would
kill the app; a short read is an error we can name), and for URLs by ranged requests (remote.py).
Everything that looks at files -- listing, stat, opening -- goes through here, so the model_dir
logic is the same on a disk and in a bucket.
"""

from __future__ import annotations

import os
from stat import S_ISDIR, S_ISREG
from typing import Any

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.storage.local import LocalFile, require_regular
from ckpt_browser.core.storage.location import Kind, Location, locate
from ckpt_browser.core.storage.paths import CHUNK, check_range, from_file_url, is_remote, protocol_of

__all__ = [
    "CHUNK", "Kind", "LocalFile", "Location", "locate", "check_range", "from_file_url", "is_remote", "protocol_of",
    "require_regular",
]  # fmt: skip


def _loc(loc: Location) -> Location:
    """The Location asked about: a string here would be parsed again at every stop -- the caller
    takes its Location from where the path entered (storage.locate, docs/locations.md)."""
    if not isinstance(loc, Location):
        raise TypeError(f"storage takes a Location (storage.locate), not {type(loc).__name__}")
    return loc


def stat(loc: Location):
    """os.stat's answer (or remote.Stat), None for what cannot be looked at locally (missing, a
    dangling link, a name too long) or does not exist in a bucket; a bucket that cannot be asked
    (network, access) is a CheckpointError -- not a missing file."""
    loc = _loc(loc)
    if loc.is_remote:
        from ckpt_browser.core.storage import remote  # deferred: start-up: +79 modules

        return remote.stat(loc)
    try:
        return os.stat(loc.local)
    except (OSError, ValueError):
        return None


def is_dir(loc: Location) -> bool:
    st = stat(loc)
    return st is not None and S_ISDIR(st.st_mode)


def is_file(loc: Location) -> bool:
    st = stat(loc)
    return st is not None and S_ISREG(st.st_mode)


def exists(loc: Location) -> bool:
    return stat(loc) is not None


def list_dir(folder: Location) -> list[tuple[str, Any]]:
    """(name, stat or None) of each entry of a folder; a CheckpointError if it cannot be listed."""
    folder = _loc(folder)
    if folder.is_remote:
        from ckpt_browser.core.storage import remote  # deferred: start-up: +79 modules

        return remote.list_dir(folder)
    out = []
    try:
        with os.scandir(folder.local) as it:
            for entry in it:
                try:
                    st = entry.stat()
                except OSError:  # a dangling symlink, a file gone meanwhile
                    st = None
                out.append((entry.name, st))
    except OSError as exc:
        raise CheckpointError(f"cannot list {str(folder)[:300]}: {exc.strerror}") from exc
    return out


def forget_listings(folder: Location) -> None:
    """A bucket's listings are cached by its backend: drop them before looking again."""
    folder = _loc(folder)
    if folder.is_remote:
        from ckpt_browser.core.storage import remote  # deferred: start-up: +79 modules

        remote.forget(folder)


def local_copy(prefix: Location, progress=None) -> Location:
    """A local prefix TensorFlow can restore: the prefix itself, or for a URL the checkpoint's
    files fetched into the cache folder (remote_copy.local_copy)."""
    prefix = _loc(prefix)
    if prefix.is_remote:
        from ckpt_browser.core.storage import remote_copy  # deferred: start-up: +83 modules

        return locate(remote_copy.local_copy(prefix, progress))
    return prefix


def local_file(path: Location, progress=None) -> Location:
    path = _loc(path)
    if path.is_remote:
        from ckpt_browser.core.storage import remote_copy  # deferred: start-up: +83 modules

        return locate(remote_copy.local_file(path, progress))
    return path


def open_file(loc: Location, block: int | None = None):
    """A file for positioned reads: LocalFile, or remote.RemoteFile for a URL (block: the size
    of its small reads; sequential readers such as the events reader ask for bigger ones)."""
    loc = _loc(loc)
    if loc.is_remote:
        from ckpt_browser.core.storage import remote  # deferred: start-up: +79 modules

        return remote.RemoteFile(loc, **({"block": block} if block else {}))
    return LocalFile(loc.local)


PROTO_LIMIT = 2 << 30  # protobuf cannot parse a message of 2 GiB or more


def read_whole(path: Location, limit: int = PROTO_LIMIT, what: str = "file") -> bytes:
    """All of a small file (a graph, a state file), or a CheckpointError: missing, empty, or
    bigger than ``limit`` (a sparse 50 GiB file must not be read into memory)."""
    f = open_file(path, block=1 << 20)
    try:
        if f.size == 0:
            raise CheckpointError(f"{f.path.name} is empty: it is not a {what}")
        if f.size > limit:
            raise CheckpointError(f"{f.path.name} is {f.size:,} bytes, more than a {what} can be ({limit:,})")
        return f.read(0, f.size)
    finally:
        f.close()
