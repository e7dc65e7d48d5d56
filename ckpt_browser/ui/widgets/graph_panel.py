"""The rebuilt graph of a checkpoint: placeholders, declared vs restored variables, ops,
and evaluating any tensor with typed feeds."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSortFilterProxyModel, QStringListModel, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QCompleter,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ckpt_browser.core.model_dir.scan import CheckpointInfo
from ckpt_browser.core.tf.saved_model import LoadedModels, Signature, read_signatures, run_signature
from ckpt_browser.core.values.fit import (
    GraphOverview,
    Sessions,
    evaluate,
    graph_overview,
    needed_inputs,
    placeholder_rows,
    signature_rows,
    variable_rows,
)
from ckpt_browser.ui import copying
from ckpt_browser.ui.models.rows import RowsModel
from ckpt_browser.ui.palette import colours
from ckpt_browser.ui.tasks import TaskRunner
from ckpt_browser.ui.text import esc
from ckpt_browser.ui.views import Selection, ViewContext
from ckpt_browser.ui.widgets import boxes
from ckpt_browser.ui.widgets.tensor_view import TensorView

ESTIMATOR_OUTPUT = "head/predictions/probabilities"  # a canned classifier's prediction


def _table(model: RowsModel, stretch_all: bool = False) -> QTableView:
    view = QTableView()
    copying.install(view)
    view.setModel(model)
    view.horizontalHeader().setSectionResizeMode(
        QHeaderView.ResizeMode.Stretch if stretch_all else QHeaderView.ResizeMode.ResizeToContents
    )
    if not stretch_all:
        view.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    view.verticalHeader().hide()
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    return view


class _Feed:
    """An input the panel asks for: a placeholder or a signature argument."""

    def __init__(self, name: str, dtype: str, shape_text: str) -> None:
        self.name, self.dtype, self.shape_text = name, dtype, shape_text


class GraphPanel(QWidget):
    overview_ready = Signal(object)  # GraphOverview
    signatures_ready = Signal(object)  # list[Signature]
    evaluated = Signal(object)  # numpy array

    @classmethod
    def create(cls, ctx: ViewContext) -> GraphPanel:
        return cls(ctx.runner, ctx.sessions)

    def show_selection(self, sel: Selection) -> None:
        if sel.saved_model and sel.model_dir is not None:
            self.set_saved_model(sel.model_dir.path)
        else:
            info = sel.checkpoint
            self.set_checkpoint(info if info is not None and info.has_meta else None)

    def __init__(self, runner: TaskRunner, sessions: Sessions, parent=None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.sessions = sessions
        self.info: CheckpointInfo | None = None
        self.overview: GraphOverview | None = None
        self.models = LoadedModels()  # SavedModels, loaded when a signature is first run
        self.saved_model: Path | None = None
        self.signatures: list[Signature] = []

        self.status = QLabel("Select a checkpoint with a .meta file.")
        self.status.setWordWrap(True)
        self.placeholder_model = RowsModel(["Placeholder", "DType", "Shape"], self)
        self.variable_model = RowsModel(
            ["Variable (checkpoint key)", "Declared by graph", "In checkpoint", "DType"], self
        )
        self.signature_model = RowsModel(["Signature", "Inputs", "Outputs"], self)
        self.placeholders = _table(self.placeholder_model)
        self.variables = _table(self.variable_model)

        self.ops_model = QStringListModel(self)
        self.ops_proxy = QSortFilterProxyModel(self)
        self.ops_proxy.setSourceModel(self.ops_model)
        self.ops_proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.ops_filter = QLineEdit()
        self.ops_filter.setPlaceholderText("Search operations")
        self.ops_filter.textChanged.connect(self.ops_proxy.setFilterFixedString)
        self.ops_view = QListView()
        self.ops_view.setModel(self.ops_proxy)
        self.ops_view.setUniformItemSizes(True)
        self.ops_view.doubleClicked.connect(lambda i: self.set_fetch(i.data().split("  ")[0]))
        ops_box = boxes.column(self.ops_filter, self.ops_view)

        self.signature_table = _table(self.signature_model, stretch_all=True)
        self.lists = lists = QTabWidget()
        lists.addTab(self.variables, "Variables")
        lists.addTab(self.placeholders, "Placeholders")
        lists.addTab(ops_box, "Operations")

        self.fetch_edit = QLineEdit()
        self.fetch_edit.setPlaceholderText("tensor to evaluate, e.g. y_est (double-click an operation)")
        self.fetch_edit.editingFinished.connect(self._fetch_changed)
        self.completer = QCompleter(self.ops_model, self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.fetch_edit.setCompleter(self.completer)
        self.signature_combo = QComboBox()  # SavedModels: what to run instead of a tensor
        self.signature_combo.currentIndexChanged.connect(self._signature_changed)
        self.signature_combo.hide()
        self.output_combo = QComboBox()
        self.output_combo.hide()
        self.output_combo.currentTextChanged.connect(self._show_output)
        self._outputs: dict = {}
        self.eval_button = QPushButton("Evaluate")
        self.eval_button.clicked.connect(self.run_evaluate)
        self.feed_form = QFormLayout()
        self.feed_edits: dict[str, QLineEdit] = {}
        self.result = TensorView(runner)
        self.result.clear("The evaluated tensor appears here.")

        eval_box = QWidget()
        el = QVBoxLayout(eval_box)
        el.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(QLabel("Evaluate:"))
        row.addWidget(self.fetch_edit, 1)
        row.addWidget(self.signature_combo, 1)
        row.addWidget(self.eval_button)
        row.addWidget(self.output_combo)
        el.addLayout(row)
        el.addLayout(self.feed_form)
        el.addWidget(self.result, 1)

        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(lists)
        split.addWidget(eval_box)
        split.setSizes([420, 320])
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(split, 1)

    def set_checkpoint(self, info: CheckpointInfo | None) -> None:
        if info is not None and self.info is not None and info.prefix == self.info.prefix and self.overview:
            return
        self._set_saved_model_mode(None)
        self.info, self.overview = info, None
        for m in (self.placeholder_model, self.variable_model):
            m.set_rows([])
        self.ops_model.setStringList([])
        if info is None:
            self.status.setText("Select a checkpoint with a .meta file.")
            return
        self.status.setText(f"Restoring {info.name} into the graph of {info.name}.meta …")
        self.runner.submit(
            graph_overview, self.sessions, info,
            key="graph", on_done=self._show, on_error=self.status.setText, label=f"Restoring {info.name}", tf=True,
            with_progress=True,  # a checkpoint in a bucket is fetched first: the status bar shows how far
        )  # fmt: skip

    # -- SavedModels ----------------------------------------------------------------------
    def set_saved_model(self, folder: Path) -> None:
        """A SavedModel: list its signatures; running one loads the model."""
        if self.saved_model == folder:
            return
        self.info, self.overview = None, None
        self._set_saved_model_mode(folder)
        self.status.setText(f"Reading the signatures of {folder.name} …")
        self.runner.submit(
            read_signatures, folder,
            key="graph", on_done=self._show_signatures, on_error=self.status.setText,
        )  # fmt: skip

    def _set_saved_model_mode(self, folder: Path | None) -> None:
        self.saved_model = folder
        on = folder is not None
        self.fetch_edit.setVisible(not on)
        self.signature_combo.setVisible(on)
        self.output_combo.setVisible(on)
        self.eval_button.setText("Run" if on else "Evaluate")
        index = self.lists.indexOf(self.signature_table)
        if on and index < 0:
            self.lists.insertTab(0, self.signature_table, "Signatures")
            self.lists.setCurrentIndex(0)
        elif not on and index >= 0:
            self.lists.removeTab(index)

    def _show_signatures(self, signatures: list[Signature]) -> None:
        self.signatures = signatures
        self.status.setText(
            f"<b>SavedModel {esc(self.saved_model.name)}</b>: {len(signatures)} signatures. "
            "Its variables are listed on the left; run a signature below."
        )
        self.signature_model.set_rows(signature_rows(signatures))
        self.signature_combo.blockSignals(True)
        self.signature_combo.clear()
        self.signature_combo.addItems([s.name for s in signatures])
        self.signature_combo.blockSignals(False)
        self._signature_changed()
        self.signatures_ready.emit(signatures)

    def _signature_changed(self) -> None:
        sig = next((s for s in self.signatures if s.name == self.signature_combo.currentText()), None)
        if sig is not None:
            self._show_feeds([_Feed(i.key, i.dtype, i.shape_text) for i in sig.inputs])

    def _run_signature(self) -> None:
        name = self.signature_combo.currentText()
        feeds = {k: e.text() for k, e in self.feed_edits.items()}
        self.runner.submit(
            run_signature, self.models, self.saved_model, name, feeds,
            key="graph-eval", on_done=self._show_outputs, on_error=self.result.show_error,
            label=f"Running {name}", tf=True,
        )  # fmt: skip

    def _show_outputs(self, outputs: dict) -> None:
        self._outputs = outputs
        self.output_combo.blockSignals(True)
        self.output_combo.clear()
        self.output_combo.addItems(list(outputs))
        self.output_combo.blockSignals(False)
        self._show_output(self.output_combo.currentText())

    def _show_output(self, key: str) -> None:
        if key in self._outputs:
            self.result.set_tensor(key, self._outputs[key], f"output of {self.signature_combo.currentText()}")
            self.evaluated.emit(self._outputs[key])

    def _show(self, o: GraphOverview) -> None:
        self.overview = o
        bad = [r for r in o.variables if not r.ok]
        text = (
            f"<b>{esc(o.checkpoint)}</b>: {len(o.ops)} operations, {len(o.placeholders)} placeholders, "
            f"{len(o.variables)} variables. "
        )
        if o.restore_error:
            text += f"<span style='color:{colours().bad}'>Not restored: {esc(o.restore_error)}</span>"
        else:
            text += "Restored; the session stays open while the model_dir is."
        if bad:
            text += (
                f"<br><span style='color:{colours().bad}'><b>{len(bad)} variables are declared with other shapes or "
                "dtypes than the checkpoint holds.</b> TensorFlow 2 restores them without an error and "
                "runs with the checkpoint's shapes.</span>"
            )
        if o.inputs:
            text += "<br>" + esc(features_line(o.inputs))
        self.status.setText(text)
        self.placeholder_model.set_rows(placeholder_rows(o))
        self.variable_model.set_rows(variable_rows(o), bad=[not row.ok for row in o.variables])
        self.ops_model.setStringList([f"{name}  ({op})" for name, op in o.ops])
        if o.inputs and not self.fetch_edit.text() and any(n == ESTIMATOR_OUTPUT for n, _ in o.ops):
            self.set_fetch(ESTIMATOR_OUTPUT)  # what the Estimator predicts: its features are then asked for
        self.overview_ready.emit(o)

    def mismatched_rows(self) -> list[tuple[str, str, str]]:
        """(key, declared, stored) for rows shown in red."""
        m = self.variable_model
        return [row[:3] for r, row in enumerate(m.rows()) if m.is_bad(r)]

    # -- evaluating -------------------------------------------------------------------
    def set_fetch(self, name: str) -> None:
        self.fetch_edit.setText(name)
        self._fetch_changed()

    def _fetch_changed(self) -> None:
        fetch = self.fetch_edit.text().strip().split("  ")[0]
        if not fetch or self.info is None:
            return
        self.runner.submit(
            needed_inputs, self.sessions, self.info, fetch,
            key="graph-needs", on_done=self._show_feeds, on_error=self.result.show_error, tf=True,
        )  # fmt: skip

    def _show_feeds(self, placeholders) -> None:
        while self.feed_form.rowCount():
            self.feed_form.removeRow(0)
        old = {k: e.text() for k, e in self.feed_edits.items()}
        self.feed_edits = {}
        for p in placeholders:
            edit = QLineEdit(old.get(p.name, ""))
            if p.dtype == "string":
                edit.setPlaceholderText('text, or a list ["a", "b"]')
            else:
                edit.setPlaceholderText("a number, a list [1, 2], or a range -2:4:201")
            edit.returnPressed.connect(self.run_evaluate)
            self.feed_edits[p.name] = edit
            tensor = getattr(p, "tensor", None)  # an Estimator's feature: the pipeline output it replaces
            label = f"{p.name} ({p.dtype}, {p.shape_text})" + (f", for {tensor}" if tensor else "")
            self.feed_form.addRow(label, edit)

    def run_evaluate(self) -> None:
        if self.saved_model is not None:
            self._run_signature()
            return
        fetch = self.fetch_edit.text().strip().split("  ")[0]
        if not fetch or self.info is None:
            return
        feeds = {name: e.text() for name, e in self.feed_edits.items()}
        self.runner.submit(
            evaluate, self.sessions, self.info, fetch, feeds,
            key="graph-eval", on_done=lambda a, f=fetch: self._show_result(f, a),
            on_error=self.result.show_error, label=f"Evaluating {fetch}", tf=True,
        )  # fmt: skip

    def _show_result(self, fetch: str, value) -> None:
        self.result.set_tensor(fetch, value, f"evaluated in {self.info.name}" if self.info else "")
        self.evaluated.emit(value)


def features_line(inputs) -> str:
    """What feeds an Estimator graph's input pipeline: the features by the keys the model reads them
    as; outputs no feature column names (their key is the tensor itself) said apart, not listed as
    features (issue 31: "fed by feature (IteratorGetNext:1, :2, :4)")."""
    named = [f.key for f in inputs if f.key not in ("labels", f.tensor)]
    unnamed = [f.tensor for f in inputs if f.key == f.tensor]
    parts = []
    if named:
        parts.append(f"its input pipeline is fed by feature ({', '.join(named)})")
    if unnamed:
        what = "output" if len(unnamed) == 1 else "outputs"
        parts.append(f"{len(unnamed)} pipeline {what} no feature column names, fed by tensor ({', '.join(unnamed)})")
    return "An Estimator's graph: " + "; ".join(parts) + "." if parts else "An Estimator's graph."
