"""The main window: menus, docks, drag and drop; wires item models to views."""

from __future__ import annotations

import logging
import weakref
from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QFileDialog,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QSplitter,
    QTabWidget,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from ckpt_browser import __version__
from ckpt_browser.core.checks import LOG
from ckpt_browser.core.contents import (
    CheckpointContents,
    Source,
    open_source,
    read_contents,
    read_variable,
)
from ckpt_browser.core.demo import write_quadratic_example
from ckpt_browser.core.diff import default_pair
from ckpt_browser.core.events import EventData, EventReader, Snapshot, snapshot
from ckpt_browser.core.examples import example_dirs
from ckpt_browser.core.fit import Sessions
from ckpt_browser.core.logparse import is_log_file
from ckpt_browser.core.mismatch import CheckResult, check_model_dir
from ckpt_browser.core.model_dir import SAVED_MODEL_VARIABLES, CheckpointInfo
from ckpt_browser.core.storage import is_remote, normalize
from ckpt_browser.core.tfimport import tf
from ckpt_browser.core.variables import VariableInfo, shadow_of
from ckpt_browser.ui import layout
from ckpt_browser.ui.models.sources import SourcesModel
from ckpt_browser.ui.settings import Settings
from ckpt_browser.ui.tasks import TaskRunner
from ckpt_browser.ui.views import VIEWS, Selection, ViewContext, view_class
from ckpt_browser.ui.watcher import ModelDirWatcher
from ckpt_browser.ui.widgets.details import DetailsPanel
from ckpt_browser.ui.widgets.diff_window import DiffWindow
from ckpt_browser.ui.widgets.lazy_tab import LazyTab
from ckpt_browser.ui.widgets.tensor_view import TensorView
from ckpt_browser.ui.widgets.variable_panel import VariablePanel

log = logging.getLogger(__name__)


def _read_text(path: str) -> str:
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read(2_000_000)  # a log's head is where the error is; never load a huge file


class MainWindow(QMainWindow):
    checkpoint_loaded = Signal(object)  # CheckpointContents
    tensor_loaded = Signal(object)  # numpy array of the selected variable
    source_opened = Signal(object)  # Source
    self_checked = Signal(object)  # list[CheckResult]
    source_refreshed = Signal(object)  # Snapshot
    open_failed = Signal(str)

    def __init__(self, runner: TaskRunner, settings: Settings, remember_window: bool = True) -> None:
        super().__init__()
        # Screenshots want the same layout every time: no restoring, no saving.
        self._remember_window = remember_window
        self.runner = runner
        self.settings = settings
        self._pending_select: dict[str, tuple[str | None, str | None]] = {}  # path -> (ckpt, var)
        self._pending_variable: str | None = None  # to select once the checkpoint has loaded
        self.setWindowTitle("ckpt-browser")
        self.setAcceptDrops(True)
        self.resize(*layout.default_size(fit_screen=remember_window))
        self.diff_window: DiffWindow | None = None
        self.verify_dialog = None  # VerifyDialog, made on first use

        self.sources = SourcesModel(self)
        self.sources_view = QTreeView()
        self.sources_view.setModel(self.sources)
        self.sources_view.setUniformRowHeights(True)
        self.sources_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.sources_view.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.sources_view.selectionModel().currentChanged.connect(self._on_checkpoint_current)

        self.variables = VariablePanel()
        self.tensor_view = TensorView(runner)
        self.sessions = Sessions()  # restored graphs; touched only by TensorFlow-worker tasks
        # The other tabs are built when first shown (or asked for): see LazyTab. The factories
        # hold the window weakly: a cycle through them would leave the window to Python's cyclic
        # collector, which may run on a worker thread -- and a Qt widget destroyed there deadlocks
        # against the UI thread (seen: QObject::~QObject waiting for the GIL).
        me = weakref.proxy(self)
        ctx = ViewContext(runner, self.sessions)
        self._specs = {spec.name: spec for spec in VIEWS}
        self._tabs = {spec.name: LazyTab(lambda s=spec: me._make_view(s, ctx)) for spec in VIEWS}
        self._findings: dict[Path, dict[str, str]] = {}  # prefix -> variable -> finding text
        self._readers: dict[Path, EventReader] = {}  # touched by TensorFlow-worker tasks only
        self._events: dict[Path, EventData] = {}  # snapshots for the UI thread
        self.watcher = ModelDirWatcher(runner, self)
        self.watcher.changed.connect(self.refresh_source)
        self.value_tabs = QTabWidget()
        self.value_tabs.addTab(self.tensor_view, "Values")
        for spec in VIEWS:
            self.value_tabs.addTab(self._tabs[spec.name], spec.label)
        self.value_tabs.currentChanged.connect(lambda _: self._update_side_views())
        split = QSplitter(Qt.Orientation.Horizontal)
        split.setObjectName("variables_and_tabs")
        split.addWidget(self.variables)
        split.addWidget(self.value_tabs)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        self.setCentralWidget(split)
        self.details = DetailsPanel()
        self.variables.variable_selected.connect(self._on_variable)
        self._side_key: tuple | None = None  # what the history / compare tabs last showed

        # What is wrong with the current model_dir as a whole (a broken state file, a damaged
        # events file), kept in sight under the list rather than in the passing status bar.
        self.source_note = QLabel()
        self.source_note.setWordWrap(True)
        self.source_note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.source_note.setStyleSheet("QLabel { background: #fff4ce; color: #5c4400; padding: 4px; }")
        self.source_note.hide()
        sources_box = QWidget()
        box_layout = QVBoxLayout(sources_box)
        box_layout.setContentsMargins(0, 0, 0, 0)
        box_layout.addWidget(self.sources_view, 1)
        box_layout.addWidget(self.source_note)
        self.sources_dock = self._dock("Checkpoints", sources_box, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.details_dock = self._dock("Variable", self.details, Qt.DockWidgetArea.LeftDockWidgetArea)

        self.status_label = QLabel("Ready")
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.setRange(0, 0)  # busy indicator until a task gives counts
        self.progress.hide()
        self.statusBar().addWidget(self.status_label, 1)
        self.statusBar().addPermanentWidget(self.progress)
        runner.busy_changed.connect(self._on_busy)
        runner.progressed.connect(self._on_progress)
        runner.unexpected_error.connect(self._on_unexpected)

        self._build_menus()
        self._restore_window()

    # -- the registered views (ui/views.py) ------------------------------------------
    def view(self, name: str):
        """The view of a tab by its --tab name, built now if it was not yet."""
        return self._tabs[name].ensure()

    def _make_view(self, spec, ctx):
        view = view_class(spec).create(ctx)
        if hasattr(view, "variable_requested"):
            view.variable_requested.connect(self.variables.select_variable)
        if hasattr(view, "checkpoint_requested"):
            view.checkpoint_requested.connect(self.select_checkpoint)
        return view

    # -- construction --------------------------------------------------------------
    def _dock(self, title: str, widget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(title.replace(" ", "_"))
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self._action(file_menu, "Open &Folder…", self.open_folder_dialog, QKeySequence.StandardKey.Open)
        self._action(file_menu, "Open &File…", self.open_file_dialog, "Ctrl+Shift+O")
        self._action(file_menu, "Open &URL…", self.open_url_dialog, "Ctrl+L")
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        file_menu.addSeparator()
        self._action(file_menu, "&Reload", self.reload_current, QKeySequence.StandardKey.Refresh)
        self._action(file_menu, "&Close Source", self.close_current_source, QKeySequence.StandardKey.Close)
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit)

        view = self.menuBar().addMenu("&View")
        self._action(view, "&Filter Variables", self._focus_filter, QKeySequence.StandardKey.Find)
        for box, shortcut in (
            (self.variables.hide_optimizer_box, "Ctrl+Shift+H"),
            (self.variables.object_graph_box, None),
            (self.variables.regex_box, None),
        ):
            act = QAction(box.text(), self, checkable=True)
            if shortcut:
                act.setShortcut(shortcut)
            act.toggled.connect(box.setChecked)
            box.toggled.connect(act.setChecked)
            view.addAction(act)
        view.addSeparator()
        view.addAction(self.sources_dock.toggleViewAction())
        view.addAction(self.details_dock.toggleViewAction())

        tools = self.menuBar().addMenu("&Tools")
        self._action(tools, "&Compare Checkpoints…", self.show_diff_window, "Ctrl+D")
        self._action(tools, "&Verify Checkpoints…", self.show_verify_dialog, "Ctrl+Shift+V")

        help_menu = self.menuBar().addMenu("&Help")
        self._action(help_menu, "Open &Example", self.open_examples)
        self._action(help_menu, "&Create Example…", self.create_example_dialog)
        self._action(help_menu, "&About ckpt-browser", self.show_about)

    def _action(self, menu, text, slot, shortcut=None) -> QAction:
        act = QAction(text, self)
        if shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
        act.triggered.connect(slot)
        menu.addAction(act)
        return act

    # -- opening -------------------------------------------------------------------
    def open_path(self, path: str, checkpoint: str | None = None, variable: str | None = None) -> None:
        """Open a model_dir or checkpoint file in the background; select what was asked."""
        path = normalize(path)  # no I/O: a URL stays as typed, less a trailing slash
        self._pending_select[path] = (checkpoint, variable)
        self.variables.show_loading(f"Opening {path} …")
        self.runner.submit(
            open_source, path, True,
            key=f"open:{path}",
            on_done=lambda source, p=path: self._on_source_opened(p, source),
            on_error=lambda msg, p=path: self._on_open_failed(p, msg),
            label=f"Opening {path.rstrip('/').rsplit('/', 1)[-1] or path}",
        )  # fmt: skip

    def open_examples(self) -> None:
        # Copying ~2 MB of examples is disk work: do it off the UI thread.
        self.runner.submit(
            example_dirs,
            on_done=lambda dirs: [self.open_path(str(d)) for d in dirs],
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
            self, "Open checkpoint file", "",
            "Checkpoint files (*.index *.meta *.data-* checkpoint);;All files (*)",
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
            if not is_remote(url):
                self.status_label.setText(f"{url[:200]} is not a URL: use File > Open Folder for local paths")
                return
            self.settings.set_value("last_url", url)
            self.open_path(url)

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

    def _on_source_opened(self, path: str, source: Source) -> None:
        self.settings.add_recent(path)
        checkpoint, variable = self._pending_select.pop(path, (None, None))
        top = self.sources.add_source(source)
        self.sources_view.expand(top)
        md = source.model_dir
        for note in md.notes + ([md.state_error] if md.state_error else []):
            self.status_label.setText(note)
        wanted = checkpoint or source.selected
        info = md.find(wanted) if wanted else md.default_checkpoint()
        if wanted and info is None:
            self.variables.show_error(f"No checkpoint {wanted!r} in {md.path}")
        if info is None and md.checkpoints:
            info = md.default_checkpoint() or md.checkpoints[-1]
        self._pending_variable = variable
        if info is not None:
            self.sources_view.setCurrentIndex(self.sources.checkpoint_index(source, info.name))
        else:  # nothing yet: say so; the watcher fills the list in as training writes
            self.sources_view.setCurrentIndex(top)
            self.variables.clear(md.notes[-1] if md.notes else f"No checkpoint in {md.path}")
        self.source_opened.emit(source)
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
        reader = self._readers.setdefault(key, EventReader(key))
        self.runner.submit(
            snapshot, key, reader,
            key=f"refresh:{key}", on_done=self._on_snapshot,
            on_error=lambda msg: self.status_label.setText(f"Refreshing {key.name}: {msg}"),
        )  # fmt: skip

    def _on_snapshot(self, snap: Snapshot) -> None:
        md = snap.model_dir
        before = self.current_checkpoint()
        source = self.sources.update_source(md)
        if source is None:  # closed meanwhile
            return
        old_notes = self._events[md.path].notes if md.path in self._events else []
        self._events[md.path] = snap.events
        for note in snap.events.notes:
            if note not in old_notes:  # a damaged or unreadable events file: say so once
                self.status_label.setText(note)
        self.watcher.watch(md.path, snap.watch)
        if any(c.being_written for c in md.checkpoints):
            self.watcher.retry_later(md.path)
        after = self.current_checkpoint()
        if before is None and md.checkpoints and self.sources.source_at(self.sources_view.currentIndex()) is source:
            # The first checkpoints of a folder opened empty: show the latest.
            pick = md.default_checkpoint()
            if pick is not None:
                self.sources_view.setCurrentIndex(self.sources.checkpoint_index(source, pick.name))
        elif (
            before is not None
            and md.find(before.name) is None
            and self.sources.source_at(self.sources_view.currentIndex()) is source
        ):
            pick = md.default_checkpoint()  # the selected checkpoint was pruned: show the latest
            if pick is not None:
                self.sources_view.setCurrentIndex(self.sources.checkpoint_index(source, pick.name))
        elif before is not None and after is not None and after.name == before.name:
            if (after.files_ok, after.bytes) != (before.files_ok, before.bytes):  # e.g. finished writing
                self._on_checkpoint_current(self.sources_view.currentIndex(), QModelIndex())
        self._side_key = None
        self._update_side_views()
        self._update_source_note()
        self.source_refreshed.emit(snap)

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
        self._pending_select.pop(path, None)
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
        self.verify_dialog.run(source.model_dir)
        return self.verify_dialog

    def close_current_source(self) -> None:
        index = self.sources_view.currentIndex()
        source = self.sources.source_at(index)
        if source is None:
            return
        row = self.sources.sources().index(source)
        self.sources.remove_source(row)
        for c in source.model_dir.checkpoints:  # its restored sessions go too
            self.runner.submit(self.sessions.close, c.prefix, tf=True)
        self.watcher.unwatch(source.model_dir.path)
        self._readers.pop(source.model_dir.path, None)
        self._events.pop(source.model_dir.path, None)
        self._side_key = None
        if not self.sources.rowCount():
            self.variables.clear("Open a model_dir or checkpoint: File > Open, or drop it here.")

    def reload_current(self) -> None:
        source = self.sources.source_at(self.sources_view.currentIndex())
        info = self.sources.checkpoint_at(self.sources_view.currentIndex())
        if source is not None:
            self.open_path(str(source.model_dir.path), info.name if info else None)

    # -- checkpoints and variables -------------------------------------------------------
    def current_checkpoint(self) -> CheckpointInfo | None:
        return self.sources.checkpoint_at(self.sources_view.currentIndex())

    def _update_source_note(self) -> None:
        source = self.sources.source_at(self.sources_view.currentIndex())
        notes = []
        if source is not None:
            md = source.model_dir
            notes = md.notes + ([md.state_error] if md.state_error else [])
            events = self._events.get(md.path)
            notes += events.notes if events is not None else []
        self.source_note.setText("\n".join(f"• {n}" for n in notes))
        self.source_note.setVisible(bool(notes))

    def _on_checkpoint_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._update_source_note()
        info = self.sources.checkpoint_at(current)
        if info is None:
            return
        self._side_key = None
        self.variables.clear(f"Reading {info.name} …")
        if not info.on_disk:
            self.variables.show_error(f"{info.name}: {info.problem}")
            self.variables.title.setText(info.name)
            return
        self.runner.submit(
            read_contents, info, self.variables.current_filter_or_none(),
            key="contents",
            on_done=self._on_contents,
            on_error=lambda msg, i=info: self._on_contents_failed(i, msg),
            label=f"Reading {info.name}",
        )  # fmt: skip

    def _on_contents(self, contents: CheckpointContents) -> None:
        info = contents.checkpoint
        n = len(contents.variables)
        self.variables.model.set_marks(self._findings.get(info.prefix, {}))
        self.variables.set_contents(contents, f"<b>{info.name}</b> — {n} variables  ({info.prefix.parent})")
        self.status_label.setText(f"{info.name}: {n} variables")
        wanted, self._pending_variable = self._pending_variable, None
        if wanted and not self.variables.select_variable(wanted):
            self.status_label.setText(f"No variable {wanted!r} in {info.name}")
        self.checkpoint_loaded.emit(contents)

    def _on_contents_failed(self, info: CheckpointInfo, message: str) -> None:
        self.variables.title.setText(info.name)
        self.variables.show_error(message)
        self.status_label.setText(message)

    def _on_variable(self, v: VariableInfo | None) -> None:
        self.details.show_variable(v, self.variables.contents())
        info = self.current_checkpoint()
        if v is None or info is None:
            self.tensor_view.clear()
            self._update_side_views()
            return
        self.tensor_view.clear(f"Reading {v.display_name} …")
        self.runner.submit(
            read_variable, info, v.name,
            key="value",
            on_done=lambda r, v=v, info=info: self._on_tensor(v, info, r),
            on_error=self.tensor_view.show_error,
            label=f"Reading {v.display_name}",
        )  # fmt: skip

    def _on_tensor(self, v: VariableInfo, info: CheckpointInfo, read) -> None:
        self.tensor_view.set_tensor(v.display_name, read.value, info.name, warning=read.warning)
        self._update_side_views()
        self.tensor_loaded.emit(read.value)

    def _update_side_views(self) -> None:
        """Feed the view on show what it needs, when that changed (hidden views do nothing:
        several read every checkpoint)."""
        tab = self.value_tabs.currentWidget()
        spec = next((s for name, s in self._specs.items() if self._tabs[name] is tab), None)
        if spec is None:
            return
        selection = self._selection()
        key = (spec.name, selection.key(spec.needs))
        if key == self._side_key:
            return
        self._side_key = key
        self.view(spec.name).show_selection(selection)

    def _selection(self) -> Selection:
        v = self.variables.selected_variable()
        info = self.current_checkpoint()
        source = self.sources.source_at(self.sources_view.currentIndex())
        contents = self.variables.contents()
        md = source.model_dir if source is not None else None
        return Selection(
            model_dir=md.snapshot() if md is not None else None,
            checkpoint=info,
            variable=v,
            events=self._events.get(md.path) if md is not None else None,
            array=self.tensor_view.array() if v is not None else None,
            shadow=shadow_of(contents.variables, v) if contents is not None and v is not None else None,
            saved_model=info is not None and info.name == SAVED_MODEL_VARIABLES,
        )

    def show_diff_window(self) -> DiffWindow:
        if self.diff_window is None:
            self.diff_window = DiffWindow(self.runner, self._checkpoint_choices, self)
        self.diff_window.refresh_choices()
        info = self.current_checkpoint()
        source = self.sources.source_at(self.sources_view.currentIndex())
        if info is not None and source is not None and self.diff_window.model.rowCount() == 0:
            self.diff_window.set_pair(*default_pair(source.model_dir.checkpoints, info))
        self.diff_window.show()
        self.diff_window.raise_()
        return self.diff_window

    def _checkpoint_choices(self) -> list[tuple[str, Path]]:
        out = []
        for s in self.sources.sources():
            for c in s.model_dir.checkpoints:
                if c.on_disk:
                    out.append((f"{s.model_dir.path.name}/{c.name}", c.prefix))
        return out

    def show_tab(self, name: str) -> None:
        """Bring a view to the front by the name --tab uses (table, plot, ..., timeline)."""
        inner = {"table": 0, "plot": 1, "histogram": 2}
        if name in inner:
            self.value_tabs.setCurrentWidget(self.tensor_view)
            self.tensor_view.tabs.setCurrentIndex(inner[name])
            return
        self.view(name)
        self.value_tabs.setCurrentWidget(self._tabs[name])

    def _focus_filter(self) -> None:
        self.variables.filter_edit.setFocus()
        self.variables.filter_edit.selectAll()

    # -- status ----------------------------------------------------------------------------
    def _on_busy(self, pending: int) -> None:
        self.progress.setVisible(pending > 0)
        if pending == 0:
            self.progress.setRange(0, 0)

    def _on_progress(self, text: str, done: int, total: int) -> None:
        # Progress lives in the bar (with its text); the status label keeps messages.
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
            self.progress.setFormat(f"{text} %p%")
        else:
            self.progress.setRange(0, 0)
        self.progress.setToolTip(text)
        self.progress.setTextVisible(bool(total))

    def _on_unexpected(self, message: str, details: str) -> None:
        """One dialog, details collapsed; more errors while it is open join its details."""
        box = getattr(self, "_error_box", None)
        if box is not None and box.isVisible():
            box.setDetailedText(box.detailedText() + "\n" + details)
            return
        from ckpt_browser.ui.tasks import error_log_path

        box = QMessageBox(QMessageBox.Icon.Warning, "Unexpected error", message, parent=self)
        box.setInformativeText(
            f"This is a bug in ckpt-browser; the rest of the window still works. The details are kept in "
            f"{error_log_path()} and below: they help to fix it."
        )
        box.setDetailedText(details)  # shown only when the user asks (Show Details...)
        self._error_box = box
        box.open()

    def show_about(self) -> None:
        import platform
        from importlib.metadata import PackageNotFoundError, version

        from PySide6 import __version__ as pyside_version
        from PySide6.QtCore import qVersion

        from ckpt_browser.core.tfimport import is_loaded

        if is_loaded():
            tf_version = tf().__version__
        else:  # the installed version, without a 3-5 s import on the UI thread
            try:
                tf_version = f"{version('tensorflow')} (not loaded yet)"
            except PackageNotFoundError:
                tf_version = "not found"
        QMessageBox.about(
            self,
            "About ckpt-browser",
            f"<b>ckpt-browser {__version__}</b><br>Browse, compare and check TensorFlow checkpoints."
            f"<br><br>TensorFlow {tf_version}<br>Qt {qVersion()} (PySide6 {pyside_version})"
            f"<br>Python {platform.python_version()}",
        )

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
            else:
                self.open_path(path)
        event.acceptProposedAction()

    def explain_log(self, text: str) -> None:
        self.show_tab("check")
        self.view("check").set_mode(LOG, text)
        self.view("check").run()

    # -- window state --------------------------------------------------------------------
    def _restore_window(self) -> None:
        if self._remember_window:
            layout.restore(self, self.settings)
        else:  # a screenshot: the first-run layout every time
            QTimer.singleShot(0, self, lambda: layout.first_layout(self))

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._remember_window:
            layout.save(self, self.settings)
        super().closeEvent(event)
