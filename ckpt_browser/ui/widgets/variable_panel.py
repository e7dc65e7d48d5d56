"""The variable list of one checkpoint: filter box, options, scope tree and totals. It renders
the app state (core/state/app_state.py): the list is the state's contents through the state's
filter, the selected row the state's variable; typing, ticking and clicking only change the state."""

from __future__ import annotations

import re
from collections.abc import Sequence

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QStyle,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from ckpt_browser.core.formats.variables import (
    FilteredTree,
    VariableFilter,
    VariableInfo,
    build_tree,
    filtered_tree,
    find_variable,
)
from ckpt_browser.core.model_dir.contents import CheckpointContents
from ckpt_browser.core.state.app_state import AppState
from ckpt_browser.core.state.evented import Event
from ckpt_browser.ui.models.variables import VariableTreeModel
from ckpt_browser.ui.palette import colours
from ckpt_browser.ui.text import esc

NAME_CHARS = 24  # the Name column's least width: every shown name to this many characters
NAME_CAP = 40  # characters: the pane grows for names up to this long; longer ones elide
_MEASURED_ROWS = 3_000  # rows shown measured for the names' width: the first ones, in tree order
_EXPAND_ALL_BELOW = 400  # rows; beyond that only the top level opens, to stay quick
FILTER_IN_WORKER = 5_000  # variables; fewer are filtered at once (a few ms), more in the pool


class VariablePanel(QWidget):
    filtered = Signal()  # the tree shows the current filter

    def __init__(self, runner=None, state: AppState | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner  # big lists are filtered in the pool, not on the UI thread
        self.state = state if state is not None else AppState()
        self._rendering = False  # the tree's current row is being set from the state: not the user
        self._trees: dict[VariableFilter, tuple[CheckpointContents, FilteredTree]] = {}  # see _remember
        self._contents: CheckpointContents | None = None
        self._shown: Sequence[VariableInfo] = []  # a list, or a big listing's ListedVariables

        self.title = QLabel("Open a model_dir or checkpoint: File > Open, or drop it here.")
        self.title.setWordWrap(True)
        self.message = QLabel()
        self.message.setTextFormat(Qt.TextFormat.PlainText)  # messages from files: never markup
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setStyleSheet(f"color: {colours().bad};")
        self.message.hide()

        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter variables (Ctrl+F)")
        self.filter_edit.setClearButtonEnabled(True)
        self.regex_box = QCheckBox("Regex")
        self.hide_optimizer_box = QCheckBox("Hide optimizer state")
        self.object_graph_box = QCheckBox("Show object graph")
        row = QHBoxLayout()
        row.addWidget(self.filter_edit, 1)
        row.addWidget(self.regex_box)
        options = QHBoxLayout()
        options.addWidget(self.hide_optimizer_box)
        options.addWidget(self.object_graph_box)
        options.addStretch(1)

        self.model = VariableTreeModel(self)
        self.tree = QTreeView()
        self.tree.setModel(self.model)
        self.tree.setUniformRowHeights(True)  # keeps big trees fast
        self.tree.setIndentation(14)  # scopes nest deep (training/Adagrad/dnn/...)
        self.tree.setAlternatingRowColors(True)
        header = self.tree.header()
        header.setStretchLastSection(False)
        # Column widths from the first rows, not 1,000 of them: a new 100,000-variable tree must
        # not cost a 160 ms frame (each row is several Python data() calls).
        header.setResizeContentsPrecision(64)
        # Name takes the room the other columns (sized to their content) leave, but never less
        # than NAME_CHARS characters: a narrow pane scrolls sideways rather than squeeze names to "Nan".
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        for col in range(1, self.model.columnCount()):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.sectionResized.connect(lambda col, _old, _new: col and self.fit_name_column())
        self._names_widths: dict[int, int] = {}  # characters -> width, for the rows shown now
        self.model.modelReset.connect(self._names_widths.clear)
        self.tree.expanded.connect(lambda _: self._names_widths.clear())
        self.tree.collapsed.connect(lambda _: self._names_widths.clear())
        self.tree.viewport().installEventFilter(self)
        self.tree.selectionModel().currentChanged.connect(self._on_current)

        self.totals = QLabel()
        self.totals.setTextFormat(Qt.TextFormat.PlainText)  # messages from files: never markup
        self.totals.setWordWrap(True)  # else its one line sets how narrow the pane can be
        self.totals.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.title)
        layout.addWidget(self.message)
        layout.addLayout(row)
        layout.addLayout(options)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.totals)

        # Typing changes the state's filter after a pause, not on every key; the state then
        # tells us (and any other subscriber) to show it.
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(150)
        self._debounce.timeout.connect(self._filter_typed)
        self.filter_edit.textChanged.connect(self._debounce.start)
        self.regex_box.toggled.connect(lambda on: self._filter_option(regex=on))
        self.hide_optimizer_box.toggled.connect(lambda on: self._filter_option(hide_optimizer=on))
        self.object_graph_box.toggled.connect(lambda on: self._filter_option(show_object_graph=on))
        self.state.events.filter.connect(self._render_filter)
        self.state.events.variable.connect(self._render_variable)
        self.state.events.contents.connect(self._render_contents)

    # -- user actions: they change the state -------------------------------------------
    def _filter_typed(self) -> None:
        self.state.set_filter(text=self.filter_edit.text())

    def _filter_option(self, **change) -> None:
        if self._debounce.isActive():  # what was typed goes with it
            self._debounce.stop()
            change["text"] = self.filter_edit.text()
        self.state.set_filter(**change)

    def select_variable(self, name: str) -> bool:
        """Select by stored or display name; False if the list does not show it."""
        return self.state.select_variable(name)

    def _on_current(self, current, _previous) -> None:
        if self._rendering:
            return
        v = self.model.variable_at(current)
        if not self.state.select_variable(v.name if v is not None else None):
            # A row the state's filter no longer shows (a big tree still being filtered): back to
            # the state's row, once Qt is done moving this one.
            QTimer.singleShot(0, self, self._render_variable)

    # -- rendering the state -------------------------------------------------------------
    def _render_filter(self, event: Event) -> None:
        flt = event.value
        if self.filter_edit.text() != flt.text and not self._debounce.isActive():
            self.filter_edit.blockSignals(True)
            self.filter_edit.setText(flt.text)
            self.filter_edit.blockSignals(False)
        # Set from elsewhere (the View menu mirrors these, a test, the command line): each
        # box's toggled tells the state what it already holds, which changes nothing.
        self.regex_box.setChecked(flt.regex)
        self.hide_optimizer_box.setChecked(flt.hide_optimizer)
        self.object_graph_box.setChecked(flt.show_object_graph)
        self.apply_filter()

    def _render_variable(self, _event: Event | None = None) -> None:
        """The state's variable as the current row (none if the list does not show it)."""
        name = self.state.variable
        now = self.selected_variable()
        if (now.name if now is not None else None) == name:
            return
        v = find_variable(self._shown, name) if name is not None else None
        index = self.model.index_of(v.display_name) if v is not None else QModelIndex()
        self._rendering = True
        try:
            if index.isValid():
                self.tree.selectionModel().setCurrentIndex(
                    index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
                )
                self.tree.scrollTo(index)
            else:
                self.tree.selectionModel().clear()
        finally:
            self._rendering = False

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if obj is self.tree.viewport() and event.type() == QEvent.Type.Resize:
            self.fit_name_column()
        return False

    def name_column_min(self) -> int:
        if self.model.rowCount():
            return self.names_width(NAME_CHARS)  # every name on show to NAME_CHARS characters
        return self.tree.fontMetrics().averageCharWidth() * NAME_CHARS + self.tree.indentation() * 2

    def names_width(self, chars: int) -> int:
        """What the Name column needs to show the name of every row on show (expanded) to chars
        characters, a longer one elided after them: its indentation, the text, the cell's margins."""
        known = self._names_widths.get(chars)
        if known is not None:
            return known
        tree, model = self.tree, self.model
        fm = tree.fontMetrics()
        margin = 2 * (tree.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, tree) + 1) + 4
        indent = tree.indentation()
        widest, rows = 0, 0
        todo = [(QModelIndex(), 1 if tree.rootIsDecorated() else 0)]
        while todo and rows < _MEASURED_ROWS:
            parent, depth = todo.pop()
            for r in range(min(model.rowCount(parent), _MEASURED_ROWS - rows)):
                index = model.index(r, 0, parent)
                name = model.node(index).name
                text = name if len(name) <= chars else name[:chars] + "…"
                widest = max(widest, depth * indent + fm.horizontalAdvance(text))
                rows += 1
                if tree.isExpanded(index):
                    todo.append((index, depth + 1))
        self._names_widths[chars] = width = widest + margin
        return width

    def pane_width(self, chars: int, kind: bool = True) -> int:
        """The panel's width for names to chars characters beside the other columns at their content
        (Kind, the last, left to scroll sideways unless kind)."""
        tree, header = self.tree, self.tree.header()
        last = header.count() if kind else header.count() - 1
        others = sum(
            max(tree.sizeHintForColumn(c), header.sectionSizeHint(c))
            for c in range(1, last)
            if not header.isSectionHidden(c)
        )
        frame = 2 * tree.frameWidth() + tree.verticalScrollBar().sizeHint().width()
        margins = self.layout().contentsMargins()
        return max(self.names_width(chars), self.name_column_min()) + others + frame + margins.left() + margins.right()

    def fit_name_column(self) -> None:
        header = self.tree.header()
        others = sum(header.sectionSize(i) for i in range(1, header.count()) if not header.isSectionHidden(i))
        want = max(self.name_column_min(), self.tree.viewport().width() - others)
        if header.sectionSize(0) != want:
            header.resizeSection(0, want)

    # -- what the window tells us --------------------------------------------------
    def show_loading(self, text: str) -> None:
        self.title.setText(text)

    def show_error(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def clear(self, title: str = "") -> None:
        self._contents = None
        self._shown = []
        self.model.set_variables([])
        self.totals.clear()
        self.show_error("")
        if title:
            self.title.setText(title)

    def _render_contents(self, event: Event) -> None:
        contents = event.value
        if contents is None:  # the selection moved on; the window says what is being read
            if self._contents is not None:
                self.clear()
            return
        info, n = contents.checkpoint, len(contents.variables)
        self.set_contents(contents, f"<b>{esc(info.name)}</b> — {n} variables  ({esc(info.prefix.parent)})")

    def set_contents(self, contents: CheckpointContents, title: str) -> None:
        self._contents = contents
        self.title.setText(title)
        self.show_error(f"Warning: {contents.warning}" if contents.warning else "")
        self.totals.setText(contents.totals.summary())
        tree = contents.tree
        if tree is not None:
            self._remember(contents, tree)
        if tree is not None and tree.filter == self.current_filter():
            self._show_tree(tree.shown, tree.root)  # arranged by the worker already
        else:
            self.apply_filter()

    def contents(self) -> CheckpointContents | None:
        return self._contents

    def current_filter_or_none(self) -> VariableFilter | None:
        """The state's filter, if it is valid (a bad regex is the user's to fix, not the worker's)."""
        return self.state.valid_filter()

    def current_filter(self) -> VariableFilter:
        return self.state.filter

    def shown_variables(self) -> list[VariableInfo]:
        return list(self._shown)

    def apply_filter(self) -> None:
        """Show the contents through the state's filter."""
        if self._contents is None:
            return
        try:
            accept = self.current_filter().compile()
        except re.error as exc:
            self.filter_edit.setStyleSheet(f"background: {colours().bad_background};")
            self.filter_edit.setToolTip(f"Not a valid regular expression: {exc}")
            return
        self.filter_edit.setStyleSheet("")
        self.filter_edit.setToolTip("")
        contents, flt = self._contents, self.current_filter()
        known = self._trees.get(flt)
        if known is not None and known[0] is contents:  # back to a filter seen on this list
            self._show_tree(known[1].shown, known[1].root)
            return
        separators = contents.checkpoint.file_format.separators  # "/", or "/." for bert.encoder.layer.0
        if self.runner is None or len(contents.variables) < FILTER_IN_WORKER:
            shown = [v for v in contents.variables if accept(v)]
            self._show_tree(shown, build_tree(shown, separators))
            return
        # 100,000 variables take ~0.5 s to filter and arrange: in the pool, and only the
        # latest filter's tree is shown (the key drops what typing has overtaken).
        widest = max((t for c, t in self._trees.values() if c is contents), key=lambda t: len(t.shown), default=None)
        self.runner.submit(
            filtered_tree, contents.variables, flt, widest, separators, key="filter", tf=False,
            on_done=lambda tree, c=contents: self._filtered(c, tree),
        )  # fmt: skip

    def _filtered(self, contents: CheckpointContents, tree: FilteredTree) -> None:
        self._remember(contents, tree)
        if contents is self._contents and tree.filter == self.current_filter():
            self._show_tree(tree.shown, tree.root)

    def _remember(self, contents: CheckpointContents, tree: FilteredTree) -> None:
        """Keep the last few trees of this list: clearing the filter shows the whole tree again
        at once instead of arranging 100,000 variables anew."""
        if any(c is not contents for c, _ in self._trees.values()):
            self._trees.clear()
        self._trees[tree.filter] = (contents, tree)
        while len(self._trees) > 4:
            self._trees.pop(next(iter(self._trees)))

    def _show_tree(self, shown: Sequence[VariableInfo], root) -> None:
        self._shown = shown
        self._rendering = True
        try:
            self.model.set_root(root)
        finally:
            self._rendering = False
        if len(self._shown) <= _EXPAND_ALL_BELOW:
            self.tree.expandAll()
        else:
            # Open top-level scopes while the rows they show stay few: expanding all of them at
            # 100,000 variables makes Qt lay out tens of thousands of rows on the UI thread.
            rows = len(root.children)
            for i, node in enumerate(root.children):
                rows += len(node.children)
                if rows > _EXPAND_ALL_BELOW:
                    break
                self.tree.expand(self.model.index(i, 0))
        self._render_variable()  # the state's variable, if this tree shows it
        self.filtered.emit()

    def selected_variable(self) -> VariableInfo | None:
        return self.model.variable_at(self.tree.currentIndex())
