"""One tensor's values: slice controls, table, plot or heatmap, histogram, statistics, export."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ckpt_browser.core.values.slicing import PlotData, SliceSpec, formatter, plot_data, slice_label, view2d
from ckpt_browser.core.values.stats import TensorStats, compute_stats
from ckpt_browser.ui import copying
from ckpt_browser.ui.models.tensor_table import TensorTableModel
from ckpt_browser.ui.palette import colours
from ckpt_browser.ui.tasks import TaskRunner
from ckpt_browser.ui.text import esc
from ckpt_browser.ui.widgets.tensor_export import TensorExport

if TYPE_CHECKING:
    from ckpt_browser.ui.widgets.plots import Heatmap, HistogramPlot, LinePlot


class TensorView(TensorExport, QWidget):
    stats_ready = Signal(object)  # TensorStats
    plot_ready = Signal(object)  # PlotData
    codes_wanted = Signal(bool)  # show a quantized weight's stored codes (True) or its values

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self._keys = f"tensor-view-{id(self)}"  # task keys of this view; others have their own
        self._array: np.ndarray | None = None
        self._name = ""
        self._spec = SliceSpec()
        self.stats: TensorStats | None = None

        # A red banner over the values when they failed their checksum (shown anyway).
        self.banner = QLabel()
        self.banner.setTextFormat(Qt.TextFormat.PlainText)  # messages from files: never markup
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(
            f"QLabel {{ background: {colours().bad}; color: white; padding: 4px; font-weight: bold; }}"
        )
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner.hide()
        self.header = QLabel("Select a variable to see its values.")
        self.header.setWordWrap(True)
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.axes_row = QHBoxLayout()
        self.axes_box = QWidget()
        self.axes_box.setLayout(self.axes_row)
        self.axes_box.hide()

        self.table_model = TensorTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.table_model)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.horizontalHeader().setDefaultSectionSize(90)
        copying.install(self.table, self._table_menu, copy=self.copied_text)

        # The Plot and Histogram pages are built when first shown (or asked for): pyqtgraph is
        # imported then, not at start-up (ui/plotting.py). Until then the latest plot data and
        # statistics wait in _plot_data and stats.
        self.plot_holder = QWidget()  # holds the line plot (1-D) or the heatmap (N-D)
        QVBoxLayout(self.plot_holder).setContentsMargins(0, 0, 0, 0)
        self.histogram_holder = QWidget()
        QVBoxLayout(self.histogram_holder).setContentsMargins(0, 0, 0, 0)
        self._plots: tuple[LinePlot, Heatmap, QLabel] | None = None
        self._histogram: HistogramPlot | None = None
        self._plot_data: PlotData | None = None
        self.stats_form = QFormLayout()
        stats_box = QWidget()
        stats_box.setLayout(self.stats_form)
        self.stats_status = QLabel()

        self.tabs = QTabWidget()
        self.tabs.addTab(self.table, "Table")
        self.tabs.addTab(self.plot_holder, "Plot")
        self.tabs.addTab(self.histogram_holder, "Histogram")
        self.tabs.currentChanged.connect(self._page_shown)

        buttons = QHBoxLayout()
        self.npy_button = QPushButton("Export .npy…")
        self.csv_button = QPushButton("Export .csv…")
        self.png_button = QPushButton("Save plot…")
        for b, slot in (
            (self.npy_button, self.export_npy_dialog),
            (self.csv_button, self.export_csv_dialog),
            (self.png_button, self.save_plot_dialog),
        ):
            b.clicked.connect(slot)
            b.setEnabled(False)
            buttons.addWidget(b)
        buttons.addStretch(1)

        right = QVBoxLayout()
        right.addWidget(QLabel("<b>Statistics</b>"))
        right.addWidget(stats_box)
        right.addWidget(self.stats_status)
        right.addStretch(1)
        body = QHBoxLayout()
        body.addWidget(self.tabs, 1)
        body.addLayout(right)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.banner)
        layout.addWidget(self.header)
        self.codes_box = QCheckBox("Show the stored codes")
        self.codes_box.setToolTip("A quantized weight is stored as integer codes; its values are computed from them")
        self.codes_box.hide()
        self.codes_box.toggled.connect(self.codes_wanted.emit)
        layout.addWidget(self.codes_box)
        layout.addWidget(self.axes_box)
        layout.addLayout(body, 1)
        layout.addLayout(buttons)

        self._refresh = QTimer(self)  # spin-box bursts redraw once
        self._refresh.setSingleShot(True)
        self._refresh.setInterval(60)
        self._refresh.timeout.connect(self._show_slice)

    # -- the plot pages, built when first needed ------------------------------------------
    def _page_shown(self, _index: int) -> None:
        page = self.tabs.currentWidget()
        if page is self.plot_holder:
            self._plot_widgets()
        elif page is self.histogram_holder:
            _ = self.histogram

    def _plot_widgets(self) -> tuple[LinePlot, Heatmap, QLabel]:
        if self._plots is None:
            # deferred: start-up: loads PySide6, colorama, numpy (+203 modules)
            from ckpt_browser.ui.widgets.plots import Heatmap, LinePlot

            line, heatmap, note = LinePlot(), Heatmap(), QLabel()
            for w in (line, heatmap, note):
                self.plot_holder.layout().addWidget(w)
            heatmap.hide()
            self._plots = (line, heatmap, note)
            if self._plot_data is not None:
                self._show_plot(self._plot_data)
        return self._plots

    @property
    def line(self) -> LinePlot:
        return self._plot_widgets()[0]

    @property
    def heatmap(self) -> Heatmap:
        return self._plot_widgets()[1]

    @property
    def plot_note(self) -> QLabel:
        return self._plot_widgets()[2]

    @property
    def histogram(self) -> HistogramPlot:
        if self._histogram is None:
            # deferred: start-up: loads PySide6, colorama, numpy (+203 modules)
            from ckpt_browser.ui.widgets.plots import HistogramPlot

            self._histogram = HistogramPlot()
            self.histogram_holder.layout().addWidget(self._histogram)
            if self.stats is not None:
                self._histogram.set_histogram(self.stats.hist_counts, self.stats.hist_edges, xlabel=self.stats.of)
        return self._histogram

    def _clear_plots(self) -> None:
        self._plot_data = None
        if self._plots is not None:
            self._plots[0].clear_data()
            self._plots[1].clear_data()

    # -- showing a tensor -------------------------------------------------------------
    def clear(self, text: str = "Select a variable to see its values.") -> None:
        self._array = None
        self.banner.hide()
        self.header.setText(text)
        self.table_model.set_array(np.zeros((0, 0)))
        self._clear_plots()
        self._set_stats(None)
        self.axes_box.hide()
        for b in (self.npy_button, self.csv_button, self.png_button):
            b.setEnabled(False)

    def show_error(self, text: str) -> None:
        self.clear()
        self.header.setText(f"<span style='color:{colours().bad}'>{esc(text)}</span>")

    def set_tensor(
        self, name: str, array: np.ndarray, where: str = "", warning: str | None = None, note: str | None = None
    ) -> None:
        self._array = array
        text = f"{warning[:1].upper()}{warning[1:]}. Shown as read: not what was saved." if warning else ""
        self.banner.setText(text)
        self.banner.setVisible(bool(warning))
        self._name = name
        self._spec = SliceSpec.default(array.ndim)
        shape = "[" + ", ".join(str(d) for d in array.shape) + "]"
        head = (
            f"<b>{esc(name)}</b> &nbsp; {shape} &nbsp; {esc(array.dtype.name) if array.dtype.kind != 'O' else 'string'}"
        )
        if where:
            head += f" &nbsp; <span style='color:{colours().muted}'>{esc(where)}</span>"
        if note:  # a quantized TF.js weight: the codes and how they map to values
            head += f"<br><span style='color:{colours().note}'>{esc(note)}</span>"
        self.codes_box.setVisible(bool(note))
        if not note:
            self.codes_box.blockSignals(True)
            self.codes_box.setChecked(False)
            self.codes_box.blockSignals(False)
        if array.ndim == 0:
            head += f"<br><span style='font-size:16pt'>{esc(formatter(array.dtype)(array[()]))}</span>"
        self.header.setText(head)
        # The plot comes from a task: until it does, not the previous variable's plot.
        self._clear_plots()
        self._build_axes(array.shape)
        for b in (self.npy_button, self.csv_button, self.png_button):
            b.setEnabled(True)
        self._set_stats(None)
        self.stats_status.setText("computing…")
        self.runner.submit(
            compute_stats, array, key=f"{self._keys}:stats", tf=False, with_progress=True,
            on_done=self._set_stats, on_error=self.stats_status.setText, label="Statistics",
        )  # fmt: skip
        self._show_slice()

    def array(self) -> np.ndarray | None:
        return self._array

    def spec(self) -> SliceSpec:
        return self._spec

    def set_spec(self, spec: SliceSpec) -> None:
        """Choose the shown axes and indices (what the axis controls do)."""
        if self._array is None:
            return
        self._spec = spec.normalized(self._array.shape)
        self._build_axes(self._array.shape)
        self._show_slice()

    def shown_plane(self) -> np.ndarray | None:
        return None if self._array is None else view2d(self._array, self._spec)

    def _show_slice(self) -> None:
        a = self._array
        if a is None:
            return
        plane = view2d(a, self._spec)
        spec = self._spec.normalized(a.shape)
        self.table_model.set_array(plane)
        self.runner.submit(
            plot_data, a, SliceSpec(spec.rows, spec.cols, dict(spec.index)),
            key=f"{self._keys}:plot", tf=False, on_done=self._set_plot,
        )  # fmt: skip

    def _set_plot(self, data: PlotData) -> None:
        self._plot_data = data
        if self._plots is not None:  # else the page shows it when it is built
            self._show_plot(data)
        self.plot_ready.emit(data)

    def _show_plot(self, data: PlotData) -> None:
        line, heatmap, note = self._plots or self._plot_widgets()
        note.setText(data.note)
        if data.kind == "line":
            heatmap.hide()
            line.show()
            line.set_data(data.numbers, xlabel="index", ylabel="value")
        elif data.kind == "image":
            line.hide()
            heatmap.show()
            spec = self._spec.normalized(self._array.shape) if self._array is not None else self._spec
            heatmap.set_image(
                data.numbers, data.levels, data.values,
                row_label=f"axis {spec.rows}", col_label=f"axis {spec.cols}",
            )  # fmt: skip
        else:  # a scalar, strings: no plot, and none of the last variable's axes either
            line.clear_data()
            heatmap.clear_data()
            line.hide()
            heatmap.hide()

    def _set_stats(self, stats: TensorStats | None) -> None:
        self.stats = stats
        while self.stats_form.rowCount():
            self.stats_form.removeRow(0)
        if stats is None:
            if self._histogram is not None:
                self._histogram.clear_data()
            return
        for label, text in stats.lines():
            value = QLabel(text)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.stats_form.addRow(label, value)
        self.stats_status.setText("" if stats.finite or not stats.count else "no finite values")
        if self._histogram is not None:  # else the page shows it when it is built
            self._histogram.set_histogram(stats.hist_counts, stats.hist_edges, xlabel=stats.of)
        self.stats_ready.emit(stats)

    # -- axis controls -----------------------------------------------------------------
    def _build_axes(self, shape: tuple[int, ...]) -> None:
        while self.axes_row.count():
            item = self.axes_row.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        if len(shape) < 3:
            self.axes_box.hide()
            return
        spec = self._spec.normalized(shape)
        self.rows_combo, self.cols_combo = QComboBox(), QComboBox()
        for combo, current in ((self.rows_combo, spec.rows), (self.cols_combo, spec.cols)):
            for ax, n in enumerate(shape):
                combo.addItem(f"axis {ax} ({n})", ax)
            combo.setCurrentIndex(current)
            combo.currentIndexChanged.connect(self._axes_changed)
        self.axes_row.addWidget(QLabel("Rows:"))
        self.axes_row.addWidget(self.rows_combo)
        self.axes_row.addWidget(QLabel("Columns:"))
        self.axes_row.addWidget(self.cols_combo)
        self.index_spins: dict[int, QSpinBox] = {}
        for ax, n in enumerate(shape):
            if ax in (spec.rows, spec.cols):
                continue
            spin = QSpinBox()
            spin.setRange(0, max(0, n - 1))
            spin.setValue(spec.index.get(ax, 0))
            spin.setPrefix(f"axis {ax}: ")
            spin.valueChanged.connect(lambda v, ax=ax: self._index_changed(ax, v))
            self.index_spins[ax] = spin
            self.axes_row.addWidget(spin)
        self.slice_label = QLabel(slice_label(shape, spec))
        self.axes_row.addWidget(self.slice_label)
        self.axes_row.addStretch(1)
        self.axes_box.show()

    def _axes_changed(self) -> None:
        rows, cols = self.rows_combo.currentData(), self.cols_combo.currentData()
        if rows == cols:
            return  # wait for the other combo to change too
        self.set_spec(SliceSpec(rows, cols, dict(self._spec.index)))

    def _index_changed(self, axis: int, value: int) -> None:
        self._spec.index[axis] = value
        if self._array is not None:
            self.slice_label.setText(slice_label(self._array.shape, self._spec))
        self._refresh.start()
