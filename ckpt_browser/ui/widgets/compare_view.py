"""The selected variable across checkpoints: a summary over steps, and B - A for any B."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ckpt_browser.core.formats.variables import VariableInfo
from ckpt_browser.core.model_dir.scan import CheckpointInfo
from ckpt_browser.core.values.history import Comparison, History, compare_variable, variable_history
from ckpt_browser.core.values.stats import SUMMARIES
from ckpt_browser.ui.palette import colours
from ckpt_browser.ui.tasks import TaskRunner
from ckpt_browser.ui.views import Selection, ViewContext
from ckpt_browser.ui.widgets.plots import Heatmap, LinePlot


class HistoryView(QWidget):
    """A summary of the variable (norm, mean, ... or one element) at every checkpoint."""

    history_ready = Signal(object)  # History

    @classmethod
    def create(cls, ctx: ViewContext) -> HistoryView:
        return cls(ctx.runner)

    def show_selection(self, sel: Selection) -> None:
        self.set_context(sel.checkpoints, sel.variable)

    def __init__(self, runner: TaskRunner, parent=None) -> None:
        super().__init__(parent)
        self.runner = runner
        self._checkpoints: list[CheckpointInfo] = []
        self._variable: VariableInfo | None = None
        self.how = QComboBox()
        self.how.addItems(SUMMARIES)
        self.element = QLineEdit()
        self.element.setPlaceholderText("element index, e.g. 0, 3")
        self.element.setEnabled(False)
        self.plot = pg.PlotWidget()
        self.plot.showGrid(x=True, y=True, alpha=0.3)
        self.plot.setLabel("bottom", "step")
        self.curve = self.plot.plot(pen=pg.mkPen(colours().curve, width=1.5), symbol="o", symbolSize=7)
        self.status = QLabel()
        self.status.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(QLabel("Summary:"))
        row.addWidget(self.how)
        row.addWidget(self.element, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.status)
        self.how.currentTextChanged.connect(self._how_changed)
        self.element.editingFinished.connect(self.refresh)

    def set_context(self, checkpoints: list[CheckpointInfo], variable: VariableInfo | None) -> None:
        self._checkpoints, self._variable = checkpoints, variable
        self.refresh()

    def _how_changed(self, how: str) -> None:
        self.element.setEnabled(how == "element")
        self.refresh()

    def refresh(self) -> None:
        v = self._variable
        if v is None or not self._checkpoints:
            self.curve.setData([], [])
            self.status.setText("")
            return
        how = self.how.currentText()
        element = None
        if how == "element":
            try:
                element = tuple(int(p) for p in self.element.text().replace(",", " ").split())
            except ValueError:
                self.status.setText("The element index is whole numbers, one per axis, e.g. 0, 3")
                return
            if len(element) != len(v.shape):
                self.status.setText(f"Give {len(v.shape)} indices for shape {list(v.shape)}")
                return
        self.status.setText(f"Reading {v.display_name} from {len(self._checkpoints)} checkpoints…")
        self.runner.submit(
            variable_history, list(self._checkpoints), v.name, how, element,
            key="history", with_progress=True, on_done=self._show, on_error=self.status.setText,
            label="Reading checkpoints",
        )  # fmt: skip

    def _show(self, h: History) -> None:
        self.curve.setData(np.array(h.x), np.array(h.values))
        self.plot.setLabel("left", h.how)
        self.plot.autoRange()
        lines = [f"{n}: {val:.6g}" for n, val in zip(h.names, h.values)]
        if h.skipped:
            lines.append("skipped: " + "; ".join(h.skipped))
        self.status.setText("   ".join(lines))
        self.history_ready.emit(h)


class CompareView(QWidget):
    """B - A where A is the selected tensor and B the same variable elsewhere, or its shadow."""

    compared = Signal(object)  # Comparison

    @classmethod
    def create(cls, ctx: ViewContext) -> CompareView:
        return cls(ctx.runner)

    def show_selection(self, sel: Selection) -> None:
        array = sel.array if sel.variable is not None else None
        self.set_context(array, sel.checkpoint, sel.checkpoints, sel.variable, sel.shadow)

    def __init__(self, runner: TaskRunner, parent=None) -> None:
        super().__init__(parent)
        self.runner = runner
        self._a: np.ndarray | None = None
        self._choices: list[tuple[str, object, str]] = []  # (label, prefix, stored name)
        self.against = QComboBox()
        self.figures = QLabel()
        self.figures.setWordWrap(True)
        self.line = LinePlot()
        self.heatmap = Heatmap()
        self.heatmap.hide()
        row = QHBoxLayout()
        row.addWidget(QLabel("B − A where B is:"))
        row.addWidget(self.against, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.figures)
        layout.addWidget(self.line, 1)
        layout.addWidget(self.heatmap, 1)
        self.against.currentIndexChanged.connect(self.refresh)

    def set_context(
        self, a: np.ndarray | None, current: CheckpointInfo | None, checkpoints: list[CheckpointInfo],
        variable: VariableInfo | None, shadow: VariableInfo | None,
    ) -> None:  # fmt: skip
        self._a = a
        self._choices = []
        if variable is not None and current is not None:
            if shadow is not None:
                self._choices.append((f"its EMA shadow ({shadow.display_name})", current.prefix, shadow.name))
            for c in checkpoints:
                if c.name != current.name and c.on_disk:
                    self._choices.append((f"{variable.display_name} in {c.name}", c.prefix, variable.name))
        self.against.blockSignals(True)
        self.against.clear()
        self.against.addItems([label for label, _, _ in self._choices])
        self.against.blockSignals(False)
        if not self._choices:
            self.figures.setText("Nothing to compare with: one checkpoint and no EMA shadow.")
            self.line.clear_data()
            self.heatmap.clear_data()
            return
        self.refresh()

    def choose(self, label_start: str) -> bool:
        for i, (label, _, _) in enumerate(self._choices):
            if label.startswith(label_start):
                self.against.setCurrentIndex(i)
                return True
        return False

    def refresh(self) -> None:
        i = self.against.currentIndex()
        if self._a is None or not 0 <= i < len(self._choices):
            return
        label, prefix, name = self._choices[i]
        self.figures.setText(f"Comparing with {label}…")
        self.runner.submit(
            compare_variable, self._a, prefix, name, label,
            key="compare", on_done=self._show, on_error=self.figures.setText, label="Comparing",
        )  # fmt: skip

    def _show(self, c: Comparison) -> None:
        if c.diff is None:
            self.figures.setText(c.problem)
            self.line.clear_data()
            self.heatmap.clear_data()
        else:
            d = c.diff
            if d.equal:
                text = f"Identical to {c.label_b}."
            else:
                rel = "–" if d.rel_change is None else f"{d.rel_change:.4g}"
                text = (
                    f"max |B − A| = {d.max_abs_diff:.4g}   ·   ‖B − A‖ / ‖A‖ = {rel}   ·   "
                    f"{d.changed:,} elements differ"
                )
            self.figures.setText(text)
            p = c.plot
            if p is not None and p.kind == "line":
                self.heatmap.hide()
                self.line.show()
                self.line.set_data(p.numbers, ylabel="B − A")
            elif p is not None and p.kind == "image":
                self.line.hide()
                self.heatmap.show()
                self.heatmap.set_image(p.numbers, p.levels, p.values)
        self.compared.emit(c)
