"""Training curves from the event files, train and eval overlaid, TensorBoard-style smoothing,
the kept checkpoints marked (click a mark to select it); with a folder of runs open, the runs
overlaid, each in a colour of its own, chosen in a list."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QSlider, QSplitter, QVBoxLayout, QWidget

from ckpt_browser.core.model_dir.events import EventData, smooth
from ckpt_browser.core.model_dir.scan import CheckpointInfo
from ckpt_browser.ui.palette import colours
from ckpt_browser.ui.plotting import pg
from ckpt_browser.ui.views import Selection, ViewContext
from ckpt_browser.ui.widgets import boxes
from ckpt_browser.ui.widgets.axes import legend_beside, readable_axes


class ScalarsView(QWidget):
    checkpoint_requested = Signal(str)  # a checkpoint's mark was clicked: select it
    drawn = Signal()

    @classmethod
    def create(cls, ctx: ViewContext) -> ScalarsView:
        return cls()

    def show_selection(self, sel: Selection) -> None:
        self.set_data(sel.events, sel.checkpoints, dict(sel.runs))
        if sel.events is None and sel.model_dir is not None:  # asked for when this tab showed
            self.status.setText("Reading the event files …")

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.events: EventData | None = None
        self.checkpoints: list[CheckpointInfo] = []
        self.tags = QListWidget()
        self.tags.setMaximumWidth(240)
        self.tags.setMinimumWidth(90)
        self.tags.currentTextChanged.connect(lambda _: self.redraw())
        # The runs of a folder of runs (hidden for one model_dir): ticked ones are drawn.
        self.run_list = QListWidget()
        self.run_list.setMaximumWidth(240)
        self.run_list.itemChanged.connect(lambda _: self.redraw(keep_range=True))
        self.run_list.hide()
        self.runs: dict[str, EventData] = {}
        self._run_colours: dict[str, str] = {}  # a run keeps its colour while the window is open
        self.smoothing = QSlider(Qt.Orientation.Horizontal)
        self.smoothing.setRange(0, 99)
        self.smoothing.setValue(60)
        self.smoothing_label = QLabel()
        # Dragging sends a value per pixel: redraw once the hand rests (30 ms), not for each.
        self._redraw_soon = QTimer(self)
        self._redraw_soon.setSingleShot(True)
        self._redraw_soon.setInterval(30)
        self._redraw_soon.timeout.connect(lambda: self.redraw(keep_range=True))
        self.smoothing.valueChanged.connect(lambda _: self._redraw_soon.start())
        self.plot = pg.PlotWidget(axisItems=readable_axes())
        # 100,000 steps are more points than pixels: draw what shows, peak-preserving.
        self.plot.setDownsampling(auto=True, mode="peak")
        self.plot.setClipToView(True)
        self.plot.showGrid(x=True, y=True, alpha=0.3)
        self.plot.setLabel("bottom", "step")
        self.legend = legend_beside(self.plot)  # outside the data
        self.status = QLabel("Open a model_dir with event files (an Estimator writes them).")
        self.status.setTextFormat(Qt.TextFormat.PlainText)  # messages from files: never markup
        self.status.setWordWrap(True)
        self._curves: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.marks: dict[str, pg.InfiniteLine] = {}

        right = boxes.column(
            boxes.row("Smoothing:", (self.smoothing, 1), self.smoothing_label), (self.plot, 1), self.status
        )
        split = QSplitter()
        split.addWidget(boxes.column((self.tags, 2), (self.run_list, 1)))
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        split.setSizes([170, 600])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(split)

    def set_data(
        self, events: EventData | None, checkpoints: list[CheckpointInfo], runs: dict[str, EventData] | None = None
    ) -> None:
        """New data (also on live refresh): the chosen tag, runs and view range stay put. runs:
        every run of the folder of runs the model_dir belongs to (its own included), by name."""
        self.events, self.checkpoints = events, list(checkpoints)
        self.runs = dict(runs) if runs and len(runs) > 1 else {}
        self._fill_runs()
        current = self.tags.currentItem().text() if self.tags.currentItem() else None
        every = [events] if events else []
        every += list(self.runs.values())
        tags = sorted({tag for ev in every for _, tag in ev.series})
        if tags != [self.tags.item(i).text() for i in range(self.tags.count())]:
            self.tags.blockSignals(True)
            self.tags.clear()
            self.tags.addItems(tags)
            wanted = current if current in tags else ("loss" if "loss" in tags else (tags[0] if tags else None))
            if wanted is not None:
                self.tags.setCurrentRow(tags.index(wanted))
            self.tags.blockSignals(False)
        if not tags:
            self.status.setText("No scalar summaries in this model_dir's event files.")
        self.redraw(keep_range=current is not None)

    def _fill_runs(self) -> None:
        names = list(self.runs)
        shown = [self.run_list.item(i).text() for i in range(self.run_list.count())]
        self.run_list.setVisible(bool(names))
        if names == shown:
            return
        ticked = {t for i, t in enumerate(shown) if self.run_list.item(i).checkState() == Qt.CheckState.Checked}
        self.run_list.blockSignals(True)
        self.run_list.clear()
        for name in names:
            colour = self.run_colour(name)
            item = QListWidgetItem(name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            on = name in ticked or name not in shown  # new runs show; unticked ones stay hidden
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
            item.setForeground(pg.mkColor(colour))
            self.run_list.addItem(item)
        self.run_list.blockSignals(False)

    def run_colour(self, name: str) -> str:
        series = colours().series
        if name not in self._run_colours:
            self._run_colours[name] = series[len(self._run_colours) % len(series)]
        return self._run_colours[name]

    def _series(self, tag: str) -> list[tuple[str, str, bool, object]]:
        """(legend name, colour, dashed, Series) of what to draw for the tag."""
        if self.runs:
            out = []
            for i in range(self.run_list.count()):
                item = self.run_list.item(i)
                events = self.runs.get(item.text())
                if item.checkState() != Qt.CheckState.Checked or events is None:
                    continue
                for sub in sorted((r for r, t in events.series if t == tag), key=lambda r: (r != "train", r)):
                    label = item.text() if sub == "train" else f"{item.text()}/{sub}"
                    out.append((label, self.run_colour(item.text()), sub != "train", events.series[(sub, tag)]))
            return out
        if self.events is None:
            return []
        series = colours().series
        subs = sorted((r for r, t in self.events.series if t == tag), key=lambda r: (r != "train", r))
        return [(r, series[i % len(series)], False, self.events.series[(r, tag)]) for i, r in enumerate(subs)]

    def curves(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """run -> (steps, smoothed values) as drawn."""
        return dict(self._curves)

    def redraw(self, keep_range: bool = False) -> None:
        weight = self.smoothing.value() / 100
        self.smoothing_label.setText(f"{weight:.2f}")
        view = self.plot.getViewBox()
        rng = view.viewRange() if keep_range else None
        self.plot.clear()
        self.legend.clear()
        self._curves, self.marks = {}, {}
        item = self.tags.currentItem()
        if item is None or (self.events is None and not self.runs):
            return
        tag = item.text()
        drawn = self._series(tag)
        for name, colour, dashed, s in drawn:
            order = np.argsort(s.steps, kind="stable")
            x = np.asarray(s.steps, dtype=float)[order]
            y = np.asarray(s.values, dtype=float)[order]
            if weight > 0 and len(y) > 1:
                faint = pg.mkColor(colour)
                faint.setAlpha(70)
                self.plot.plot(x, y, pen=pg.mkPen(faint, width=1))
            ys = smooth(y, weight)
            symbol = "o" if len(x) < 30 else None
            style = Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine
            self.plot.plot(x, ys, pen=pg.mkPen(colour, width=2, style=style), symbol=symbol, symbolSize=6,
                           symbolBrush=colour, name=name)  # fmt: skip
            self._curves[name] = (x, ys)
        guide, hover = colours().faint, colours().deleted
        for c in self.checkpoints:
            if c.step is None or not c.on_disk:
                continue
            line = pg.InfiniteLine(
                pos=c.step, angle=90, movable=False,
                pen=pg.mkPen(guide, width=1, style=Qt.PenStyle.DashLine), hoverPen=pg.mkPen(hover, width=3),
            )  # fmt: skip
            line.setToolTip(f"{c.name}: click to select it")
            line.sigClicked.connect(lambda _line, _ev=None, name=c.name: self.checkpoint_requested.emit(name))
            self.plot.addItem(line)
            self.marks[c.name] = line
        self.plot.setLabel("left", tag)
        if rng is not None:
            view.setRange(xRange=rng[0], yRange=rng[1], padding=0)
        else:
            self.plot.autoRange()
        points = sum(len(s.steps) for _, _, _, s in drawn)
        where = f"{len({n.split('/')[0] for n, *_ in drawn})} runs" if self.runs else ", ".join(n for n, *_ in drawn)
        self.status.setText(f"{tag}: {points} points in {where}; dashed vertical lines: this run's kept checkpoints.")
        self.drawn.emit()
