"""Opening, refreshing and closing sources in the main window (paths, URLs, examples, drops),
and the self-check: the background work whose results go to the app state (window_render.py
shows them). A part of MainWindow (main_window.py), kept apart so each file stays small."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QFileDialog, QInputDialog

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.checks.logparse import MAX_LOG_CHARS, is_log_file
from ckpt_browser.core.checks.mismatch import CheckResult, check_model_dir
from ckpt_browser.core.checks.run import LOG
from ckpt_browser.core.model_dir.contents import Source
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
        early = self.state.results.take_scan(path)  # scanned while the window was built (ui/app.scan_early)
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
        if self.state.results.runs_folder(runs.path) is None:
            self.state.open_failed(path)  # nothing to select for the folder itself: its runs are opened
            self.settings.add_recent(path)
        new = self.state.results.runs_folder_found(runs)
        # Opened while it was empty (the runs not started yet): the folder's own empty row goes.
        empty = self.state.model_dir(runs.path)
        if empty is not None and not empty.checkpoints and runs.runs:
            self.close_source(runs.path)
        for run in new:
            self.open_path(run)  # a Location already: not parsed again
        self.status_label.setText(f"{runs.path.name}: {len(runs.runs)} runs" + "".join(f"; {n}" for n in runs.notes))
        if not self._runs_poll.isActive():
            self._runs_poll.start()

    def _poll_runs_folders(self) -> None:
        for folder in self.state.results.runs_folders():
            md = self.state.model_dir(folder)
            if md is not None and md.checkpoints:  # it was an empty model_dir, and training filled it
                self.state.results.forget_runs_folder(folder)
                continue
            self.runner.submit(
                runs_below, folder, key=f"runs:{folder}", tf=False,
                on_done=lambda runs, f=str(folder): self._on_runs_folder(f, runs) if runs.runs else None,
                on_error=lambda msg: log.info("runs folder: %s", msg),
            )  # fmt: skip

    def want_events(self, path: Path, level: int, runs: bool = False) -> bool:
        """A view wants the event files of this model_dir read this far (events.SAVES, ALL) --
        and with runs, those of the other runs of its folder of runs: read off the UI thread by
        the next refresh, asked for now. True while some are still to come."""
        paths = [path] + ([p for _, p in self.state.results.sibling_runs(path) if p != path] if runs else [])
        waiting = False
        for p in paths:
            if self.state.results.event_level(p) >= level:
                continue
            waiting = True
            if self.state.results.want_events(p, level):
                self.refresh_source(str(p))
        return waiting

    def _on_source_opened(self, path: str, source: Source) -> None:
        self.settings.add_recent(path)
        md = source.model_dir
        for note in md.notes + ([md.state_error] if md.state_error else []):
            self.status_label.setText(note)
        self.state.opened(path, md, source.selected)  # the list and the selection follow (window_render.py)
        self.source_opened.emit(source)
        if not md.checkpoints and not md.path.is_remote:  # runs may start below it: looked for too
            if self.state.results.runs_folder(md.path) is None:
                self.state.results.runs_folder_found(RunsFolder(md.path))
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
        md = next((m for m in self.state.sources() if str(m.path) == path), None)
        if md is None:
            return
        key = md.path
        self.runner.submit(
            snapshot, key, self.state.results.event_reader(key), self.state.results.events_wanted(key),
            key=f"refresh:{key}", on_done=self._on_snapshot,
            on_error=lambda msg: self.status_label.setText(f"Refreshing {key.name}: {msg}"),
        )  # fmt: skip

    def _on_snapshot(self, snap: Snapshot) -> None:
        md = snap.model_dir
        if self.state.model_dir(md.path) is None:  # closed meanwhile
            return
        # One change for the listeners: the list, where the selection goes (the first checkpoint,
        # a newer one to follow, the shown one pruned or finished), the events read on.
        with self.state.events.batch():
            self.state.refreshed(md)
            self.state.results.set_events(md.path, snap.events, snap.level, snap.reader)
        self.watcher.watch(md.path, snap.watch)
        if any(c.being_written for c in md.checkpoints):
            self.watcher.retry_later(md.path)
        self._update_side_views()
        self._update_source_note()
        self.source_refreshed.emit(snap)

    def _on_self_check(self, results: list[CheckResult]) -> None:
        self.state.results.set_findings(results)
        bad = {r.prefix for r in results if r.findings}
        if bad:
            self.status_label.setText(f"{len(bad)} checkpoint(s) do not fit their own graph: see the Check tab")
        self.self_checked.emit(results)

    def _on_open_failed(self, path: str, message: str) -> None:
        self.state.open_failed(path)
        text = f"Could not open {path}: {message}"
        self.status_label.setText(text)
        self.variables.show_error(text)
        self.open_failed.emit(message)

    def show_verify_dialog(self):
        """Check every tensor's crc32c in the current model_dir; corrupt checkpoints get flagged."""
        from ckpt_browser.ui.widgets.verify_dialog import VerifyDialog

        md = self.state.model_dir()
        if md is None:
            self.status_label.setText("Open a model_dir to verify its checkpoints.")
            return None
        if self.verify_dialog is None:
            self.verify_dialog = VerifyDialog(self.runner, self)
            self.verify_dialog.verified.connect(self.state.results.set_verified)
        self.verify_dialog.show()
        self.verify_dialog.run(md.snapshot())  # a copy: live refresh changes the original
        return self.verify_dialog

    def close_current_source(self) -> None:
        if self.state.source is not None:
            self.close_source(self.state.source)

    def close_source(self, path: Path) -> None:
        """Close an open source (the list, its sessions and its watch follow: window_render.py)."""
        self.state.close(path)

    def reload_current(self) -> None:
        md = self.state.model_dir()
        if md is not None:
            self.open_path(md.path, self.state.checkpoint)

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
