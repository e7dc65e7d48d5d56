"""Compare two checkpoints: every variable identical / changed / only in one / differing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ckpt_browser.core.storage import locate
from ckpt_browser.core.values.diff import (
    STATUSES,
    CheckpointDiff,
    PairPlots,
    diff_checkpoints,
    pair_plots,
    resolve_checkpoint,
)
from ckpt_browser.ui import copying
from ckpt_browser.ui.cluster import placed
from ckpt_browser.ui.models.diff_table import STATUS_TEXT, DiffFilterModel, DiffTableModel
from ckpt_browser.ui.tasks import TaskRunner
from ckpt_browser.ui.text import esc
from ckpt_browser.ui.widgets import boxes
from ckpt_browser.ui.widgets.plots import Heatmap, LinePlot

Choices = Callable[[], list[tuple[str, Path]]]


class _Panel(QWidget):
    """A titled line plot or heatmap for one of A, B, B - A."""

    def __init__(self, title: str) -> None:
        super().__init__()
        self.title = QLabel(f"<b>{esc(title)}</b>")
        self.line = LinePlot()
        self.heatmap = Heatmap()
        self.heatmap.hide()
        self.note = QLabel()
        self.note.setTextFormat(Qt.TextFormat.PlainText)  # messages from files: never markup
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for w in (self.title, self.line, self.heatmap, self.note):
            layout.addWidget(w)

    def show_plot(self, p) -> None:
        self.note.setText("" if p is not None else "—")
        if p is None or p.kind == "none":
            self.line.clear_data()
            self.heatmap.clear_data()
            if p is not None:
                self.note.setText(p.note)
        elif p.kind == "line":
            self.heatmap.hide()
            self.line.show()
            self.line.set_data(p.numbers)
        else:
            self.line.hide()
            self.heatmap.show()
            self.heatmap.set_image(p.numbers, p.levels, p.values)


class DiffWindow(QWidget):
    diff_ready = Signal(object)  # CheckpointDiff
    pair_shown = Signal(object)  # PairPlots

    def __init__(self, runner: TaskRunner, choices: Choices, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("Compare checkpoints — ckpt-browser")
        self.resize(1100, 720)
        self.runner = runner
        self._choices = choices
        self.diff: CheckpointDiff | None = None

        self.a_combo, self.b_combo = QComboBox(), QComboBox()
        grid = QGridLayout()
        for row, (label, combo) in enumerate((("A:", self.a_combo), ("B:", self.b_combo))):
            other = QPushButton("Other…")
            other.clicked.connect(lambda _=False, c=combo: self._browse(c))
            grid.addWidget(QLabel(label), row, 0)
            grid.addWidget(combo, row, 1)
            grid.addWidget(other, row, 2)
        grid.setColumnStretch(1, 1)
        self.run_button = QPushButton("Compare")
        self.run_button.setDefault(True)
        self.run_button.clicked.connect(self.run)
        self.progress = QProgressBar()
        self.progress.hide()
        self.summary = QLabel()
        self.summary.setWordWrap(True)

        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter variables")
        self.filter_edit.setClearButtonEnabled(True)
        self.status_combo = QComboBox()
        self.status_combo.addItem("all statuses", None)
        for s in STATUSES:
            self.status_combo.addItem(STATUS_TEXT[s], s)

        self.model = DiffTableModel(self)
        self.proxy = DiffFilterModel(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        copying.install(self.table)
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.setWordWrap(False)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().currentRowChanged.connect(self._on_row)
        self.filter_edit.textChanged.connect(self.proxy.setFilterFixedString)
        self.status_combo.currentIndexChanged.connect(lambda _: self.proxy.set_status(self.status_combo.currentData()))

        self.panels = [_Panel("A"), _Panel("B"), _Panel("B − A")]
        plots = QWidget()
        plots_layout = QHBoxLayout(plots)
        for p in self.panels:
            plots_layout.addWidget(p)

        top = QHBoxLayout()
        top.addLayout(grid, 1)
        top.addWidget(self.run_button)
        table_box = boxes.column(boxes.row((self.filter_edit, 1), self.status_combo), self.table)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(table_box)
        split.addWidget(plots)
        split.setSizes([380, 300])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.progress)
        layout.addWidget(self.summary)
        layout.addWidget(split, 1)
        self.refresh_choices()

    def refresh_choices(self, a: Path | None = None, b: Path | None = None) -> None:
        items = self._choices()
        for combo, want in ((self.a_combo, a), (self.b_combo, b)):
            keep = want or combo.currentData()
            combo.clear()
            for label, prefix in items:
                combo.addItem(label, prefix)
            if keep is not None:
                self._select(combo, locate(keep))  # a Location as it is; a Path made one

    def set_pair(self, a: Path, b: Path) -> None:
        self.refresh_choices(a, b)

    def _select(self, combo: QComboBox, prefix: Path) -> None:
        for i in range(combo.count()):
            if combo.itemData(i) == prefix:
                combo.setCurrentIndex(i)
                return
        combo.addItem(str(prefix), prefix)
        combo.setCurrentIndex(combo.count() - 1)

    def _browse(self, combo: QComboBox) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Model_dir to compare (its latest checkpoint)")
        if folder:
            self.runner.submit(
                resolve_checkpoint, locate(folder),
                on_done=lambda prefix: self._select(combo, prefix), on_error=self.summary.setText,
            )  # fmt: skip

    def run(self) -> None:
        a, b = self.a_combo.currentData(), self.b_combo.currentData()
        if a is None or b is None:
            self.summary.setText("Choose two checkpoints (open their model_dirs first, or use Other…).")
            return
        self.summary.setText(f"Comparing {a} with {b}…")
        self.progress.setRange(0, 0)
        self.progress.show()
        self.run_button.setEnabled(False)
        self.runner.submit(
            placed(self.runner, diff_checkpoints), locate(a), locate(b),
            key="diff", on_done=self._show, on_error=self._failed, on_progress=self._on_progress,
            label="Comparing checkpoints",
        )  # fmt: skip

    def _on_progress(self, done: int, total: int) -> None:
        if self.progress.isVisible() and total:
            self.progress.setRange(0, total)
            self.progress.setValue(done)

    def _failed(self, message: str) -> None:
        self.progress.hide()
        self.run_button.setEnabled(True)
        self.summary.setText(message)

    def _show(self, diff: CheckpointDiff) -> None:
        self.diff = diff
        self.progress.hide()
        self.run_button.setEnabled(True)
        self.model.set_diff(diff)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        counts = ", ".join(f"{n} {STATUS_TEXT[s]}" for s, n in diff.counts().items() if n)
        head = "identical" if diff.identical else "differ"
        self.summary.setText(f"<b>A</b> {esc(diff.a)}<br><b>B</b> {esc(diff.b)}<br><b>{head}</b>: {counts}")
        if self.proxy.rowCount():
            self.table.selectRow(0)  # the plots below are never empty
        self.diff_ready.emit(diff)

    def _on_row(self, current, _previous) -> None:
        if not current.isValid() or self.diff is None:
            return
        row = self.model.row_at(self.proxy.mapToSource(current).row())
        self.runner.submit(
            pair_plots, self.diff.a, self.diff.b, row.name,
            key="diff-pair", on_done=self._show_pair, on_error=self.summary.setText,
        )  # fmt: skip

    def _show_pair(self, pair: PairPlots) -> None:
        for panel, p in zip(self.panels, (pair.a, pair.b, pair.delta)):
            panel.show_plot(p)
        self.pair_shown.emit(pair)
