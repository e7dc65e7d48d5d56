"""The main window: menus, docks, drag and drop; wires item models to views. What it shows is
the app state's (core/state/app_state.py): window_render.py binds the state's events to the
widgets, and what the user does only changes the state."""

from __future__ import annotations

import logging
import weakref
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QLabel,
    QMainWindow,
    QProgressBar,
    QSplitter,
    QTabWidget,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from ckpt_browser.core.state.app_state import AppState
from ckpt_browser.core.values.diff import default_pair
from ckpt_browser.core.values.fit import Sessions
from ckpt_browser.ui import layout
from ckpt_browser.ui.checkpoint_columns import CheckpointColumns
from ckpt_browser.ui.live_health import LiveHealth
from ckpt_browser.ui.models.sources import SourcesModel
from ckpt_browser.ui.palette import colours
from ckpt_browser.ui.settings import Settings
from ckpt_browser.ui.tasks import TaskRunner
from ckpt_browser.ui.views import VIEWS, ViewContext, view_class
from ckpt_browser.ui.watcher import ModelDirWatcher
from ckpt_browser.ui.widgets.details import DetailsPanel
from ckpt_browser.ui.widgets.lazy_tab import LazyTab, tab_list_button
from ckpt_browser.ui.widgets.tensor_view import TensorView
from ckpt_browser.ui.widgets.variable_panel import VariablePanel
from ckpt_browser.ui.window_menus import WindowMenus
from ckpt_browser.ui.window_render import WindowRender
from ckpt_browser.ui.window_sources import WindowSources

if TYPE_CHECKING:
    from ckpt_browser.ui.widgets.diff_window import DiffWindow

log = logging.getLogger(__name__)


class MainWindow(WindowSources, WindowRender, WindowMenus, QMainWindow):
    checkpoint_loaded = Signal(object)  # CheckpointContents
    tensor_loaded = Signal(object)  # numpy array of the selected variable
    source_opened = Signal(object)  # Source
    self_checked = Signal(object)  # list[CheckResult]
    source_refreshed = Signal(object)  # Snapshot
    open_failed = Signal(str)

    def __init__(
        self, runner: TaskRunner, settings: Settings, remember_window: bool = True, state: AppState | None = None,
        size: tuple[int, int] | None = None,
    ) -> None:  # fmt: skip
        super().__init__()
        # What is open and selected, what background work found, and the rules for what to show
        # next (Qt-free, core/state/app_state.py): the one place the window's state lives.
        self.state = state if state is not None else AppState()
        # Screenshots want the same layout every time: no restoring, no saving.
        self._remember_window = remember_window
        self.runner = runner
        self.settings = settings
        self.setWindowTitle("ckpt-browser")
        self.setAcceptDrops(True)
        self.resize(*layout.default_size(size))  # the screen it opens on, or --size
        self.diff_window: DiffWindow | None = None
        self.verify_dialog = None  # VerifyDialog, made on first use

        self.sources = SourcesModel(self)
        self.sources_view = QTreeView()
        self.sources_view.setModel(self.sources)
        self.sources_view.setUniformRowHeights(True)
        self.sources_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.checkpoint_columns = CheckpointColumns(self.sources_view)  # Flags shown however narrow
        self.sources_view.selectionModel().currentChanged.connect(self._on_checkpoint_current)
        self._rendering_sources = False  # the list's current row is being set from the state

        self.variables = VariablePanel(runner, self.state)
        self.tensor_view = TensorView(runner)
        self.tensor_view.codes_wanted.connect(self._show_codes)
        self.sessions = Sessions()  # restored graphs; touched only by TensorFlow-worker tasks
        # The other tabs are built when first shown (or asked for): see LazyTab. The factories
        # hold the window weakly: a cycle through them would leave the window to Python's cyclic
        # collector, which may run on a worker thread -- and a Qt widget destroyed there deadlocks
        # against the UI thread (seen: QObject::~QObject waiting for the GIL).
        me = weakref.proxy(self)
        ctx = ViewContext(runner, self.sessions)
        self._specs = {spec.name: spec for spec in VIEWS}
        self._tabs = {spec.name: LazyTab(lambda s=spec: me._make_view(s, ctx)) for spec in VIEWS}
        self._runs_poll = QTimer(self)  # new runs in them: looked for every 10 s
        self._runs_poll.setInterval(10_000)
        self._runs_poll.timeout.connect(self._poll_runs_folders)
        self.watcher = ModelDirWatcher(runner, self)
        self.watcher.changed.connect(self.refresh_source)
        self.value_tabs = QTabWidget()
        self.value_tabs.addTab(self.tensor_view, "Values")
        for spec in VIEWS:
            self.value_tabs.addTab(self._tabs[spec.name], spec.label)
        self.value_tabs.currentChanged.connect(lambda _: self._update_side_views())
        # Every tab one click away, however narrow the window: the bar scrolls, and this lists them all.
        self.tabs_menu_button = tab_list_button(self.value_tabs)
        self.value_tabs.setCornerWidget(self.tabs_menu_button, Qt.Corner.TopRightCorner)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.setObjectName("variables_and_tabs")
        split.addWidget(self.variables)
        split.addWidget(self.value_tabs)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        self.setCentralWidget(split)
        # The tree as wide as its names until the user moves the splitter (layout.fit_variables_pane).
        self.split_by_user = False
        split.splitterMoved.connect(lambda *_: setattr(self, "split_by_user", True))
        self.variables.filtered.connect(lambda: layout.fit_variables_pane(self))
        self.details = DetailsPanel()

        # What is wrong with the current model_dir as a whole (a broken state file, a damaged
        # events file), kept in sight under the list rather than in the passing status bar.
        self.source_note = QLabel()
        self.source_note.setWordWrap(True)
        self.source_note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        c = colours()
        self.source_note.setStyleSheet(
            f"QLabel {{ background: {c.note_background}; color: {c.note_text}; padding: 4px; }}"
        )
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

        self.live_health = LiveHealth(self)  # a live run's new checkpoint with NaN/Inf: banner + notification
        self._build_menus()
        self._bind_state()
        self._restore_window()

    # -- the registered views (ui/views.py) ------------------------------------------
    def view(self, name: str):
        """The view of a tab by its --tab name, built now if it was not yet."""
        return self._tabs[name].ensure()

    def _make_view(self, spec, ctx):
        view = view_class(spec).create(ctx)
        if hasattr(view, "variable_requested"):
            view.variable_requested.connect(self.state.select_variable)
        if hasattr(view, "checkpoint_requested"):
            view.checkpoint_requested.connect(self.select_checkpoint)
        if hasattr(view, "cell_requested"):
            view.cell_requested.connect(self.select_variable_in)
        return view

    def select_variable_in(self, checkpoint: str, variable: str) -> None:
        """Select a variable of another checkpoint: once that checkpoint's list has been read."""
        self.state.ask_variable(variable, checkpoint)

    # -- construction --------------------------------------------------------------
    def _dock(self, title: str, widget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(title.replace(" ", "_"))
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def show_diff_window(self) -> DiffWindow:
        if self.diff_window is None:
            from ckpt_browser.ui.widgets.diff_window import DiffWindow  # and its plots: when first used

            self.diff_window = DiffWindow(self.runner, self._checkpoint_choices, self)
        self.diff_window.refresh_choices()
        info, md = self.state.checkpoint_info(), self.state.model_dir()
        if info is not None and md is not None and self.diff_window.model.rowCount() == 0:
            self.diff_window.set_pair(*default_pair(md.checkpoints, info))
            self.diff_window.run()  # the comparison on show at once, not an empty table until Compare
        self.diff_window.show()
        self.diff_window.raise_()
        return self.diff_window

    def _checkpoint_choices(self) -> list[tuple[str, Path]]:
        out = []
        for md in self.state.sources():
            for c in md.checkpoints:
                if c.on_disk:
                    out.append((f"{md.path.name}/{c.name}", c.prefix))
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
