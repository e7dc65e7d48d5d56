"""The Health tab: update ratios as a layers x checkpoints heatmap, norms over steps, alpha per
layer and the findings of core/values/health.py; a cell or a finding selects that variable there."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QGraphicsRectItem,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ckpt_browser.core.values.health import HealthReport, model_dir_health
from ckpt_browser.core.values.health_report import FAILING
from ckpt_browser.ui.cluster import placed
from ckpt_browser.ui.palette import colours
from ckpt_browser.ui.plotting import pg
from ckpt_browser.ui.views import Selection, ViewContext
from ckpt_browser.ui.widgets.axes import make_readable, readable_axes
from ckpt_browser.ui.widgets.health_style import (
    FROZEN_RGBA,
    NAN_RGBA,
    cells_legend,
    fill_norms_legend,
    fit_bar_labels,
    give_findings_room,
    norms_legend,
)

HEALTHY_RATIO = 1e-3  # the heatmap's colour scale is centred here (docs/health.md)
MAX_LEGEND = 10
MAX_CURVES = 40
COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"]


def ratio_plane(report: HealthReport) -> tuple[np.ndarray, list[str], list[str]]:
    """log10 update ratios, rows = variables (in checkpoint order), columns = checkpoints; NaN where none."""
    names = report.variable_names()
    row = {n: i for i, n in enumerate(names)}
    plane = np.full((len(names), len(report.checkpoints)), np.nan)
    for j, c in enumerate(report.checkpoints):
        for v in c.variables:
            if v.update_ratio is not None and v.update_ratio > 0:
                plane[row[v.name], j] = math.log10(v.update_ratio)
    return plane, names, [c.name for c in report.checkpoints]


def short_names(names: list[str], most: int = 36) -> dict[str, str]:
    """Each name's shortest tail of at least two parts that no other name shares (BERT's
    layer_3/output/dense/kernel, not dense/kernel), cut to ``most`` characters from the left."""
    parts = {n: n.removesuffix("/.ATTRIBUTES/VARIABLE_VALUE").split("/") for n in names}
    counts: dict[int, Counter] = {}  # tails of k parts -> how many names end so (linear per k)

    def shared(p: list[str], k: int) -> bool:
        if k not in counts:
            counts[k] = Counter(tuple(q[-k:]) for q in parts.values())
        return counts[k][tuple(p[-k:])] > 1

    out = {}
    for n, p in parts.items():
        k = min(2, len(p))
        while k < len(p) and shared(p, k):
            k += 1
        text = "/".join(p[-k:])
        out[n] = text if len(text) <= most else "…" + text[-(most - 1) :]
    return out


class HealthView(QWidget):
    """What the checkpoints say about training, with nothing logged."""

    cell_requested = Signal(str, str)  # checkpoint, variable
    reported = Signal(object)  # HealthReport

    @classmethod
    def create(cls, ctx: ViewContext) -> HealthView:
        return cls(ctx.runner)

    def __init__(self, runner, parent=None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.report: HealthReport | None = None
        self._md = None
        self._names: list[str] = []
        self._columns: list[str] = []
        self._short: dict[str, str] = {}
        self.status = QLabel("Select a model_dir.")
        self.status.setWordWrap(True)
        self.with_optimizer = QCheckBox("Optimizer state too")
        self.with_optimizer.toggled.connect(lambda _: self.refresh())
        top = QHBoxLayout()
        top.addWidget(self.status, 1)
        top.addWidget(self.with_optimizer)

        self.heatmap = pg.PlotWidget(title="update ratio", axisItems=readable_axes())
        self.heatmap.setToolTip(
            "‖Wₜ − Wₜ₋₁‖ / ‖Wₜ₋₁‖ of each variable (rows) against the checkpoint before (columns), log scale,\n"
            "white at 1m (1e-3), red above, blue below; magenta: NaN or Inf; grey: unchanged (frozen);\n"
            "blank: nothing to compare with. Click a cell to select that variable in that checkpoint."
        )
        self.heatmap.invertY(True)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.heatmap.addItem(self.image)
        self.bad_cells = pg.ImageItem(axisOrder="row-major")  # NaN / Inf, unchanged: cells over the ratios
        self.heatmap.addItem(self.bad_cells)
        self.colorbar = pg.ColorBarItem(colorMap=pg.colormap.get("CET-D1"), interactive=False, label="ratio")
        make_readable(self.colorbar.axis, powers=True)  # log10 levels read as 1µ, 1m, 0.1: the ratios
        self.colorbar.setImageItem(self.image, insert_in=self.heatmap.getPlotItem())
        self.marker = QGraphicsRectItem(0, 0, 1, 1)  # the selected variable in the selected checkpoint
        pen = pg.mkPen("#ffb000", width=3)  # amber: seen on red, blue, white and the black of NaN
        pen.setCosmetic(True)
        self.marker.setPen(pen)
        self.marker.hide()
        self.heatmap.addItem(self.marker)
        self._selected: tuple[str | None, str | None] = (None, None)  # (variable, checkpoint)
        self._md_key = None
        self.heatmap.scene().sigMouseClicked.connect(self._on_click)
        self.heatmap.scene().sigMouseMoved.connect(self._on_move)
        self.readout = QLabel(" ")
        self.cells_legend = QLabel(cells_legend())  # what the colours off the scale mean

        self.norms = pg.PlotWidget(title="norm", axisItems=readable_axes())
        self.norms.setLabel("bottom", "step")
        self.norms.setLabel("left", "L2 norm")
        self.norms.setLogMode(y=True)
        self.norms.showGrid(x=True, y=True, alpha=0.3)
        # The curves' names under the plot, in the window's colours, never over the lines.
        self.legend = norms_legend()
        self.alpha = pg.PlotWidget(title="alpha", axisItems=readable_axes())
        self.alpha.setToolTip(
            "weightwatcher's heavy-tailed exponent of each 2-D layer's eigenvalue spectrum (docs/health.md):\n"
            "about 2 to 6 (green) when a layer is well trained; red outside that range"
        )
        self.alpha.showGrid(y=True, alpha=0.3)
        self._alpha_labels: list[str] = []
        self.alpha.getViewBox().sigResized.connect(lambda _vb: fit_bar_labels(self.alpha, self._alpha_labels))
        self.findings = QTableWidget(0, 4)
        self.findings.setHorizontalHeaderLabels(["finding", "variable", "checkpoint", "detail"])
        self.findings.verticalHeader().hide()
        self.findings.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.findings.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        header = self.findings.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.findings.cellClicked.connect(self._on_finding)

        upper = QWidget()
        upper_layout = QVBoxLayout(upper)
        upper_layout.setContentsMargins(0, 0, 0, 0)
        upper_layout.addWidget(self.heatmap, 1)
        below = QHBoxLayout()
        below.addWidget(self.readout, 1)
        below.addWidget(self.cells_legend)
        upper_layout.addLayout(below)
        norms = QWidget()
        norms_layout = QHBoxLayout(norms)
        norms_layout.setContentsMargins(0, 0, 0, 0)
        norms_layout.setSpacing(0)
        norms_layout.addWidget(self.norms, 1)
        norms_layout.addWidget(self.legend)
        plots = QSplitter(Qt.Orientation.Horizontal)
        plots.addWidget(norms)
        plots.addWidget(self.alpha)
        for plot in (self.heatmap, self.norms, self.alpha):
            plot.setMinimumSize(120, 120)  # the tab may be narrow: plots shrink, they are never cut off
        whole = self._whole = QSplitter(Qt.Orientation.Vertical)
        whole.addWidget(upper)
        whole.addWidget(plots)
        whole.addWidget(self.findings)
        whole.setStretchFactor(0, 5)
        whole.setStretchFactor(1, 3)
        whole.setStretchFactor(2, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(whole, 1)

    # -- the view protocol ----------------------------------------------------------------
    def show_selection(self, sel: Selection) -> None:
        """A new model_dir (or new checkpoints in it) is read again; a new variable or checkpoint
        only moves the marker."""
        self._selected = (
            sel.variable.name if sel.variable is not None else None,
            sel.checkpoint.name if sel.checkpoint is not None else None,
        )
        key = sel.key(("model_dir",))
        if key != self._md_key:
            self._md_key = key
            self._md = sel.model_dir
            self.refresh()
        self._place_marker()

    def _place_marker(self) -> None:
        variable, checkpoint = self._selected
        if variable in self._names and checkpoint in self._columns:
            self.marker.setRect(QRectF(self._columns.index(checkpoint) - 0.5, self._names.index(variable) - 0.5, 1, 1))
            self.marker.show()
        else:
            self.marker.hide()

    def refresh(self) -> None:
        md = self._md
        if md is None or not md.checkpoints:
            self.status.setText("Select a model_dir with checkpoints.")
            return
        self.status.setText(f"Reading every checkpoint of {md.path.name} …")
        self.runner.submit(
            placed(self.runner, model_dir_health), md, self.with_optimizer.isChecked(),
            key="health", tf=False, with_progress=True, on_done=self._show, on_error=self.status.setText,
            label="Checking training health",
        )  # fmt: skip

    # -- showing a report -------------------------------------------------------------------
    def _show(self, report: HealthReport) -> None:
        self.report = report
        self.status.setText(report.summary())
        self._show_heatmap(report)
        self._show_norms(report)
        self._show_alpha(report)
        self._show_findings(report)
        self._place_marker()
        self.reported.emit(report)

    def _show_heatmap(self, report: HealthReport) -> None:
        plane, self._names, self._columns = ratio_plane(report)
        if plane.size == 0:
            self.image.clear()
            return
        centre = math.log10(HEALTHY_RATIO)
        finite = plane[np.isfinite(plane)]
        span = max(1.0, float(np.max(np.abs(finite - centre)))) if finite.size else 1.0
        shown = np.where(np.isfinite(plane), plane, np.nan)  # no ratio (first checkpoint): left blank
        self.image.setImage(shown, levels=(centre - span, centre + span), autoLevels=False)
        self.image.setRect(QRectF(-0.5, -0.5, plane.shape[1], plane.shape[0]))
        bad = np.zeros((*plane.shape, 4), np.ubyte)
        row = {n: i for i, n in enumerate(self._names)}
        for j, c in enumerate(report.checkpoints):
            for v in c.variables:
                if v.nan or v.inf:
                    bad[row[v.name], j] = NAN_RGBA
                elif v.changed is False:
                    bad[row[v.name], j] = FROZEN_RGBA
        self.bad_cells.setImage(bad, levels=(0, 255), autoLevels=False)
        self.bad_cells.setRect(QRectF(-0.5, -0.5, plane.shape[1], plane.shape[0]))
        self.colorbar.setLevels((centre - span, centre + span))
        left, bottom = self.heatmap.getAxis("left"), self.heatmap.getAxis("bottom")
        fit = max(4, self.heatmap.height() // 16)  # row labels that fit without overlapping
        step = max(1, math.ceil(len(self._names) / fit))
        self._short = short_names(self._names)
        left.setTicks([[(i, self._short[n]) for i, n in enumerate(self._names) if i % step == 0]])
        steps = [c.step for c in report.checkpoints]
        cstep = max(1, len(steps) // 12)
        bottom.setTicks([[(j, str(s if s is not None else c)) for j, (s, c) in enumerate(zip(steps, self._columns))
                          if j % cstep == 0]])  # fmt: skip
        self.heatmap.setLabel("bottom", "checkpoint (step)")
        self.heatmap.getPlotItem().vb.setRange(
            xRange=(-0.5, plane.shape[1] - 0.5), yRange=(-0.5, plane.shape[0] - 0.5), padding=0
        )

    def _show_norms(self, report: HealthReport) -> None:
        self.norms.clear()
        self.legend.clear()
        by_name = [{v.name: v for v in c.variables} for c in report.checkpoints]
        sizes = {v.name: v.size for c in report.checkpoints for v in c.variables}
        # A curve per variable up to MAX_CURVES; past that the largest ones (the layers' kernels):
        # thousands of curves are neither readable nor quick to draw.
        names = sorted(self._names, key=lambda n: -sizes.get(n, 0))[:MAX_CURVES]
        names.sort(key=self._names.index)
        steps = [c.step if c.step is not None else j for j, c in enumerate(report.checkpoints)]
        for i, name in enumerate(names):
            xs, ys = [], []
            for x, variables in zip(steps, by_name):
                v = variables.get(name)
                if v is not None and v.norm and not (v.nan or v.inf):
                    xs.append(x)
                    ys.append(v.norm)
            pen = pg.mkPen(COLOURS[i % len(COLOURS)], width=1.5)
            self.norms.plot(
                xs, ys, pen=pen, symbol="o", symbolSize=4, symbolBrush=COLOURS[i % len(COLOURS)], name=self._short[name]
            )
        fill_norms_legend(self.legend, [(COLOURS[i % len(COLOURS)], self._short[n]) for i, n in enumerate(names)])
        self.legend.setVisible(len(names) <= MAX_LEGEND)  # past that, a legend takes the plot's room
        shown = "" if len(names) == len(self._names) else f" ({len(names)} largest of {len(self._names)})"
        self.norms.setTitle("norm" + shown)

    def _show_alpha(self, report: HealthReport) -> None:
        self.alpha.clear()
        last = next((c for c in reversed(report.checkpoints) if any(v.alpha for v in c.variables)), None)
        if last is None:
            self.alpha.setTitle("alpha: no 8 x 8 layer")
            return
        layers = [v for v in last.variables if v.alpha is not None]
        xs = np.arange(len(layers))
        heights = np.array([v.alpha for v in layers], float)
        brushes = [pg.mkBrush("#2ca02c" if 2 <= a <= 6 else "#d62728") for a in heights]
        self.alpha.addItem(pg.BarGraphItem(x=xs, height=heights, width=0.7, brushes=brushes))
        self._alpha_labels = [self._short[v.name] for v in layers]
        fit_bar_labels(self.alpha, self._alpha_labels)
        self.alpha.setTitle("alpha")
        self.alpha.setLabel("bottom", f"layers at {last.name}")
        self.alpha.setLabel("left", "exponent")
        self.alpha.getPlotItem().vb.setRange(xRange=(-0.6, len(layers) - 0.4), yRange=(0, float(heights.max()) * 1.1))

    def _show_findings(self, report: HealthReport) -> None:
        self.findings.setRowCount(len(report.findings))
        for r, f in enumerate(report.findings):
            for c, text in enumerate((f.kind, f.variable, f.checkpoint, f.detail)):
                item = QTableWidgetItem(text)
                if f.kind in FAILING:  # unreadable too: what could not be read is never "nothing wrong"
                    item.setForeground(pg.mkColor(colours().bad))  # readable on the theme's background
                self.findings.setItem(r, c, item)
        if not report.findings:
            self.findings.setRowCount(1)
            self.findings.setItem(
                0, 3, QTableWidgetItem("Nothing wrong found (docs/health.md says what is looked for).")
            )
        give_findings_room(self.findings, self._whole)

    # -- clicks --------------------------------------------------------------------------------
    def cell_at(self, pos: QPointF) -> tuple[int, int] | None:
        """(variable row, checkpoint column) under a scene position, or None."""
        if not self._names or not self.heatmap.sceneBoundingRect().contains(pos):
            return None
        p = self.heatmap.getPlotItem().vb.mapSceneToView(pos)
        r, c = int(np.floor(p.y() + 0.5)), int(np.floor(p.x() + 0.5))
        if 0 <= r < len(self._names) and 0 <= c < len(self._columns):
            return r, c
        return None

    def select_cell(self, row: int, column: int) -> None:
        """Select that variable in that checkpoint in the window."""
        self.cell_requested.emit(self._columns[column], self._names[row])

    def _on_click(self, event) -> None:
        cell = self.cell_at(event.scenePos())
        if cell is not None:
            self.select_cell(*cell)

    def _on_move(self, pos: QPointF) -> None:
        cell = self.cell_at(pos)
        if cell is None or self.report is None:
            self.readout.setText(" ")
            return
        r, c = cell
        name, checkpoint = self._names[r], self.report.checkpoints[c]
        v = next((v for v in checkpoint.variables if v.name == name), None)  # on a mouse move: one pass
        ratio = "–" if v is None or v.update_ratio is None else f"{v.update_ratio:.3g}"
        self.readout.setText(f"{name} in {checkpoint.name}: update ratio {ratio} (click to select)")

    def _on_finding(self, row: int, _column: int) -> None:
        if self.report is None or not 0 <= row < len(self.report.findings):
            return
        f = self.report.findings[row]
        self.cell_requested.emit(f.checkpoint, f.variable)
