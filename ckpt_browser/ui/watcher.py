"""Notice when a training job changes an open model_dir: file-system watching with a debounce,
polling where watching is not possible (and for buckets, less often: each poll is a listing
request), and a retry while a checkpoint is being written."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from stat import S_ISDIR, S_ISREG

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

from ckpt_browser.core import storage
from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.ui.tasks import TaskRunner

log = logging.getLogger(__name__)

DEBOUNCE_MS = 400  # a save touches several files: refresh once, shortly after the burst
POLL_MS = 1500
RETRY_MS = 3000


def remote_poll_ms() -> int:
    """How often a bucket is listed (CKPT_BROWSER_REMOTE_POLL seconds, default 10)."""
    try:
        return max(200, int(float(os.environ.get("CKPT_BROWSER_REMOTE_POLL", "10")) * 1000))
    except ValueError:
        return 10_000


def dir_signature(folder: storage.Location) -> tuple:
    """Names, sizes, mtimes (and ETags in a bucket) of the files of a folder and of its direct
    subfolders (event files of eval/ ...): one listing each."""
    storage.forget_listings(folder)
    out = []
    try:
        top = storage.list_dir(folder)
    except CheckpointError:
        return ()
    subfolders = [name for name, st in top if st is not None and S_ISDIR(st.st_mode)]
    for base, entries in [("", top)] + [(name + "/", None) for name in subfolders]:
        if entries is None:
            try:
                entries = storage.list_dir(folder / base.rstrip("/"))
            except CheckpointError:
                continue
        for name, st in entries:
            if st is not None and S_ISREG(st.st_mode):
                out.append((base + name, st.st_size, st.st_mtime_ns, getattr(st, "tag", "")))
    return tuple(sorted(out))


class ModelDirWatcher(QObject):
    """Emits ``changed(path)`` for an open model_dir, at most once per burst of changes."""

    changed = Signal(str)

    def __init__(self, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = runner  # polling reads the disk: never on the UI thread
        self._fs = QFileSystemWatcher(self)
        self._fs.directoryChanged.connect(self._on_fs)
        self._fs.fileChanged.connect(self._on_fs)
        self._timers: dict[str, QTimer] = {}
        self._polled: dict[str, tuple | None] = {}  # folders watched by polling: last signature
        self._where: dict[str, storage.Location] = {}  # each watched folder's Location, by its normal form
        self._polling: set[str] = set()  # polls under way: one per folder, however long the network takes
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(lambda: self._poll_all(remote=False))
        self._poll_remote = QTimer(self)
        self._poll_remote.setInterval(remote_poll_ms())
        self._poll_remote.timeout.connect(lambda: self._poll_all(remote=True))

    def watch(self, folder: str | Path | storage.Location, paths: list[str] = ()) -> None:
        """Watch a model_dir, and paths inside it (subfolders, event files) the caller listed
        off the UI thread: appends to an event file do not touch the folder itself."""
        where = storage.locate(folder)  # the model_dir's own Location: as it is, no parse
        folder = str(where)
        self._where[folder] = where
        known = set(self._fs.files()) | set(self._fs.directories())
        new = [p for p in paths if p not in known]
        if new:
            self._fs.addPaths(new)
        if folder in self._timers:
            return
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.setInterval(DEBOUNCE_MS)
        timer.timeout.connect(lambda f=folder: self.changed.emit(f))
        self._timers[folder] = timer
        if where.is_remote:
            log.info("polling %s every %d ms", folder, self._poll_remote.interval())
            self._polled[folder] = None
            self._poll_remote.start()
        elif not self._fs.addPath(folder):
            log.info("cannot watch %s; polling it every %d ms", folder, POLL_MS)
            self._polled[folder] = None  # not polled yet
            self._poll.start()

    def unwatch(self, folder: str | Path | storage.Location) -> None:
        folder = str(storage.locate(folder))
        self._where.pop(folder, None)
        timer = self._timers.pop(folder, None)
        if timer is not None:
            timer.stop()
        self._polled.pop(folder, None)
        mine = [p for p in self._fs.files() + self._fs.directories() if p == folder or p.startswith(folder + os.sep)]
        if mine:
            self._fs.removePaths(mine)

    def retry_later(self, folder: str | Path | storage.Location) -> None:
        """Look again in a moment (a checkpoint was caught half-written)."""
        # With self as context: dropped if the watcher (its window) is gone by then.
        QTimer.singleShot(RETRY_MS, self, lambda f=str(storage.locate(folder)): self._kick(f))

    def _owner(self, path: str) -> str | None:
        for folder in self._timers:
            if path == folder or path.startswith(folder + os.sep):
                return folder
        return None

    def _on_fs(self, path: str) -> None:
        folder = self._owner(path)
        if folder is not None:
            self._kick(folder)

    def _kick(self, folder: str) -> None:
        timer = self._timers.get(folder)
        if timer is not None:
            timer.start()  # restarts: one refresh per burst

    def _poll_all(self, remote: bool) -> None:
        for folder in [f for f in self._polled if self._where[f].is_remote == remote and f not in self._polling]:
            self._polling.add(folder)
            self.runner.submit(
                dir_signature, self._where[folder],
                key=f"poll:{folder}", tf=False,
                on_done=lambda sig, f=folder: self._polled_result(f, sig),
                on_error=lambda _msg, f=folder: self._polling.discard(f),
            )  # fmt: skip

    def _polled_result(self, folder: str, signature: tuple) -> None:
        self._polling.discard(folder)
        if folder in self._polled and signature != self._polled[folder]:
            # Any change refreshes, the first poll's too unless it found nothing: files may have
            # arrived between opening the folder and that poll (one refresh too many is harmless).
            first = self._polled[folder] is None
            self._polled[folder] = signature
            if not first or signature:
                self._kick(folder)
