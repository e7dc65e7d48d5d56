"""Local files read by positioned reads into fresh buffers (no mmap: a file truncated under a
mapping raises SIGBUS; a short read is an error we can name)."""

from __future__ import annotations

import os
import stat as stat_module
import threading
from pathlib import Path
from stat import S_ISREG

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.storage.paths import CHUNK, check_range

_HAS_PREAD = hasattr(os, "pread")
_HAS_PREADV = hasattr(os, "preadv")


def kind_of(mode: int) -> str:
    """What a file that is not a regular file is, for a message."""
    for test, what in ((stat_module.S_ISDIR, "a folder"), (stat_module.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat_module.S_ISSOCK, "a socket"), (stat_module.S_ISCHR, "a character device"),
                       (stat_module.S_ISBLK, "a block device")):  # fmt: skip
        if test(mode):
            return what
    return "a special file"


def require_regular(path) -> None:
    """A CheckpointError unless path is a regular file (links followed): readers that hand a path
    to a library (h5py, zipfile, open()) check first -- a FIFO would block them forever, a device
    never ends."""
    name = os.path.basename(str(path))
    try:
        st = os.stat(path)
    except OSError as exc:
        raise CheckpointError(f"cannot read {name}: {exc.strerror}") from None
    if not S_ISREG(st.st_mode):
        raise CheckpointError(f"{name} is {kind_of(st.st_mode)}, not a regular file: refused")


class LocalFile:
    """One local file opened for positioned reads. Safe to share between threads (pread)."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        try:
            # Non-blocking: opening a FIFO for reading would wait for a writer forever. A regular
            # file ignores the flag.
            self._fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0))
        except IsADirectoryError as exc:
            raise CheckpointError(f"{self.path.name} is a folder, not a file") from exc
        except OSError as exc:
            raise CheckpointError(f"cannot open {self.path.name}: {exc.strerror}") from exc
        try:
            st = os.fstat(self._fd)
        except OSError as exc:
            self.close()
            raise CheckpointError(f"cannot read {self.path.name}: {exc.strerror}") from exc
        if not S_ISREG(st.st_mode):
            self.close()
            raise CheckpointError(f"{self.path.name} is {kind_of(st.st_mode)}, not a regular file: refused")
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
        from ckpt_browser.core.storage.checksum import of_buffer  # deferred: start-up: loads google_crc32c (+8 modules)

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

    def read_some(self, offset: int, view: memoryview) -> int:
        """Up to len(view) bytes at ``offset`` into ``view``: how many arrived (0 past the end)."""
        try:
            return self._preadinto(view, offset)
        except OSError as exc:
            raise CheckpointError(f"cannot read {self.path.name}: {exc.strerror}") from exc

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
