"""pyqtgraph views: a line plot, a heatmap with colour bar and readout, a histogram. Their axes
say their own magnitude (axes.py); signed data and differences get a diverging colour map
centred on zero."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ckpt_browser.core.values.slicing import formatter
from ckpt_browser.ui.palette import DARK, colours
from ckpt_browser.ui.plotting import pg
from ckpt_browser.ui.widgets.axes import make_readable, readable_axes

SEQUENTIAL = "viridis"
DIVERGING = ("CET-D1", "CET-D4")  # blue-white-red on a light theme, blue-black-red on a dark one


def diverging_map() -> pg.ColorMap:
    return pg.colormap.get(DIVERGING[1] if colours() is DARK else DIVERGING[0])


def is_signed(levels: tuple[float, float]) -> bool:
    return levels[0] < 0 < levels[1]


def centred(levels: tuple[float, float]) -> tuple[float, float]:
    """Symmetric levels around zero: zero takes the map's neutral middle colour."""
    m = max(abs(levels[0]), abs(levels[1])) or 1.0
    return -m, m


class LinePlot(pg.PlotWidget):
    """y over its index (or x); peak downsampling keeps millions of points fluid."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent, axisItems=readable_axes())
        self.showGrid(x=True, y=True, alpha=0.3)
        self.curve = self.plot(pen=pg.mkPen(colours().curve, width=1.5))
        self.curve.setDownsampling(auto=True, method="peak")
        self.curve.setClipToView(True)

    def set_data(self, y: np.ndarray, x: np.ndarray | None = None, xlabel: str = "index", ylabel: str = "") -> None:
        if x is None:
            self.curve.setData(y)
        else:
            self.curve.setData(x, y)
        self.setLabel("bottom", xlabel)
        self.setLabel("left", ylabel)
        self.autoRange()

    def plotted(self) -> tuple[np.ndarray, np.ndarray]:
        x, y = self.curve.getData()
        return (np.array([]), np.array([])) if x is None else (x, y)

    def clear_data(self) -> None:
        """Nothing drawn, and nothing of the last data's axes left (labels, range)."""
        self.curve.setData([], [])
        self.setLabel("bottom", "")
        self.setLabel("left", "")
        self.getViewBox().setRange(xRange=(0, 1), yRange=(0, 1), padding=0)


class Heatmap(QWidget):
    """A 2-D array as an image (rows down, columns across), colour bar, value under the cursor."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.plot = pg.PlotWidget(axisItems=readable_axes())
        self.plot.invertY(True)  # row 0 at the top, like the table
        self.plot.setAspectLocked(False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setAutoDownsample(True)
        self.plot.addItem(self.image)
        self.colorbar = pg.ColorBarItem(colorMap=pg.colormap.get(SEQUENTIAL), interactive=False)
        self.diverging = False  # what the last image was drawn with
        self.colorbar.setImageItem(self.image, insert_in=self.plot.getPlotItem())
        make_readable(self.colorbar.axis)
        self.readout = QLabel(" ")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.readout)
        self._values: np.ndarray | None = None  # what the readout reports (original values)
        self._fmt = formatter(np.dtype(np.float32))
        self.plot.scene().sigMouseMoved.connect(self._on_mouse)

    def set_image(
        self, plane: np.ndarray, levels: tuple[float, float], values: np.ndarray | None = None,
        row_label: str = "row", col_label: str = "column", diverging: bool | None = None,
    ) -> None:  # fmt: skip
        """diverging: a map centred on zero (None: when the values have both signs)."""
        self.diverging = is_signed(levels) if diverging is None else diverging
        lo, hi = centred(levels) if self.diverging else levels
        if not lo < hi:
            lo, hi = lo - 0.5, hi + 0.5
        cmap = diverging_map() if self.diverging else pg.colormap.get(SEQUENTIAL)
        self.colorbar.setColorMap(cmap)
        self.image.setColorMap(cmap)
        self.image.setImage(plane, levels=(lo, hi), autoLevels=False)
        # Pixel (r, c) covers [c - 0.5, c + 0.5]: ticks then sit on cell centres.
        self.image.setRect(QRectF(-0.5, -0.5, plane.shape[1], plane.shape[0]))
        self.colorbar.setLevels((lo, hi))
        self._values = plane if values is None else values
        self._fmt = formatter(self._values.dtype)
        self.plot.setLabel("left", row_label)
        self.plot.setLabel("bottom", col_label)
        for axis, n in (("left", plane.shape[0]), ("bottom", plane.shape[1])):
            # Whole-number ticks on small matrices (pyqtgraph would put one at every 0.5).
            if n <= 30:
                self.plot.getAxis(axis).setTickSpacing(5 if n > 10 else 1, 1)
            else:
                self.plot.getAxis(axis).setTickSpacing()
        self.plot.autoRange()

    def shown(self) -> np.ndarray | None:
        return self.image.image

    def clear_data(self) -> None:
        self.image.clear()
        self._values = None
        self.readout.setText(" ")

    def value_text(self, row: int, col: int) -> str:
        if self._values is None:
            return ""
        if 0 <= row < self._values.shape[0] and 0 <= col < self._values.shape[1]:
            return f"[{row}, {col}] = {self._fmt(self._values[row, col])}"
        return ""

    def _on_mouse(self, pos: QPointF) -> None:
        if self._values is None or not self.plot.sceneBoundingRect().contains(pos):
            return
        p = self.plot.getPlotItem().vb.mapSceneToView(pos)
        text = self.value_text(int(np.floor(p.y() + 0.5)), int(np.floor(p.x() + 0.5)))
        self.readout.setText(text or " ")


class HistogramPlot(pg.PlotWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent, axisItems=readable_axes())
        self.showGrid(x=True, y=True, alpha=0.3)
        self.curve = pg.PlotCurveItem(fillLevel=0, brush=colours().fill, pen=colours().curve)
        self.addItem(self.curve)
        self.setLabel("left", "count")

    def set_histogram(self, counts: list[int], edges: list[float], xlabel: str = "value") -> None:
        if not counts:
            self.clear_data()
            return
        self.curve.setData(np.asarray(edges, float), np.asarray(counts, float), stepMode="center")
        self.setLabel("bottom", xlabel)
        self.autoRange()

    def plotted(self) -> tuple[np.ndarray, np.ndarray]:
        x, y = self.curve.getData()
        return (np.array([]), np.array([])) if x is None else (x, y)

    def clear_data(self) -> None:
        self.curve.setData([], [], stepMode=None)
