"""The checkpoint timeline: step against the clock for every checkpoint, kept and deleted, the
save interval and how many are kept."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ckpt_browser.core.model_dir.timeline import Timeline, build_timeline
from ckpt_browser.ui.palette import colours
from ckpt_browser.ui.plotting import pg
from ckpt_browser.ui.views import Selection, ViewContext
from ckpt_browser.ui.widgets.axes import ReadableAxis, legend_beside


class ClockAxis(pg.DateAxisItem):
    """pyqtgraph's clock axis, its sub-second ticks with the hour and minute: saves within one second
    read 07:07:03.200 .. 07:07:03.800, not 03.200 .. 03.800 with no minute anywhere (issue 31)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        from pyqtgraph.graphicsItems import DateAxisItem as dates

        for key, level in list(self.zoomLevels.items()):
            if level is dates.MS_ZOOM_LEVEL:
                self.zoomLevels[key] = dates.ZoomLevel(
                    [
                        dates.TickSpec(dates.MINUTE_SPACING, dates.makeSStepper(dates.MINUTE_SPACING), "%H:%M:%S"),
                        dates.TickSpec(
                            dates.MS_SPACING, dates.makeMSStepper(dates.MS_SPACING), "%H:%M:%S.%f",
                            autoSkip=[1, 5, 10, 25],
                        ),
                    ],
                    "99:99:99.999",  # the labels' width, for how many fit
                )  # fmt: skip


class TimelineView(QWidget):
    """Step against wall time for every checkpoint, kept and deleted, and what it implies."""

    @classmethod
    def create(cls, ctx: ViewContext) -> TimelineView:
        return cls()

    def show_selection(self, sel: Selection) -> None:
        if sel.model_dir is not None:
            self.set_timeline(build_timeline(sel.model_dir, sel.events, sel.deleted))

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        # Clock times on the x axis (pyqtgraph's "seconds (x1000)" made people multiply).
        self.plot = pg.PlotWidget(axisItems={"bottom": ClockAxis(), "left": ReadableAxis("left")})
        self.plot.showGrid(x=True, y=True, alpha=0.3)
        self.plot.setLabel("bottom", "saved at (local time)")
        self.plot.setLabel("left", "step")
        self.legend = legend_beside(self.plot)  # outside the data
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
            for kept, brush, pen, name in (
                (True, colours().curve, None, "kept"),
                (False, None, colours().deleted, "deleted"),
            ):
                pts = [p for p in timed if p.on_disk == kept]
                if pts:
                    self.plot.plot(
                        [p.time for p in pts], [p.step for p in pts], pen=None, symbol="o", symbolSize=9,
                        symbolBrush=brush, symbolPen=pen or brush, name=name,
                    )  # fmt: skip
            self.plot.autoRange()
        sources = sorted({p.time_from for p in timed})
        self.summary.setText(tl.summary() + (f" Times from: {', '.join(sources)}." if sources else ""))
