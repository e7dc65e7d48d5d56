"""Where a reader's bytes come from: byte ranges of files, never whole data files.

Readers ask for (offset, size) ranges; this module answers them for local files with positioned
reads into fresh buffers (no mmap: a file truncated under a mapping raises SIGBUS, which would
kill the app; a short read is an error we can name), and for URLs by ranged requests (remote.py).
Everything that looks at files -- listing, stat, opening -- goes through here, so the model_dir
logic is the same on a disk and in a bucket.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path
from stat import S_ISDIR, S_ISREG
from typing import Any

from ckpt_browser.core.errors import CheckpointError

_HAS_PREAD = hasattr(os, "pread")
_HAS_PREADV = hasattr(os, "preadv")
CHUNK = 8 << 20  # large reads go in 8 MiB steps so a checksum can follow while data is cache-hot


def check_range(name: str, offset: int, size: int, total: int) -> None:
    """A range an index asks for must lie inside the file: past its end, the file is truncated."""
    if size < 0 or offset < 0 or offset + size > total:
        raise CheckpointError(
            f"{name} is truncated: {size:,} bytes at offset {offset:,} are past its end ({total:,} bytes)"
        )


class LocalFile:
    """One local file opened for positioned reads. Safe to share between threads (pread)."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        try:
            self._fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        except IsADirectoryError as exc:
            raise CheckpointError(f"{self.path.name} is a folder, not a file") from exc
        except OSError as exc:
            raise CheckpointError(f"cannot open {self.path.name}: {exc.strerror}") from exc
        try:
            st = os.fstat(self._fd)
        except OSError as exc:
            self.close()
            raise CheckpointError(f"cannot read {self.path.name}: {exc.strerror}") from exc
        self.size = st.st_size
        self._lock = threading.Lock()
        self.mtime_ns = st.st_mtime_ns

    def read(self, offset: int, size: int) -> bytes:
        """Exactly ``size`` bytes at ``offset``, or a CheckpointError naming the file."""
        self._check_range(offset, size)
        try:
            data = self._pread(size, offset)
        except OSError as exc:
            raise CheckpointError(f"cannot read {self.path.name}: {exc.strerror}") from exc
        if len(data) != size:
            raise CheckpointError(f"{self.path.name} is truncated: got {len(data):,} of {size:,} bytes at {offset:,}")
        return data

    def read_into(self, offset: int, view: memoryview, on_chunk=None) -> None:
        """Fill ``view`` (a writable byte buffer) with the bytes at ``offset``; ``on_chunk(view)``
        sees each chunk right after it arrives (to checksum it while it is still in the CPU cache)."""
        size = len(view)
        self._check_range(offset, size)
        done = 0
        while done < size:
            step = min(CHUNK, size - done)
            try:
                got = self._preadinto(view[done : done + step], offset + done)
            except OSError as exc:
                raise CheckpointError(f"cannot read {self.path.name}: {exc.strerror}") from exc
            if got <= 0:
                raise CheckpointError(f"{self.path.name} is truncated at offset {offset + done:,}")
            if on_chunk is not None:
                on_chunk(view[done : done + got])
            done += got

    def checksum(self, offset: int, size: int, buffer: bytearray) -> int:
        """crc32c of ``size`` bytes at ``offset``, read through ``buffer`` chunk by chunk (no
        allocation per call: verifying gigabytes moves each byte once)."""
        from ckpt_browser.core.checksum import of_buffer

        self._check_range(offset, size)
        view = memoryview(buffer)
        crc = 0
        done = 0
        while done < size:
            step = min(len(view), size - done)
            try:
                got = self._preadinto(view[:step], offset + done)
            except OSError as exc:
                raise CheckpointError(f"cannot read {self.path.name}: {exc.strerror}") from exc
            if got <= 0:
                raise CheckpointError(f"{self.path.name} is truncated at offset {offset + done:,}")
            crc = of_buffer(view[:got], crc)
            done += got
        return crc

    def _check_range(self, offset: int, size: int) -> None:
        check_range(self.path.name, offset, size, self.size)

    def _pread(self, size: int, offset: int) -> bytes:
        if _HAS_PREAD:
            return os.pread(self._fd, size, offset)
        with self._lock:  # Windows: no positioned reads; seek + read under a lock
            os.lseek(self._fd, offset, os.SEEK_SET)
            return os.read(self._fd, size)

    def _preadinto(self, view: memoryview, offset: int) -> int:
        if _HAS_PREADV:
            return os.preadv(self._fd, [view], offset)
        data = self._pread(len(view), offset)
        view[: len(data)] = data
        return len(data)

    def close(self) -> None:
        fd, self._fd = self._fd, -1
        if fd >= 0:
            os.close(fd)

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass


def as_path(path):
    """A pathlib.Path for a local path, a UPath for a URL (s3://, gs://, memory://, ...)."""
    if isinstance(path, Path):
        return path
    if is_remote(path):
        from ckpt_browser.core import remote

        return path if hasattr(path, "fs") else remote.url_path(str(path))
    return Path(path)


def normalize(path: str) -> str:
    """What the window keys an opened source by: an absolute local path, or the URL as given
    less a trailing slash (as UPath spells it). No I/O and no backend import: the UI thread calls it."""
    if is_remote(path):
        stripped = path.rstrip("/")
        return stripped if not stripped.endswith(":/") else path
    return os.path.abspath(os.path.expanduser(path))


def bucket_of(url) -> str:
    """s3://bucket/a/b -> s3://bucket: where a job could create the rest of the path later."""
    protocol, _, rest = str(url).partition("://")
    return f"{protocol}://{rest.split('/', 1)[0]}"


_URL_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*)://")


def protocol_of(path) -> str | None:
    """The URL's protocol ("s3", "gs", ...), or None for a local path (file:// included). Checked
    here, without importing the remote layer: a local `ls` never loads fsspec."""
    m = _URL_RE.match(str(path))
    if not m or m.group(1).lower() in ("file", "local"):
        return None
    return m.group(1).lower()


def is_remote(path) -> bool:
    return protocol_of(path) is not None


def stat(path):
    """os.stat's answer (or remote.Stat), None for what cannot be looked at locally (missing, a
    dangling link, a name too long) or does not exist in a bucket; a bucket that cannot be asked
    (network, access) is a CheckpointError -- not a missing file."""
    if is_remote(path):
        from ckpt_browser.core import remote

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
        from ckpt_browser.core import remote

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
        from ckpt_browser.core import remote

        remote.forget(as_path(folder))


def local_copy(prefix, progress=None):
    """A local prefix TensorFlow can restore: the prefix itself, or for a URL the checkpoint's
    files fetched into the cache folder (remote.local_copy)."""
    if is_remote(prefix):
        from ckpt_browser.core import remote

        return remote.local_copy(as_path(prefix), progress)
    return prefix


def local_file(path, progress=None):
    if is_remote(path):
        from ckpt_browser.core import remote

        return remote.local_file(as_path(path), progress)
    return path


def open_file(path: str | os.PathLike, block: int | None = None):
    """A file for positioned reads: LocalFile, or remote.RemoteFile for a URL (block: the size
    of its small reads; sequential readers such as the events reader ask for bigger ones)."""
    if is_remote(path):
        from ckpt_browser.core import remote

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
