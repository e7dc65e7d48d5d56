"""Training curves from the event files, train and eval overlaid, TensorBoard-style smoothing,
the kept checkpoints marked (click a mark to select it); and the checkpoint timeline."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QListWidget, QSlider, QSplitter, QVBoxLayout, QWidget

from ckpt_browser.core.model_dir.events import EventData, smooth
from ckpt_browser.core.model_dir.scan import CheckpointInfo
from ckpt_browser.core.model_dir.timeline import Timeline, build_timeline
from ckpt_browser.ui.palette import colours
from ckpt_browser.ui.views import Selection, ViewContext
from ckpt_browser.ui.widgets import boxes


class ScalarsView(QWidget):
    checkpoint_requested = Signal(str)  # a checkpoint's mark was clicked: select it
    drawn = Signal()

    @classmethod
    def create(cls, ctx: ViewContext) -> ScalarsView:
        return cls()

    def show_selection(self, sel: Selection) -> None:
        self.set_data(sel.events, sel.checkpoints)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.events: EventData | None = None
        self.checkpoints: list[CheckpointInfo] = []
        self.tags = QListWidget()
        self.tags.setMaximumWidth(240)
        self.tags.setMinimumWidth(90)
        self.tags.currentTextChanged.connect(lambda _: self.redraw())
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
        self.plot = pg.PlotWidget()
        # 100,000 steps are more points than pixels: draw what shows, peak-preserving.
        self.plot.setDownsampling(auto=True, mode="peak")
        self.plot.setClipToView(True)
        self.plot.showGrid(x=True, y=True, alpha=0.3)
        self.plot.setLabel("bottom", "step")
        self.legend = self.plot.addLegend(offset=(-10, 10))
        self.status = QLabel("Open a model_dir with event files (an Estimator writes them).")
        self.status.setWordWrap(True)
        self._curves: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.marks: dict[str, pg.InfiniteLine] = {}

        right = boxes.column(
            boxes.row("Smoothing:", (self.smoothing, 1), self.smoothing_label), (self.plot, 1), self.status
        )
        split = QSplitter()
        split.addWidget(self.tags)
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        split.setSizes([170, 600])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(split)

    def set_data(self, events: EventData | None, checkpoints: list[CheckpointInfo]) -> None:
        """New data (also on live refresh): the chosen tag and the view range stay put."""
        self.events, self.checkpoints = events, list(checkpoints)
        current = self.tags.currentItem().text() if self.tags.currentItem() else None
        tags = sorted({tag for _, tag in events.series}) if events else []
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
        if self.events is None or item is None:
            return
        tag = item.text()
        runs = sorted((run for run, t in self.events.series if t == tag), key=lambda r: (r != "train", r))
        for i, run in enumerate(runs):
            s = self.events.series[(run, tag)]
            order = np.argsort(s.steps, kind="stable")
            x = np.asarray(s.steps, dtype=float)[order]
            y = np.asarray(s.values, dtype=float)[order]
            series = colours().series
            colour = series[i % len(series)]
            if weight > 0 and len(y) > 1:
                faint = pg.mkColor(colour)
                faint.setAlpha(70)
                self.plot.plot(x, y, pen=pg.mkPen(faint, width=1))
            ys = smooth(y, weight)
            symbol = "o" if len(x) < 30 else None
            self.plot.plot(x, ys, pen=pg.mkPen(colour, width=2), symbol=symbol, symbolSize=6,
                           symbolBrush=colour, name=run)  # fmt: skip
            self._curves[run] = (x, ys)
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
        points = sum(len(self.events.series[(r, tag)].steps) for r in runs)
        self.status.setText(f"{tag}: {points} points in {', '.join(runs)}; dashed lines: kept checkpoints.")
        self.drawn.emit()


class TimelineView(QWidget):
    """Step against wall time for every checkpoint, kept and deleted, and what it implies."""

    @classmethod
    def create(cls, ctx: ViewContext) -> TimelineView:
        return cls()

    def show_selection(self, sel: Selection) -> None:
        if sel.model_dir is not None:
            self.set_timeline(build_timeline(sel.model_dir, sel.events))

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.plot = pg.PlotWidget()
        self.plot.showGrid(x=True, y=True, alpha=0.3)
        self.plot.setLabel("bottom", "seconds since the first checkpoint")
        self.plot.setLabel("left", "step")
        self.legend = self.plot.addLegend(offset=(10, 10))
        self.summary = QLabel("Open a model_dir.")
        self.summary.setWordWrap(True)
        self.timeline: Timeline | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.plot, 1)

    def set_timeline(self, tl: Timeline) -> None:
        self.timeline = tl
        self.plot.clear()
        self.legend.clear()
        timed = [p for p in tl.points if p.time is not None and p.step is not None]
        if timed:
            t0 = min(p.time for p in timed)
            for kept, brush, pen, name in (
                (True, colours().curve, None, "kept"),
                (False, None, colours().deleted, "deleted"),
            ):
                pts = [p for p in timed if p.on_disk == kept]
                if pts:
                    self.plot.plot(
                        [p.time - t0 for p in pts], [p.step for p in pts], pen=None, symbol="o", symbolSize=9,
                        symbolBrush=brush, symbolPen=pen or brush, name=name,
                    )  # fmt: skip
            self.plot.autoRange()
        sources = sorted({p.time_from for p in timed})
        self.summary.setText(tl.summary() + (f" Times from: {', '.join(sources)}." if sources else ""))
