"""The only threading glue: run core functions off the UI thread, deliver results on it."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from ckpt_browser.core.base.errors import CheckpointError

log = logging.getLogger(__name__)


@dataclass
class _Outcome:
    task_id: int
    key: str | None
    generation: int
    ok: bool
    value: Any
    expected: bool = True  # a CheckpointError (message for the user) vs. a bug
    details: str = ""
    skipped: bool = False  # superseded before it started: never run


class Progress:
    """Handed to a task that wants to report progress: call it with (done, total, text)."""

    def __init__(self, runner: TaskRunner, task_id: int) -> None:
        self._runner = runner
        self._task_id = task_id

    def __call__(self, done: int, total: int, text: str = "") -> None:
        self._runner._progress_relay.emit(self._task_id, done, total, text)


def error_log_path():
    # deferred: start-up: loads platformdirs (+11 modules)
    from ckpt_browser.core.storage.cache import error_log_path as path

    return path()


def write_error_log(details: str):
    """Append an unexpected error's traceback to the log the error dialog points at."""
    # deferred: start-up: loads platformdirs (+11 modules)
    from ckpt_browser.core.storage.cache import write_error_log as write

    return write(details)


class TaskRunner(QObject):
    """Runs functions on worker threads.

    Three lanes. Reading files (the default) goes to one worker, in order, so the per-model_dir
    event readers and scans never run twice at once. TensorFlow work (``tf=True``: restore, run,
    fit) has its own single worker: its sessions are never used from two threads, and a slow
    restore never holds up browsing. Pure computations (``tf=False``: statistics, plots,
    exports) use a small pool.

    A request with a ``key`` supersedes earlier ones with the same key: one that has not started
    yet is never run (a burst of clicks or polls queues no work), and the result of one under way
    is dropped when it arrives, so a slow answer never overwrites a newer one.
    """

    _delivered = Signal(object)
    _progress_relay = Signal(int, int, int, str)
    progressed = Signal(str, int, int)  # text, done, total (total 0: busy, no count)
    busy_changed = Signal(int)  # number of tasks under way
    idle = Signal()
    unexpected_error = Signal(str, str)  # message, traceback

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tf_pool = ThreadPoolExecutor(1, thread_name_prefix="ckpt-tf")
        self._io_pool = ThreadPoolExecutor(1, thread_name_prefix="ckpt-io")
        self._pool = ThreadPoolExecutor(2, thread_name_prefix="ckpt-work")
        self._next_id = 0
        self._generation: dict[str, int] = {}
        self._callbacks: dict[int, tuple[Callable | None, Callable | None, str]] = {}
        self._progress_callbacks: dict[int, Callable[[int, int], None]] = {}
        self._stopped = False
        self._delivered.connect(self._deliver)
        self._progress_relay.connect(self._on_progress)

    @property
    def pending(self) -> int:
        return len(self._callbacks)

    def submit(
        self,
        fn: Callable[..., Any],
        *args: Any,
        key: str | None = None,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[str], None] | None = None,
        tf: bool | None = None,
        label: str = "",
        with_progress: bool = False,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> int:
        """Run fn(*args) (plus a Progress if with_progress) and call back on the UI thread;
        on_progress(done, total) hears this task's progress (the status bar hears every task's).
        After shutdown (the window closing) nothing runs: a timer that fires late is ignored."""
        if self._stopped:
            return 0
        self._next_id += 1
        task_id = self._next_id
        generation = 0
        if key is not None:
            generation = self._generation.get(key, 0) + 1
            self._generation[key] = generation
        self._callbacks[task_id] = (on_done, on_error, label)
        if on_progress is not None:
            self._progress_callbacks[task_id] = on_progress
        call_args = (*args, Progress(self, task_id)) if with_progress or on_progress else args
        pool = self._io_pool if tf is None else self._tf_pool if tf else self._pool
        pool.submit(self._run, task_id, key, generation, fn, call_args)
        self.busy_changed.emit(self.pending)
        if label:
            self.progressed.emit(label, 0, 0)
        return task_id

    def _run(self, task_id, key, generation, fn, args) -> None:
        # _generation is written on the UI thread; a dict read is atomic, and a request made just
        # after this check only makes this result stale on delivery, as before.
        if key is not None and self._generation.get(key) != generation:
            self._delivered.emit(_Outcome(task_id, key, generation, False, None, skipped=True))
            return
        try:
            value = fn(*args)
            outcome = _Outcome(task_id, key, generation, True, value)
        except CheckpointError as exc:
            outcome = _Outcome(task_id, key, generation, False, str(exc))
        except Exception as exc:  # noqa: BLE001 - a bug: report it, keep the app alive
            log.exception("task %s failed", getattr(fn, "__name__", fn))
            details = traceback.format_exc()
            where = write_error_log(details)  # here, off the UI thread
            first = (str(exc).strip().splitlines() or [""])[0][:200]
            # No exception class names for the user: what failed, and where the details are.
            message = (
                "Something went wrong" + (f": {first}" if first else "") + (f" (details in {where})" if where else "")
            )
            outcome = _Outcome(task_id, key, generation, False, message, expected=False, details=details)
        self._delivered.emit(outcome)

    @Slot(object)
    def _deliver(self, outcome: _Outcome) -> None:
        on_done, on_error, _label = self._callbacks.pop(outcome.task_id, (None, None, ""))
        self._progress_callbacks.pop(outcome.task_id, None)
        if self._stopped:  # the window is closing or gone: a result queued before shutdown calls nothing of it
            return
        stale = outcome.key is not None and self._generation.get(outcome.key) != outcome.generation
        try:
            if stale or outcome.skipped:
                log.debug("dropped stale work for %s", outcome.key)
            elif outcome.ok:
                if on_done:
                    on_done(outcome.value)
            else:
                if not outcome.expected:
                    self.unexpected_error.emit(outcome.value, outcome.details)
                if on_error:
                    on_error(outcome.value)
        finally:
            self.busy_changed.emit(self.pending)
            if not self._callbacks:
                self.idle.emit()

    @Slot(int, int, int, str)
    def _on_progress(self, task_id: int, done: int, total: int, text: str) -> None:
        if task_id in self._callbacks:
            self.progressed.emit(text or self._callbacks[task_id][2], done, total)
            if task_id in self._progress_callbacks:
                self._progress_callbacks[task_id](done, total)

    def shutdown(self, wait: bool = False) -> None:
        """Stop taking work. The app does not wait for running tasks on exit; tests do (wait=True),
        so that no test's work runs into the next one."""
        self._stopped = True
        for pool in (self._tf_pool, self._io_pool, self._pool):
            pool.shutdown(wait=False, cancel_futures=True)
        if wait:
            for pool in (self._tf_pool, self._io_pool, self._pool):
                pool.shutdown(wait=True)
