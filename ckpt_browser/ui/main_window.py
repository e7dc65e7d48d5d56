"""The main window: menus, docks, drag and drop; wires item models to views."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QFileDialog,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QTreeView,
)

from ckpt_browser import __version__
from ckpt_browser.core.contents import CheckpointContents, Source, open_source, read_contents
from ckpt_browser.core.examples import example_dirs
from ckpt_browser.core.model_dir import CheckpointInfo
from ckpt_browser.core.tfimport import tf
from ckpt_browser.ui.models.sources import SourcesModel
from ckpt_browser.ui.settings import Settings
from ckpt_browser.ui.tasks import TaskRunner
from ckpt_browser.ui.widgets.details import DetailsPanel
from ckpt_browser.ui.widgets.variable_panel import VariablePanel

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    checkpoint_loaded = Signal(object)  # CheckpointContents
    source_opened = Signal(object)  # Source
    open_failed = Signal(str)

    def __init__(self, runner: TaskRunner, settings: Settings) -> None:
        super().__init__()
        self.runner = runner
        self.settings = settings
        self._pending_select: dict[str, tuple[str | None, str | None]] = {}  # path -> (ckpt, var)
        self._pending_variable: str | None = None  # to select once the checkpoint has loaded
        self.setWindowTitle("ckpt-browser")
        self.setAcceptDrops(True)
        self.resize(1200, 760)

        self.sources = SourcesModel(self)
        self.sources_view = QTreeView()
        self.sources_view.setModel(self.sources)
        self.sources_view.setUniformRowHeights(True)
        self.sources_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.sources_view.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.sources_view.selectionModel().currentChanged.connect(self._on_checkpoint_current)

        self.variables = VariablePanel()
        self.setCentralWidget(self.variables)
        self.details = DetailsPanel()
        self.variables.variable_selected.connect(
            lambda v: self.details.show_variable(v, self.variables.contents())
        )

        self.sources_dock = self._dock("Checkpoints", self.sources_view, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.details_dock = self._dock("Variable", self.details, Qt.DockWidgetArea.RightDockWidgetArea)

        self.status_label = QLabel("Ready")
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(180)
        self.progress.setRange(0, 0)  # busy indicator until a task gives counts
        self.progress.hide()
        self.statusBar().addWidget(self.status_label, 1)
        self.statusBar().addPermanentWidget(self.progress)
        runner.busy_changed.connect(self._on_busy)
        runner.progressed.connect(self._on_progress)
        runner.unexpected_error.connect(self._on_unexpected)

        self._build_menus()
        self._restore_window()

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

        help_menu = self.menuBar().addMenu("&Help")
        self._action(help_menu, "Open &Example", self.open_examples)
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
        path = os.path.abspath(os.path.expanduser(path))
        self._pending_select[path] = (checkpoint, variable)
        self.variables.show_loading(f"Opening {path} …")
        self.runner.submit(
            open_source, path,
            key=f"open:{path}",
            on_done=lambda source, p=path: self._on_source_opened(p, source),
            on_error=lambda msg, p=path: self._on_open_failed(p, msg),
            label=f"Opening {Path(path).name}",
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
        if info is None:
            info = md.default_checkpoint() or md.checkpoints[-1]
        self._pending_variable = variable
        self.sources_view.setCurrentIndex(self.sources.checkpoint_index(source, info.name))
        self.source_opened.emit(source)

    def _on_open_failed(self, path: str, message: str) -> None:
        self._pending_select.pop(path, None)
        text = f"Could not open {path}: {message}"
        self.status_label.setText(text)
        self.variables.show_error(text)
        self.open_failed.emit(message)

    def close_current_source(self) -> None:
        index = self.sources_view.currentIndex()
        source = self.sources.source_at(index)
        if source is None:
            return
        row = self.sources.sources().index(source)
        self.sources.remove_source(row)
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

    def _on_checkpoint_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        info = self.sources.checkpoint_at(current)
        if info is None:
            return
        self.variables.clear(f"Reading {info.name} …")
        if not info.on_disk:
            self.variables.show_error(f"{info.name}: {info.problem}")
            self.variables.title.setText(info.name)
            return
        self.runner.submit(
            read_contents, info,
            key="contents",
            on_done=self._on_contents,
            on_error=lambda msg, i=info: self._on_contents_failed(i, msg),
            label=f"Reading {info.name}",
        )  # fmt: skip

    def _on_contents(self, contents: CheckpointContents) -> None:
        info = contents.checkpoint
        n = len(contents.variables)
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

    def _focus_filter(self) -> None:
        self.variables.filter_edit.setFocus()
        self.variables.filter_edit.selectAll()

    # -- status ----------------------------------------------------------------------------
    def _on_busy(self, pending: int) -> None:
        self.progress.setVisible(pending > 0)
        if pending == 0:
            self.progress.setRange(0, 0)

    def _on_progress(self, text: str, done: int, total: int) -> None:
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
        if text:
            self.status_label.setText(f"{text} …" if not total else f"{text} ({done}/{total})")

    def _on_unexpected(self, message: str, details: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, "Unexpected error", message, parent=self)
        box.setInformativeText("This is a bug in ckpt-browser. The details below help to fix it.")
        box.setDetailedText(details)
        box.open()

    def show_about(self) -> None:
        import platform

        from PySide6 import __version__ as pyside_version
        from PySide6.QtCore import qVersion

        from ckpt_browser.core.tfimport import is_loaded

        tf_version = tf().__version__ if is_loaded() else "not loaded yet"
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
            if url.isLocalFile():
                self.open_path(url.toLocalFile())
        event.acceptProposedAction()

    # -- window state --------------------------------------------------------------------
    def _restore_window(self) -> None:
        geometry = self.settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = self.settings.value("window/state")
        if state is not None:
            self.restoreState(state)
        else:  # first run: room for the checkpoint columns and the details
            self.resizeDocks(
                [self.sources_dock, self.details_dock], [460, 300], Qt.Orientation.Horizontal
            )

    def closeEvent(self, event: QCloseEvent) -> None:
        self.settings.set_value("window/geometry", self.saveGeometry())
        self.settings.set_value("window/state", self.saveState())
        self.settings.sync()
        super().closeEvent(event)
