"""Notice when a training job changes an open model_dir: file-system watching with a debounce,
polling where watching is not possible, and a retry while a checkpoint is being written."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

from ckpt_browser.ui.tasks import TaskRunner

log = logging.getLogger(__name__)

DEBOUNCE_MS = 400  # a save touches several files: refresh once, shortly after the burst
POLL_MS = 1500
RETRY_MS = 3000


def dir_signature(folder: Path) -> tuple:
    """Names, sizes and mtimes of a folder and its direct subfolders' event files (cheap)."""
    out = []
    for base in [folder, *[p for p in folder.iterdir() if p.is_dir()]] if folder.is_dir() else []:
        try:
            for e in os.scandir(base):
                if e.is_file():
                    st = e.stat()
                    out.append((e.path, st.st_size, st.st_mtime_ns))
        except OSError:
            continue
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
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._poll_all)

    def watch(self, folder: str | Path, paths: list[str] = ()) -> None:
        """Watch a model_dir, and paths inside it (subfolders, event files) the caller listed
        off the UI thread: appends to an event file do not touch the folder itself."""
        folder = str(Path(folder))
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
        if not self._fs.addPath(folder):
            log.info("cannot watch %s; polling it every %d ms", folder, POLL_MS)
            self._polled[folder] = None  # not polled yet
            self._poll.start()

    def unwatch(self, folder: str | Path) -> None:
        folder = str(Path(folder))
        timer = self._timers.pop(folder, None)
        if timer is not None:
            timer.stop()
        self._polled.pop(folder, None)
        mine = [p for p in self._fs.files() + self._fs.directories() if p == folder or p.startswith(folder + os.sep)]
        if mine:
            self._fs.removePaths(mine)

    def retry_later(self, folder: str | Path) -> None:
        """Look again in a moment (a checkpoint was caught half-written)."""
        # With self as context: dropped if the watcher (its window) is gone by then.
        QTimer.singleShot(RETRY_MS, self, lambda f=str(Path(folder)): self._kick(f))

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

    def _poll_all(self) -> None:
        for folder in list(self._polled):
            self.runner.submit(
                dir_signature, Path(folder),
                key=f"poll:{folder}", tf=False, on_done=lambda sig, f=folder: self._polled_result(f, sig),
            )  # fmt: skip

    def _polled_result(self, folder: str, signature: tuple) -> None:
        if folder in self._polled and signature != self._polled[folder]:
            # Any change refreshes, the first poll's too unless it found nothing: files may have
            # arrived between opening the folder and that poll (one refresh too many is harmless).
            first = self._polled[folder] is None
            self._polled[folder] = signature
            if not first or signature:
                self._kick(folder)
