"""The Model tab: a Keras file's or TF.js model's layers as model.summary() lists them, and what
will go wrong when it is loaded again (core/checks/keras_checks.py)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHeaderView, QLabel, QTableView, QWidget

from ckpt_browser.core.checks.keras_checks import report
from ckpt_browser.core.formats.reader import open_checkpoint
from ckpt_browser.ui import copying
from ckpt_browser.ui.models.rows import RowsModel
from ckpt_browser.ui.palette import colours
from ckpt_browser.ui.text import esc
from ckpt_browser.ui.views import Selection, ViewContext
from ckpt_browser.ui.widgets import boxes

LAYER_COLUMNS = ("Layer", "Class", "Output", "Params", "Trainable", "Optimizer state")
FINDING_COLUMNS = ("", "About", "What to know before loading it")


def model_report(prefix):
    return report(open_checkpoint(prefix))


class ModelView(QWidget):
    reported = Signal(object)  # keras_checks.Report

    @classmethod
    def create(cls, ctx: ViewContext) -> ModelView:
        return cls(ctx.runner)

    def __init__(self, runner, parent=None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.status = QLabel("Select a Keras file or a TensorFlow.js model.")
        self.status.setWordWrap(True)
        self.layers = RowsModel(LAYER_COLUMNS, self)
        self.findings = RowsModel(FINDING_COLUMNS, self)
        self.findings.bad_column = 0
        tables = []
        for model in (self.layers, self.findings):
            view = QTableView()
            view.setModel(model)
            copying.install(view)
            view.verticalHeader().hide()
            view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
            view.horizontalHeader().setStretchLastSection(True)
            view.setWordWrap(True)
            tables.append(view)
        self.findings_view = tables[1]
        layout = boxes.column(self.status, (tables[0], 3), "Loading it again:", (tables[1], 2))
        outer = boxes.row(layout)
        self.setLayout(outer)

    def show_selection(self, sel: Selection) -> None:
        info = sel.checkpoint
        self.layers.set_rows([])
        self.findings.set_rows([])
        if info is None or not info.file_format.capabilities.model_config:
            self.status.setText("Model summaries are for Keras files (.keras, .h5) and TensorFlow.js models.")
            return
        self.status.setText(f"Reading the model in {info.name} …")
        self.runner.submit(
            model_report, info.prefix, key="model", on_done=lambda r, i=info: self._show(i, r),
            on_error=self.status.setText, label="Reading the model",
        )  # fmt: skip

    def _show(self, info, rep) -> None:
        self.layers.set_rows([
            (r.name, r.class_name, r.output, f"{r.params:,}", f"{r.trainable:,}", f"{r.optimizer:,}")
            for r in rep.layers
        ])  # fmt: skip
        self.findings.set_rows(
            [("warning" if f.warning else "note", f.where, f.text) for f in rep.findings],
            tips=[(f.kind, f.where, f.text) for f in rep.findings],
            bad=[f.warning for f in rep.findings],
        )
        self.findings_view.resizeRowsToContents()
        total = sum(r.params for r in rep.layers)
        warnings = sum(f.warning for f in rep.findings)
        self.status.setText(
            f"<b>{esc(info.name)}</b>: {len(rep.layers)} layers, {total:,} parameters. "
            + (f"<span style='color:{colours().bad}'>{warnings} problem(s) for loading it again.</span>"
               if warnings else
               "Nothing stands in the way of loading it again.")
        )  # fmt: skip
        self.reported.emit(rep)
