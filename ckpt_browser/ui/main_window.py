"""The main window: menus, docks, drag and drop; wires item models to views."""

from __future__ import annotations

import logging
import weakref
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
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

from ckpt_browser.core.formats.variables import VariableInfo, shadow_of
from ckpt_browser.core.model_dir.contents import CheckpointContents, read_codes, read_contents, read_variable
from ckpt_browser.core.model_dir.events import ALL, NOTHING, SAVES, EventData, EventReader
from ckpt_browser.core.model_dir.runs import RunsFolder
from ckpt_browser.core.model_dir.scan import SAVED_MODEL_VARIABLES, CheckpointInfo
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
from ckpt_browser.ui.text import esc
from ckpt_browser.ui.views import VIEWS, Selection, ViewContext, view_class
from ckpt_browser.ui.watcher import ModelDirWatcher
from ckpt_browser.ui.widgets.details import DetailsPanel
from ckpt_browser.ui.widgets.lazy_tab import LazyTab, tab_list_button
from ckpt_browser.ui.widgets.tensor_view import TensorView
from ckpt_browser.ui.widgets.variable_panel import VariablePanel
from ckpt_browser.ui.window_menus import WindowMenus
from ckpt_browser.ui.window_sources import WindowSources

if TYPE_CHECKING:
    from ckpt_browser.ui.widgets.diff_window import DiffWindow

log = logging.getLogger(__name__)


class MainWindow(WindowSources, WindowMenus, QMainWindow):
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
        # What is open and selected, and the rules for what to show next (Qt-free, core/state/app_state.py).
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
        self.early_scans = {}  # see WindowSources.open_path

        self.sources = SourcesModel(self)
        self.sources_view = QTreeView()
        self.sources_view.setModel(self.sources)
        self.sources_view.setUniformRowHeights(True)
        self.sources_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.checkpoint_columns = CheckpointColumns(self.sources_view)  # Flags shown however narrow
        self.sources_view.selectionModel().currentChanged.connect(self._on_checkpoint_current)

        self.variables = VariablePanel(runner)
        self.variables.filter_edit.textChanged.connect(self.state.set_filter)
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
        self._findings: dict[Path, dict[str, str]] = {}  # prefix -> variable -> finding text
        # The event files are read when a view shows them (Scalars: every record; Timeline, and
        # the Saved column when the files' times are all there is: the checkpoint records).
        self._readers: dict[Path, EventReader] = {}  # used by the reading worker only
        self._events: dict[Path, EventData] = {}  # snapshots for the UI thread
        self._event_level: dict[Path, int] = {}  # how much of them _events holds (events.SAVES, ALL)
        self._events_wanted: dict[Path, int] = {}  # how much a view asked for
        self._gone: dict[Path, dict[str, CheckpointInfo]] = {}  # deleted while watched, as last seen
        self._runs_folders: dict[Path, RunsFolder] = {}  # folders of runs opened, by path
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
        self.variables.variable_selected.connect(self._on_variable)
        self._side_key: tuple | None = None  # what the history / compare tabs last showed

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
        if hasattr(view, "cell_requested"):
            view.cell_requested.connect(self.select_variable_in)
        return view

    def select_variable_in(self, checkpoint: str, variable: str) -> None:
        """Select a variable of another checkpoint: once that checkpoint's list has been read."""
        current = self.current_checkpoint()
        if current is not None and current.name == checkpoint:
            self.variables.select_variable(variable)
            return
        self.state.ask_variable(variable)
        self.select_checkpoint(checkpoint)

    # -- construction --------------------------------------------------------------
    def _dock(self, title: str, widget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(title.replace(" ", "_"))
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

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
        source = self.sources.source_at(current)
        if source is not None:
            self.state.select(source.model_dir.path, info.name if info is not None else None)
        if info is None:
            return
        self._side_key = None
        self.variables.clear(f"Reading {info.name} …")
        if not info.on_disk:
            self.variables.show_error(f"{info.name}: {info.problem}")
            self.variables.title.setText(info.name)
            return
        self.runner.submit(
            read_contents, info, self.variables.current_filter_or_none(), True,  # lazy: see read_contents
            key="contents",
            on_done=self._on_contents,
            on_error=lambda msg, i=info: self._on_contents_failed(i, msg),
            label=f"Reading {info.name}",
        )  # fmt: skip

    def _on_contents(self, contents: CheckpointContents) -> None:
        info = contents.checkpoint
        n = len(contents.variables)
        self.variables.model.set_marks(self._findings.get(info.prefix, {}))
        self.variables.set_contents(contents, f"<b>{esc(info.name)}</b> — {n} variables  ({esc(info.prefix.parent)})")
        self.status_label.setText(f"{info.name}: {n} variables")
        wanted, asked = self.state.variable_to_show()
        if wanted and not self.variables.select_variable(wanted) and asked:
            self.status_label.setText(f"No variable {wanted!r} in {info.name}")
        self.checkpoint_loaded.emit(contents)

    def _on_contents_failed(self, info: CheckpointInfo, message: str) -> None:
        self.variables.title.setText(info.name)
        self.variables.show_error(message)
        self.status_label.setText(message)

    def _on_variable(self, v: VariableInfo | None) -> None:
        self.state.select_variable(v.name if v is not None else None)
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

    def _show_codes(self, codes: bool) -> None:
        """The Values tab's "Show the stored codes": the same variable, codes or values."""
        v, info = self.variables.selected_variable(), self.current_checkpoint()
        if v is None or info is None:
            return
        self.runner.submit(
            read_codes if codes else read_variable, info, v.name,
            key="value", on_done=lambda r, v=v, info=info: self._on_tensor(v, info, r),
            on_error=self.tensor_view.show_error, label=f"Reading {v.display_name}",
        )  # fmt: skip

    def _on_tensor(self, v: VariableInfo, info: CheckpointInfo, read) -> None:
        self.tensor_view.set_tensor(v.display_name, read.value, info.name, warning=read.warning, note=read.note)
        self._update_side_views()
        self.tensor_loaded.emit(read.value)

    def _update_side_views(self) -> None:
        """Feed the view on show what it needs, when that changed (hidden views do nothing:
        several read every checkpoint)."""
        tab = self.value_tabs.currentWidget()
        spec = next((s for name, s in self._specs.items() if self._tabs[name] is tab), None)
        if spec is None:
            return
        level = _events_level(spec.needs)
        selection = self._selection(level)
        if level > NOTHING and selection.model_dir is not None:
            self.want_events(selection.model_dir.path, level, runs="runs" in spec.needs)
        key = (spec.name, selection.key(spec.needs))
        if key == self._side_key:
            return
        self._side_key = key
        self.view(spec.name).show_selection(selection)

    def _selection(self, events_level: int = ALL) -> Selection:
        """What is selected, with the events if they have been read as far as events_level."""
        v = self.variables.selected_variable()
        info = self.current_checkpoint()
        source = self.sources.source_at(self.sources_view.currentIndex())
        contents = self.variables.contents()
        md = source.model_dir if source is not None else None
        return Selection(
            model_dir=md.snapshot() if md is not None else None,
            checkpoint=info,
            variable=v,
            events=self._events.get(md.path)
            if md is not None and self._event_level.get(md.path, NOTHING) >= events_level
            else None,
            array=self.tensor_view.array() if v is not None else None,
            shadow=shadow_of(contents.variables, v) if contents is not None and v is not None else None,
            saved_model=info is not None and info.name == SAVED_MODEL_VARIABLES,
            deleted=tuple(self._gone.get(md.path, {}).values()) if md is not None else (),
            runs=self.runs_of(md.path) if md is not None else (),
        )

    def show_diff_window(self) -> DiffWindow:
        if self.diff_window is None:
            from ckpt_browser.ui.widgets.diff_window import DiffWindow  # and its plots: when first used

            self.diff_window = DiffWindow(self.runner, self._checkpoint_choices, self)
        self.diff_window.refresh_choices()
        info = self.current_checkpoint()
        source = self.sources.source_at(self.sources_view.currentIndex())
        if info is not None and source is not None and self.diff_window.model.rowCount() == 0:
            self.diff_window.set_pair(*default_pair(source.model_dir.checkpoints, info))
            self.diff_window.run()  # the comparison on show at once, not an empty table until Compare
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


def _events_level(needs: tuple[str, ...]) -> int:
    """How much of the event files a view with these needs shows."""
    if "events" in needs or "runs" in needs:
        return ALL  # the scalars
    return SAVES if "saves" in needs else NOTHING
