"""The Fit view: an output of the restored graph over a sweep of one input, one curve per
checkpoint, over the training data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.model_dir.scan import CheckpointInfo, ModelDir
from ckpt_browser.core.tf.feeds import parse_values
from ckpt_browser.core.values.fit import (
    FitResult,
    GraphOverview,
    Sessions,
    find_data_file,
    fit_curves,
    graph_overview,
    load_xy,
    scalar_rows,
)
from ckpt_browser.ui import copying
from ckpt_browser.ui.models.rows import RowsModel
from ckpt_browser.ui.palette import colours
from ckpt_browser.ui.plotting import pg
from ckpt_browser.ui.tasks import TaskRunner
from ckpt_browser.ui.views import Selection, ViewContext
from ckpt_browser.ui.widgets.axes import legend_beside, readable_axes

DEFAULT_RANGE = "-2:4:201"


class FitView(QWidget):
    fitted = Signal(object)  # FitResult
    data_loaded = Signal(object)  # (x, y)

    @classmethod
    def create(cls, ctx: ViewContext) -> FitView:
        return cls(ctx.runner, ctx.sessions)

    def show_selection(self, sel: Selection) -> None:
        self.set_model_dir(sel.model_dir, sel.checkpoint)

    def __init__(self, runner: TaskRunner, sessions: Sessions, parent=None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.sessions = sessions
        self.model_dir: ModelDir | None = None
        self.data: tuple[np.ndarray, np.ndarray] | None = None
        self.result: FitResult | None = None

        self.input_combo, self.output_combo = QComboBox(), QComboBox()
        self.range_edit = QLineEdit(DEFAULT_RANGE)
        self.range_edit.setToolTip("start:stop:num, a list [..] or a number")
        self.range_edit.setMinimumWidth(110)
        self.range_edit.returnPressed.connect(self.run_fit)
        self.data_button = QPushButton("Training data…")
        self.data_button.clicked.connect(self._choose_data)
        self.fit_button = QPushButton("Plot")
        self.fit_button.clicked.connect(self.run_fit)
        self.status = QLabel("Open a model_dir whose checkpoints have .meta graphs (the tutorial's quadratic example).")
        self.status.setTextFormat(Qt.TextFormat.PlainText)  # messages from files: never markup
        self.status.setWordWrap(True)

        self.plot = pg.PlotWidget(axisItems=readable_axes())
        self.plot.showGrid(x=True, y=True, alpha=0.3)
        self.legend = legend_beside(self.plot)  # outside the data
        self.scalar_model = RowsModel([], self)
        self.scalars = QTableView()
        copying.install(self.scalars)
        self.scalars.setModel(self.scalar_model)
        self.scalars.verticalHeader().hide()
        self.scalars.setMaximumHeight(170)
        self.scalars.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)

        row = QHBoxLayout()
        for label, w in (("Input:", self.input_combo), ("Output:", self.output_combo)):
            row.addWidget(QLabel(label))
            row.addWidget(w, 1)
        row2 = QHBoxLayout()
        row2.addWidget(QLabel("Range:"))
        row2.addWidget(self.range_edit, 1)
        row2.addWidget(self.data_button)
        row2.addWidget(self.fit_button)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addLayout(row2)
        layout.addWidget(self.status)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.scalars)

    def set_model_dir(self, model_dir: ModelDir | None, current: CheckpointInfo | None) -> None:
        old = self.model_dir
        if model_dir is old or (
            model_dir is not None and old is not None and (old.path, old.names()) == (model_dir.path, model_dir.names())
        ):
            return  # the same checkpoints (a snapshot of them): nothing to restore again
        self.model_dir = model_dir
        self.result = None
        self._clear_plot()
        self.input_combo.clear()
        self.output_combo.clear()
        if model_dir is None:
            return
        with_meta = [c for c in model_dir.checkpoints if c.has_meta and c.files_ok]
        if not with_meta:
            self.status.setText("No checkpoint here has a .meta graph: nothing to run.")
            return
        self.data = None
        # Looking for data.csv is disk (or bucket) work: in the reading lane, not here.
        self.runner.submit(
            find_data_file, model_dir.path, tf=False, key="fit-find",
            on_done=lambda p: self.load_data(p) if p is not None else None, on_error=self.status.setText,
        )  # fmt: skip
        probe = current if current in with_meta else with_meta[-1]
        self.status.setText(f"Restoring {probe.name} to find inputs and outputs …")
        self.runner.submit(
            graph_overview, self.sessions, probe,
            key="fit-setup", on_done=self._setup, on_error=self.status.setText, label="Restoring", tf=True,
            with_progress=True,  # a checkpoint in a bucket is fetched first
        )  # fmt: skip

    def _setup(self, overview: GraphOverview) -> None:
        if overview.restore_error:
            self.status.setText(overview.restore_error)
            return
        if not overview.fit_inputs or not overview.fit_outputs:
            self.status.setText("This graph has no float placeholder feeding a float output: nothing to sweep.")
            return
        self.input_combo.addItems(overview.fit_inputs)
        self.output_combo.addItems(overview.fit_outputs)
        self.run_fit()

    def load_data(self, path) -> None:
        self.runner.submit(
            load_xy, path, tf=False, key="fit-data",
            on_done=lambda xy, p=path: self._data(p, xy), on_error=self.status.setText,
        )  # fmt: skip

    def _data(self, path: Path, xy) -> None:
        self.data = xy
        x = xy[0]
        if self.range_edit.text() == DEFAULT_RANGE and x.size:
            self.range_edit.setText(f"{x.min():g}:{x.max():g}:201")
        self.data_loaded.emit(xy)
        self._draw()

    def _choose_data(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Training data (x, y columns)", "", "Data (*.csv *.npy)")
        if path:
            self.load_data(path)

    def run_fit(self) -> None:
        if self.model_dir is None or not self.input_combo.currentText():
            return
        try:
            xs = np.asarray(parse_values(self.range_edit.text()), dtype=np.float64).reshape(-1)
        except CheckpointError as exc:
            self.status.setText(str(exc))
            return
        self.status.setText("Running the restored graphs …")
        self.runner.submit(
            fit_curves, self.sessions, list(self.model_dir.checkpoints),
            self.input_combo.currentText(), self.output_combo.currentText(), xs,
            key="fit", with_progress=True, on_done=self._fitted, on_error=self.status.setText, tf=True,
            label="Fitting",
        )  # fmt: skip

    def _fitted(self, result: FitResult) -> None:
        self.result = result
        self._draw()
        names = list(result.curves)
        text = (
            f"{result.output} over {result.input}, computed by running the restored graph of {len(names)} checkpoints."
        )
        if result.skipped:
            text += " Skipped: " + "; ".join(result.skipped)
        self.status.setText(text)
        headers, rows = scalar_rows(result)
        self.scalar_model.set_rows(rows, headers)
        self.fitted.emit(result)

    def _clear_plot(self) -> None:
        self.plot.clear()
        self.legend.clear()

    def _draw(self) -> None:
        self._clear_plot()
        if self.data is not None:
            x, y = self.data
            self.plot.plot(x, y, pen=None, symbol="o", symbolSize=4, symbolBrush=colours().points,
                           symbolPen=None, name="training data")  # fmt: skip
        if self.result is not None:
            n = len(self.result.curves)
            cmap = pg.colormap.get("plasma")
            for i, (name, ys) in enumerate(self.result.curves.items()):
                colour = cmap.map(0.15 + 0.7 * i / max(n - 1, 1), mode="qcolor")
                self.plot.plot(self.result.xs, ys, pen=pg.mkPen(colour, width=2), name=name)
            self.plot.setLabel("bottom", self.result.input)
            self.plot.setLabel("left", self.result.output)

    def curves(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """What is drawn: legend name -> (x, y)."""
        out = {}
        for item in self.plot.getPlotItem().listDataItems():
            x, y = item.getData()
            out[item.name()] = (x, y)
        return out
