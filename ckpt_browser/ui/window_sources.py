"""Opening, refreshing and closing sources in the main window (paths, URLs, examples, drops),
and the self-check marks: a part of MainWindow (main_window.py), kept apart so each file stays small."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QModelIndex
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QFileDialog, QInputDialog

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.checks.logparse import MAX_LOG_CHARS, is_log_file
from ckpt_browser.core.checks.mismatch import CheckResult, check_model_dir
from ckpt_browser.core.checks.run import LOG
from ckpt_browser.core.model_dir.contents import Source
from ckpt_browser.core.model_dir.events import ALL, NOTHING, EventData
from ckpt_browser.core.model_dir.examples import example_dirs
from ckpt_browser.core.model_dir.refresh import Snapshot, snapshot
from ckpt_browser.core.model_dir.runs import RunsFolder, open_source_or_runs, runs_below
from ckpt_browser.core.storage import Location, locate
from ckpt_browser.core.tf.demo import write_quadratic_example

log = logging.getLogger(__name__)


def _read_text(path: str) -> str:
    """A dropped log, read as a pasted one is: its last MAX_LOG_CHARS characters (the error is at
    the end), never the whole of a huge file."""
    with open(path, "rb") as f:
        size = f.seek(0, 2)
        f.seek(max(0, size - 4 * MAX_LOG_CHARS))  # UTF-8: at most 4 bytes a character
        return f.read().decode("utf-8", "replace")[-MAX_LOG_CHARS:]


class WindowSources:
    """Mixed into MainWindow: what it has open, and keeping that up to date."""

    early_scans: dict  # path -> Future of open_source_or_runs started before the window (ui/app.scan_early)

    # -- opening -------------------------------------------------------------------
    def open_path(
        self, path: str | Path | Location, checkpoint: str | None = None, variable: str | None = None
    ) -> None:
        """Open a model_dir or checkpoint file in the background; select what was asked."""
        try:
            where = locate(path)  # no I/O: what the user typed, parsed once and handed down
        except CheckpointError as exc:  # an http URL that cannot be one (no host, a bad port)
            self._on_open_failed(str(path)[:300], str(exc))
            return
        path = str(where)  # the normal form: the key of the source, its recent-files entry
        self.state.request_open(path, checkpoint, variable)
        self.variables.show_loading(f"Opening {path} …")
        early = self.early_scans.pop(path, None)  # scanned while the window was built (ui/app.scan_early)
        self.runner.submit(
            *((early.result,) if early is not None else (open_source_or_runs, where)),
            key=f"open:{path}",
            on_done=lambda source, p=path: self._on_opened(p, source),
            on_error=lambda msg, p=path: self._on_open_failed(p, msg),
            label=f"Opening {path.rstrip('/').rsplit('/', 1)[-1] or path}",
        )  # fmt: skip

    def open_examples(self) -> None:
        # Copying ~2 MB of examples is disk work: do it off the UI thread.
        self.runner.submit(
            example_dirs,
            on_done=lambda dirs: [self.open_path(d) for d in dirs],
            on_error=lambda msg: self._on_open_failed("the examples", msg),
            tf=False,
            label="Preparing examples",
        )

    def create_example_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder to write the quadratic example into")
        if folder:
            self.create_example(folder)

    def create_example(self, folder: str) -> None:
        """Train the tutorial's model with real TensorFlow into folder, then open it."""
        self.runner.submit(
            write_quadratic_example, folder,
            with_progress=True, label="Training the example",
            on_done=lambda out: self.open_path(str(out)),
            on_error=lambda msg: self._on_open_failed(folder, msg),
        )  # fmt: skip

    def open_folder_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open model_dir")
        if folder:
            self.open_path(folder)

    def open_file_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open checkpoint or model file", "",
            "Checkpoints and models (*.index *.meta *.data-* checkpoint *.keras *.h5 *.hdf5 *.json);;"
            "TensorFlow checkpoints (*.index *.meta *.data-* checkpoint);;"
            "Keras and TensorFlow.js (*.keras *.h5 *.hdf5 *.json);;All files (*)",
        )  # fmt: skip
        if path:
            self.open_path(path)

    def open_url_dialog(self) -> None:
        """A model_dir in a bucket: s3://, gs://, or any fsspec URL. Credentials come from the
        backend's usual chain (environment, config files, instance metadata), never from here."""
        url, ok = QInputDialog.getText(
            self, "Open URL",
            "Model dir or checkpoint URL (s3://bucket/path, gs://bucket/path, ...):",
            text=str(self.settings.value("last_url", "") or ""),
        )  # fmt: skip
        url = url.strip()
        if ok and url:
            try:
                where = locate(url)
            except CheckpointError as exc:
                self.status_label.setText(str(exc))
                return
            if not where.is_remote:
                self.status_label.setText(f"{url[:200]} is not a URL: use File > Open Folder for local paths")
                return
            self.settings.set_value("last_url", url)
            self.open_path(where)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        recent = self.settings.recent_files()
        for path in recent:
            act = self.recent_menu.addAction(path)
            act.triggered.connect(lambda _=False, p=path: self.open_path(p))
        if recent:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction("Clear List").triggered.connect(self.settings.clear_recent)
        else:
            self.recent_menu.addAction("(none)").setEnabled(False)

    def _on_opened(self, path: str, opened) -> None:
        if isinstance(opened, RunsFolder):
            self._on_runs_folder(path, opened)
        else:
            self._on_source_opened(path, opened)

    # -- a folder of runs ----------------------------------------------------------------
    def _on_runs_folder(self, path: str, runs: RunsFolder) -> None:
        """A folder whose model_dirs are below it (as `tensorboard --logdir runs`): each run opens
        as a source, and the folder is looked at again for new runs."""
        known = self._runs_folders.get(runs.path)
        if known is None:
            self.state.open_failed(path)  # nothing to select for the folder itself: its runs are opened
            self.settings.add_recent(path)
        self._runs_folders[runs.path] = runs
        # Opened while it was empty (the runs not started yet): the folder's own empty row goes.
        empty = next((s for s in self.sources.sources() if s.model_dir.path == runs.path), None)
        if empty is not None and not empty.model_dir.checkpoints and runs.runs:
            self.close_source(empty)
        for name, run in runs.runs.items():
            if known is None or name not in known.runs:
                self.open_path(run)  # a Location already: not parsed again
        self.status_label.setText(f"{runs.path.name}: {len(runs.runs)} runs" + "".join(f"; {n}" for n in runs.notes))
        if not self._runs_poll.isActive():
            self._runs_poll.start()

    def _poll_runs_folders(self) -> None:
        for folder in list(self._runs_folders):
            md = self.state.model_dir(folder)
            if md is not None and md.checkpoints:  # it was an empty model_dir, and training filled it
                del self._runs_folders[folder]
                continue
            self.runner.submit(
                runs_below, folder, key=f"runs:{folder}", tf=False,
                on_done=lambda runs, f=str(folder): self._on_runs_folder(f, runs) if runs.runs else None,
                on_error=lambda msg: log.info("runs folder: %s", msg),
            )  # fmt: skip

    def runs_of(self, path: Path) -> tuple[tuple[str, EventData], ...]:
        """The events of every open run of the folder of runs holding this model_dir (by run name),
        as far as they have been read whole."""
        return tuple(
            (name, self._events[p]) for name, p in self._sibling_runs(path) if self._event_level.get(p, NOTHING) >= ALL
        )

    def _sibling_runs(self, path: Path) -> list[tuple[str, Path]]:
        folder = next((f for f in self._runs_folders.values() if path in f.runs.values()), None)
        return list(folder.runs.items()) if folder is not None else []

    def want_events(self, path: Path, level: int, runs: bool = False) -> bool:
        """A view wants the event files of this model_dir read this far (events.SAVES, ALL) --
        and with runs, those of the other runs of its folder of runs: read off the UI thread by
        the next refresh, asked for now. True while some are still to come."""
        paths = [path] + ([p for _, p in self._sibling_runs(path) if p != path] if runs else [])
        waiting = False
        for p in paths:
            if self._event_level.get(p, NOTHING) >= level:
                continue
            waiting = True
            if self._events_wanted.get(p, NOTHING) < level:
                self._events_wanted[p] = level
                self.refresh_source(str(p))
        return waiting

    def _on_source_opened(self, path: str, source: Source) -> None:
        self.settings.add_recent(path)
        top = self.sources.add_source(source)
        self.sources_view.expand(top)
        md = source.model_dir
        for note in md.notes + ([md.state_error] if md.state_error else []):
            self.status_label.setText(note)
        choice = self.state.opened(path, md, source.selected)
        if choice.message:
            self.variables.show_error(choice.message)
        self._show_choice(choice)
        if choice.checkpoint is None:  # nothing yet: say so; the watcher fills the list in as training writes
            self.variables.clear(md.notes[-1] if md.notes else f"No checkpoint in {md.path}")
        self.source_opened.emit(source)
        if not md.checkpoints and not md.path.is_remote:  # runs may start below it: looked for too
            self._runs_folders.setdefault(md.path, RunsFolder(md.path))
            self._runs_poll.start()
        self.watcher.watch(md.path)
        self.refresh_source(str(md.path))  # event files, and the paths to watch inside
        # Each checkpoint against its own graph, in the background: marks what does not fit.
        self.runner.submit(
            check_model_dir, md.snapshot(),
            key=f"self-check:{md.path}", on_done=self._on_self_check,
            on_error=lambda msg: log.info("self-check failed: %s", msg), label="Checking shapes",
        )  # fmt: skip

    def refresh_source(self, path: str) -> None:
        """Re-scan an open model_dir (a training job changed it) and read new events."""
        source = next((s for s in self.sources.sources() if str(s.model_dir.path) == path), None)
        if source is None:
            return
        key = source.model_dir.path
        self.runner.submit(
            snapshot, key, self._readers.get(key), self._events_wanted.get(key, NOTHING),
            key=f"refresh:{key}", on_done=self._on_snapshot,
            on_error=lambda msg: self.status_label.setText(f"Refreshing {key.name}: {msg}"),
        )  # fmt: skip

    def _on_snapshot(self, snap: Snapshot) -> None:
        md = snap.model_dir
        old = self.state.model_dir(md.path)
        if old is not None:  # checkpoints the trainer deleted while we watched: kept for the Timeline
            now = set(md.names())
            gone = self._gone.setdefault(md.path, {})
            gone.update({c.name: replace(c, on_disk=False) for c in old.checkpoints if c.name not in now})
        choice = self.state.refreshed(md)  # before the list changes: it compares old and new
        source = self.sources.update_source(md)
        if source is None:  # closed meanwhile
            return
        if snap.reader is not None:  # the next refresh reads on from where this one stopped
            self._readers[md.path] = snap.reader
        if snap.events is not None:
            old_notes = self._events[md.path].notes if md.path in self._events else []
            self._events[md.path] = snap.events
            self._event_level[md.path] = snap.level
            for note in snap.events.notes:
                if note not in old_notes:  # a damaged or unreadable events file: say so once
                    self.status_label.setText(note)
        self.watcher.watch(md.path, snap.watch)
        if any(c.being_written for c in md.checkpoints):
            self.watcher.retry_later(md.path)
        if choice is not None:  # the first checkpoint, a newer one to follow, or the shown one pruned
            self._show_choice(choice)
        self._side_key = None
        self._update_side_views()
        self._update_source_note()
        self.source_refreshed.emit(snap)

    def _show_choice(self, choice) -> None:
        """Show what the app state chose (core/state/app_state.py): a checkpoint, or a source's own row."""
        source = next((s for s in self.sources.sources() if s.model_dir.path == choice.source), None)
        if source is None:
            return
        if choice.checkpoint is None:
            index = self.sources.index(self.sources.sources().index(source), 0)
        else:
            index = self.sources.checkpoint_index(source, choice.checkpoint)
        if choice.reload or index == self.sources_view.currentIndex():
            self._on_checkpoint_current(index, QModelIndex())  # the same row: read it again
        else:
            self.sources_view.setCurrentIndex(index)

    def select_checkpoint(self, name: str) -> None:
        source = self.sources.source_at(self.sources_view.currentIndex())
        if source is not None:
            index = self.sources.checkpoint_index(source, name)
            if index.isValid():
                self.sources_view.setCurrentIndex(index)

    def _on_self_check(self, results: list[CheckResult]) -> None:
        for r in results:
            self._findings[r.prefix] = {
                f.variable: (
                    f"Does not fit {r.against}: stored {f.checkpoint or 'nothing'}, declared {f.model or 'nothing'}"
                )
                for f in r.findings
            }
        bad = {r.prefix for r in results if r.findings}
        self.sources.set_mismatched(bad, {r.prefix for r in results})
        if bad:
            self.status_label.setText(f"{len(bad)} checkpoint(s) do not fit their own graph: see the Check tab")
        self._mark_variables()
        self.self_checked.emit(results)

    def _mark_variables(self) -> None:
        info = self.current_checkpoint()
        self.variables.model.set_marks(self._findings.get(info.prefix, {}) if info else {})

    def _on_open_failed(self, path: str, message: str) -> None:
        self.state.open_failed(path)
        text = f"Could not open {path}: {message}"
        self.status_label.setText(text)
        self.variables.show_error(text)
        self.open_failed.emit(message)

    def show_verify_dialog(self):
        """Check every tensor's crc32c in the current model_dir; corrupt checkpoints get flagged."""
        from ckpt_browser.ui.widgets.verify_dialog import VerifyDialog

        source = self.sources.source_at(self.sources_view.currentIndex())
        if source is None:
            self.status_label.setText("Open a model_dir to verify its checkpoints.")
            return None
        if self.verify_dialog is None:
            self.verify_dialog = VerifyDialog(self.runner, self)
            self.verify_dialog.verified.connect(self.sources.set_verified)
        self.verify_dialog.show()
        self.verify_dialog.run(source.model_dir.snapshot())  # a copy: live refresh changes the original
        return self.verify_dialog

    def close_current_source(self) -> None:
        self.close_source(self.sources.source_at(self.sources_view.currentIndex()))

    def close_source(self, source: Source | None) -> None:
        if source is None:
            return
        row = self.sources.sources().index(source)
        choice = self.state.close(source.model_dir.path)
        self.sources.remove_source(row)
        if choice is not None:
            self._show_choice(choice)
        for c in source.model_dir.checkpoints:  # its restored sessions go too
            self.runner.submit(self.sessions.close, c.prefix, tf=True)
        self.watcher.unwatch(source.model_dir.path)
        self._readers.pop(source.model_dir.path, None)
        self._events.pop(source.model_dir.path, None)
        self._event_level.pop(source.model_dir.path, None)
        self._events_wanted.pop(source.model_dir.path, None)
        self._side_key = None
        if not self.sources.rowCount():
            self.variables.clear("Open a model_dir or checkpoint: File > Open, or drop it here.")

    def reload_current(self) -> None:
        source = self.sources.source_at(self.sources_view.currentIndex())
        info = self.sources.checkpoint_at(self.sources_view.currentIndex())
        if source is not None:
            self.open_path(source.model_dir.path, info.name if info else None)

    # -- drag and drop -------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        for url in event.mimeData().urls():
            if not url.isLocalFile():
                continue
            path = url.toLocalFile()
            if is_log_file(path):  # an error log: explain it in the Check tab
                self.runner.submit(
                    _read_text, path, tf=False,
                    on_done=self.explain_log, on_error=self.status_label.setText,
                )  # fmt: skip
            elif path.endswith((".py", ".ipynb")):  # a training script: check the model_dir against it
                self.show_tab("check")
                self.view("check").check_script(path)
            else:
                self.open_path(locate(Path(path)))  # a local file: a Location without parsing text
        event.acceptProposedAction()

    def explain_log(self, text: str) -> None:
        self.show_tab("check")
        self.view("check").set_mode(LOG, text)
        self.view("check").run()
