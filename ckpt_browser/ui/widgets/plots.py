"""pyqtgraph views: a line plot, a heatmap with colour bar and readout, a histogram."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ckpt_browser.core.values.slicing import formatter
from ckpt_browser.ui.palette import colours


class LinePlot(pg.PlotWidget):
    """y over its index (or x); peak downsampling keeps millions of points fluid."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
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
        self.curve.setData([], [])


class Heatmap(QWidget):
    """A 2-D array as an image (rows down, columns across), colour bar, value under the cursor."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.plot = pg.PlotWidget()
        self.plot.invertY(True)  # row 0 at the top, like the table
        self.plot.setAspectLocked(False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setAutoDownsample(True)
        self.plot.addItem(self.image)
        self.colorbar = pg.ColorBarItem(colorMap=pg.colormap.get("viridis"), interactive=False)
        self.colorbar.setImageItem(self.image, insert_in=self.plot.getPlotItem())
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
        row_label: str = "row", col_label: str = "column",
    ) -> None:  # fmt: skip
        lo, hi = levels
        if not lo < hi:
            lo, hi = lo - 0.5, hi + 0.5
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
        super().__init__(parent)
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
