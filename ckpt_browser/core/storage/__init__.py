"""Where a reader's bytes come from: byte ranges of files, never whole data files.

The package: paths.py (no I/O), local.py (positioned reads), remote.py (fsspec URLs, imported only
for a URL), checksum.py (crc32c), cache.py (the cache folder). It imports only errors.

Readers ask for (offset, size) ranges; this module answers them for local files with positioned
reads into fresh buffers (no mmap: a file truncated under a mapping raises SIGBUS, which would
kill the app; a short read is an error we can name), and for URLs by ranged requests (remote.py).
Everything that looks at files -- listing, stat, opening -- goes through here, so the model_dir
logic is the same on a disk and in a bucket.
"""

from __future__ import annotations

import os
from pathlib import Path
from stat import S_ISDIR, S_ISREG
from typing import Any

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.storage.local import LocalFile, require_regular
from ckpt_browser.core.storage.paths import (
    CHUNK,
    bucket_of,
    check_range,
    from_file_url,
    is_remote,
    normalize,
    protocol_of,
)

__all__ = [
    "CHUNK", "LocalFile", "bucket_of", "check_range", "from_file_url", "is_remote", "normalize", "protocol_of",
    "require_regular",
]  # fmt: skip


def as_path(path):
    """A pathlib.Path for a local path, a UPath for a URL (s3://, gs://, memory://, ...)."""
    if isinstance(path, Path):
        return path
    path = from_file_url(path)
    if is_remote(path):
        from ckpt_browser.core.storage import remote  # deferred: start-up: +79 modules

        return path if hasattr(path, "fs") else remote.url_path(str(path))
    return Path(path)


def stat(path):
    """os.stat's answer (or remote.Stat), None for what cannot be looked at locally (missing, a
    dangling link, a name too long) or does not exist in a bucket; a bucket that cannot be asked
    (network, access) is a CheckpointError -- not a missing file."""
    if is_remote(path):
        from ckpt_browser.core.storage import remote  # deferred: start-up: +79 modules

        return remote.stat(as_path(path))
    try:
        return os.stat(path)
    except (OSError, ValueError):
        return None


def is_dir(path) -> bool:
    st = stat(path)
    return st is not None and S_ISDIR(st.st_mode)


def is_file(path) -> bool:
    st = stat(path)
    return st is not None and S_ISREG(st.st_mode)


def exists(path) -> bool:
    return stat(path) is not None


def list_dir(folder) -> list[tuple[str, Any]]:
    """(name, stat or None) of each entry of a folder; a CheckpointError if it cannot be listed."""
    if is_remote(folder):
        from ckpt_browser.core.storage import remote  # deferred: start-up: +79 modules

        return remote.list_dir(as_path(folder))
    out = []
    try:
        with os.scandir(folder) as it:
            for entry in it:
                try:
                    st = entry.stat()
                except OSError:  # a dangling symlink, a file gone meanwhile
                    st = None
                out.append((entry.name, st))
    except OSError as exc:
        raise CheckpointError(f"cannot list {str(folder)[:300]}: {exc.strerror}") from exc
    return out


def forget_listings(folder) -> None:
    """A bucket's listings are cached by its backend: drop them before looking again."""
    if is_remote(folder):
        from ckpt_browser.core.storage import remote  # deferred: start-up: +79 modules

        remote.forget(as_path(folder))


def local_copy(prefix, progress=None):
    """A local prefix TensorFlow can restore: the prefix itself, or for a URL the checkpoint's
    files fetched into the cache folder (remote_copy.local_copy)."""
    if is_remote(prefix):
        from ckpt_browser.core.storage import remote_copy  # deferred: start-up: +83 modules

        return remote_copy.local_copy(as_path(prefix), progress)
    return prefix


def local_file(path, progress=None):
    if is_remote(path):
        from ckpt_browser.core.storage import remote_copy  # deferred: start-up: +83 modules

        return remote_copy.local_file(as_path(path), progress)
    return path


def open_file(path: str | os.PathLike, block: int | None = None):
    """A file for positioned reads: LocalFile, or remote.RemoteFile for a URL (block: the size
    of its small reads; sequential readers such as the events reader ask for bigger ones)."""
    if is_remote(path):
        from ckpt_browser.core.storage import remote  # deferred: start-up: +79 modules

        return remote.RemoteFile(as_path(path), **({"block": block} if block else {}))
    return LocalFile(path)


PROTO_LIMIT = 2 << 30  # protobuf cannot parse a message of 2 GiB or more


def read_whole(path: str | os.PathLike, limit: int = PROTO_LIMIT, what: str = "file") -> bytes:
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
