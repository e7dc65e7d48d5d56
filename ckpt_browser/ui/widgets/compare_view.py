"""The selected variable across checkpoints: a summary over steps (its value when it has one
element, else the mean in its min-to-max band), and newer minus older against any checkpoint."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
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
from ckpt_browser.core.values.stats import BAND, SUMMARIES, VALUE, default_summary
from ckpt_browser.ui.cluster import placed
from ckpt_browser.ui.palette import colours
from ckpt_browser.ui.plotting import pg
from ckpt_browser.ui.tasks import TaskRunner
from ckpt_browser.ui.views import Selection, ViewContext
from ckpt_browser.ui.widgets.axes import readable_axes
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
        self._chosen: str | None = None  # a summary the user picked; else each variable's default
        self.element = QLineEdit()
        self.element.setPlaceholderText("element index, e.g. 0, 3")
        self.element.setEnabled(False)
        self.plot = pg.PlotWidget(axisItems=readable_axes())
        self.plot.showGrid(x=True, y=True, alpha=0.3)
        self.plot.setLabel("bottom", "step")
        palette = colours()
        self.low = self.plot.plot(pen=pg.mkPen(palette.faint, width=1))
        self.high = self.plot.plot(pen=pg.mkPen(palette.faint, width=1))
        self.band = pg.FillBetweenItem(self.low, self.high, brush=pg.mkBrush(*palette.fill[:3], 60))
        self.plot.addItem(self.band)
        self.curve = self.plot.plot(pen=pg.mkPen(palette.curve, width=1.5), symbol="o", symbolSize=7)
        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.PlainText)  # messages from files: never markup
        self.status.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(QLabel("Summary:"))
        row.addWidget(self.how)
        row.addWidget(self.element, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.status)
        self.how.activated.connect(self._how_chosen)
        self.element.editingFinished.connect(self.refresh)

    def set_context(self, checkpoints: list[CheckpointInfo], variable: VariableInfo | None) -> None:
        self._checkpoints, self._variable = checkpoints, variable
        if variable is not None:
            # The user's pick stays from variable to variable, unless it does not apply to this one.
            how = self._chosen
            if how is None or (how == VALUE and variable.size != 1):
                how = default_summary(variable.shape)
            self._set_how(how)
        self.refresh()

    def _set_how(self, how: str) -> None:
        self.how.blockSignals(True)
        self.how.setCurrentText(how)
        self.how.blockSignals(False)
        self.element.setEnabled(how == "element")

    def _how_chosen(self, _index: int) -> None:
        self._chosen = self.how.currentText()
        self.element.setEnabled(self._chosen == "element")
        self.refresh()

    def plotted(self) -> dict[str, np.ndarray]:
        """What is drawn: x, the summary, and the band's low and high edges (empty without one)."""
        out = {}
        for key, item in (("values", self.curve), ("low", self.low), ("high", self.high)):
            x, y = item.getData()
            out[key] = np.array([]) if y is None else np.asarray(y)
            if key == "values":
                out["x"] = np.array([]) if x is None else np.asarray(x)
        return out

    def _clear_plot(self) -> None:
        for item in (self.curve, self.low, self.high):
            item.setData([], [])
        self.plot.setLabel("left", "")

    def refresh(self) -> None:
        v = self._variable
        self._clear_plot()  # never the previous variable's curve while this one's is read
        if v is None or not self._checkpoints:
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
            placed(self.runner, variable_history), list(self._checkpoints), v.name, how, element,
            key="history", with_progress=True, on_done=self._show, on_error=self.status.setText,
            label="Reading checkpoints",
        )  # fmt: skip

    def _show(self, h: History) -> None:
        if self._variable is None or h.variable != self._variable.name:
            return
        x = np.array(h.x)
        self.curve.setData(x, np.array(h.values))
        if h.how == BAND and h.low:
            self.low.setData(x, np.array(h.low))
            self.high.setData(x, np.array(h.high))
        self.plot.setLabel("left", "mean (band: min to max)" if h.how == BAND else h.how)
        self.plot.autoRange()
        lines = [f"{n}: {val:.6g}" for n, val in zip(h.names, h.values)]
        if h.skipped:
            lines.append("skipped: " + "; ".join(h.skipped))
        self.status.setText("   ".join(lines))
        self.history_ready.emit(h)


class CompareView(QWidget):
    """The selected tensor against the same variable in another checkpoint, drawn newer minus
    older (the change training made), or against its EMA shadow (shadow minus variable)."""

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
        self._choices: list[tuple[str, object, str, bool]] = []  # (label, prefix, stored name, B is newer)
        self._path: str | None = None  # the variable's path: B may store it under another key (Keras 3)
        self.against = QComboBox()
        self.figures = QLabel()
        self.figures.setTextFormat(Qt.TextFormat.PlainText)  # messages from files: never markup
        self.figures.setWordWrap(True)
        self.line = LinePlot()
        self.heatmap = Heatmap()
        self.heatmap.hide()
        row = QHBoxLayout()
        row.addWidget(QLabel("Newer − older, against:"))
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
        self._path = variable.display_name if variable is not None else None
        default = 0
        if variable is not None and current is not None:
            if shadow is not None:
                self._choices.append((f"its EMA shadow ({shadow.display_name})", current.prefix, shadow.name, True))
            ours = next((i for i, c in enumerate(checkpoints) if c.name == current.name), None)
            for i, c in enumerate(checkpoints):
                if c.name == current.name or not c.on_disk:
                    continue
                newer = ours is None or i > ours
                if ours is not None and i == ours - 1:
                    default = len(self._choices)  # the checkpoint before: what the last interval changed
                self._choices.append((f"{variable.display_name} in {c.name}", c.prefix, variable.name, newer))
        self.against.blockSignals(True)
        self.against.clear()
        self.against.addItems([choice[0] for choice in self._choices])
        if self._choices:
            self.against.setCurrentIndex(default)
        self.against.blockSignals(False)
        self.line.clear_data()  # never the previous variable's difference while this one's is read
        self.heatmap.clear_data()
        if not self._choices:
            self.figures.setText("Nothing to compare with: one checkpoint and no EMA shadow.")
            return
        self.refresh()

    def choose(self, label_start: str) -> bool:
        for i, choice in enumerate(self._choices):
            if choice[0].startswith(label_start):
                self.against.setCurrentIndex(i)
                return True
        return False

    def refresh(self) -> None:
        i = self.against.currentIndex()
        if self._a is None or not 0 <= i < len(self._choices):
            return
        label, prefix, name, newer = self._choices[i]
        self.figures.setText(f"Comparing with {label}…")
        self.runner.submit(
            compare_variable, self._a, prefix, name, label, newer, self._path,
            key="compare", on_done=self._show, on_error=self.figures.setText, label="Comparing",
        )  # fmt: skip

    def _show(self, c: Comparison) -> None:
        if c.diff is None:
            self.figures.setText(c.problem)
            self.line.clear_data()
            self.heatmap.clear_data()
        else:
            d = c.diff
            # A is the selected tensor, B the other: the difference drawn is newer minus older.
            diff, older = ("B − A", "A") if c.b_is_newer else ("A − B", "B")
            if d.equal:
                text = f"Identical to {c.label_b}."
            else:
                rel = "–" if d.rel_change is None else f"{d.rel_change:.4g}"
                text = (
                    f"{diff} (newer − older):  max |{diff}| = {d.max_abs_diff:.4g}   ·   "
                    f"‖{diff}‖ / ‖{older}‖ = {rel}   ·   {d.changed:,} elements differ"
                )
            self.figures.setText(text)
            p = c.plot
            if p is not None and p.kind == "line":
                self.heatmap.hide()
                self.line.show()
                self.line.set_data(p.numbers, ylabel=f"{diff} (newer − older)")
            elif p is not None and p.kind == "image":
                self.line.hide()
                self.heatmap.show()
                self.heatmap.set_image(p.numbers, p.levels, p.values, diverging=True)  # zero: no change
        self.compared.emit(c)
