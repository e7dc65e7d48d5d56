"""A form for an Estimator config. It writes the constructor call the Check tab and the CLI's
--against take, feature columns included, and follows a call typed or pasted as text."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.checks.estimators import ESTIMATORS, OPTIMIZERS, parse_spec

# Column kinds the form can add: label -> (call template, what the number means, uses a dimension)
COLUMN_KINDS = {
    "numeric": ("numeric_column({key!r}, shape={n})", "width", False),
    "categorical (vocabulary)": ("categorical_column_with_vocabulary_list({key!r}, {vocab})", "words", False),
    "categorical (identity)": ("categorical_column_with_identity({key!r}, {n})", "ids", False),
    "categorical (hash)": ("categorical_column_with_hash_bucket({key!r}, {n})", "buckets", False),
    "bucketized": ("bucketized_column(numeric_column({key!r}), {bounds})", "buckets", False),
    "indicator": ("indicator_column(categorical_column_with_identity({key!r}, {n}))", "ids", False),
    "embedding": ("embedding_column(categorical_column_with_identity({key!r}, {n}), {dim})", "ids", True),
}
_OPT_COMBO = {"Adagrad": "Adagrad", "Adam": "Adam", "Ftrl": "Ftrl", "RMSprop": "RMSProp", "SGD": "SGD"}


def column_call(kind: str, key: str, n: int, dim: int) -> str:
    """The tf.feature_column call the form adds for a column of this kind."""
    template = COLUMN_KINDS[kind][0]
    vocab = [f"w{i}" for i in range(n)]  # the words do not matter to the shapes, only how many
    bounds = [float(i) for i in range(n - 1)]
    return template.format(key=key, n=n, dim=dim, vocab=vocab, bounds=bounds)


class EstimatorForm(QWidget):
    changed = Signal(str)  # the spec text

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.kind = QComboBox()
        self.kind.addItems(ESTIMATORS)
        self.hidden_units = QLineEdit("[10, 10]")
        self.batch_norm = QCheckBox("batch_norm")
        self.n_classes = QSpinBox()
        self.n_classes.setRange(2, 100_000)
        self.n_classes.setValue(3)
        self.label_dimension = QSpinBox()
        self.label_dimension.setRange(1, 100_000)
        self.features = QLineEdit("4")
        self.features.setToolTip(
            "feature columns: [numeric_column('x'), embedding_column(...)], or names (['a', 'b']), "
            "{'a': 1, 'b': 3}, or a DNN's total input width (4)"
        )
        self.linear_features = QLineEdit("['a', 'b']")
        self.optimizer = QComboBox()
        self.optimizer.addItems(list(OPTIMIZERS))
        self.linear_optimizer = QComboBox()
        self.linear_optimizer.addItems(list(OPTIMIZERS))
        self.linear_optimizer.setCurrentText("Ftrl")
        # Adding a column by kind: the form writes its tf.feature_column call into the list.
        self.column_kind = QComboBox()
        self.column_kind.addItems(list(COLUMN_KINDS))
        self.column_key = QLineEdit()
        self.column_key.setPlaceholderText("feature key")
        self.column_n = QSpinBox()
        self.column_n.setRange(1, 10_000_000)
        self.column_n.setValue(1)
        self.column_dim = QSpinBox()
        self.column_dim.setRange(1, 100_000)
        self.column_dim.setValue(8)
        self.column_dim.setPrefix("dimension ")
        self.column_target = QComboBox()
        self.column_target.addItems(["dnn", "linear"])
        self.add_column = QPushButton("Add column")
        self.add_column.clicked.connect(self._add_column)
        add_row = QHBoxLayout()
        for w in (
            self.column_kind,
            self.column_key,
            self.column_n,
            self.column_dim,
            self.column_target,
            self.add_column,
        ):
            add_row.addWidget(w)
        self.add_box = QWidget()
        self.add_box.setLayout(add_row)
        add_row.setContentsMargins(0, 0, 0, 0)

        self.form = QFormLayout(self)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.form.addRow("Estimator", self.kind)
        self.form.addRow("hidden_units", self.hidden_units)
        self.form.addRow("", self.batch_norm)
        self.form.addRow("n_classes", self.n_classes)
        self.form.addRow("label_dimension", self.label_dimension)
        self.form.addRow("feature columns", self.features)
        self.form.addRow("linear feature columns", self.linear_features)
        self.form.addRow("add a column", self.add_box)
        self.form.addRow("optimizer", self.optimizer)
        self.form.addRow("linear optimizer", self.linear_optimizer)
        for w in (self.kind, self.optimizer, self.linear_optimizer):
            w.currentTextChanged.connect(self._update)
        self.column_kind.currentTextChanged.connect(self._update_add_row)
        for w in (self.hidden_units, self.features, self.linear_features):
            w.textChanged.connect(self._update)
        for w in (self.n_classes, self.label_dimension):
            w.valueChanged.connect(self._update)
        self.batch_norm.toggled.connect(self._update)
        self._update_add_row()
        self._update()

    def _show_rows(self) -> None:
        """Only the rows the chosen Estimator takes."""
        kind = self.kind.currentText()
        combined = kind.startswith("DNNLinearCombined")
        for widget, visible in (
            (self.hidden_units, kind.startswith("DNN")),
            (self.batch_norm, kind.startswith("DNN")),
            (self.n_classes, kind.endswith("Classifier")),
            (self.label_dimension, kind.endswith("Regressor")),
            (self.linear_features, combined),
            (self.linear_optimizer, combined),
        ):
            self.form.setRowVisible(widget, visible)
        self.column_target.setVisible(combined)

    def _update_add_row(self) -> None:
        _, what, uses_dim = COLUMN_KINDS[self.column_kind.currentText()]
        self.column_n.setPrefix(f"{what} ")
        self.column_dim.setVisible(uses_dim)

    def _add_column(self) -> None:
        key = self.column_key.text().strip() or "x"
        call = column_call(self.column_kind.currentText(), key, self.column_n.value(), self.column_dim.value())
        combined = self.kind.currentText().startswith("DNNLinearCombined")
        linear = self.kind.currentText().startswith("Linear") or (
            combined and self.column_target.currentText() == "linear"
        )
        field = self.linear_features if combined and linear else self.features
        current = field.text().strip()
        if current.startswith("[") and current.endswith("]") and current != "[]":
            field.setText(current[:-1] + ", " + call + "]")
        else:  # a total width, names or a dict: start a list of columns
            field.setText(f"[{call}]")

    def _update(self) -> None:
        self._show_rows()
        self.changed.emit(self.spec())

    def set_spec(self, text: str) -> bool:
        """Show a call typed or pasted as text in the form; False (form unchanged) if it does not
        parse or says more than the form can (then the text stays what is checked)."""

        try:
            cfg = parse_spec(text)
        except CheckpointError:
            return False
        opts = [_OPT_COMBO.get(o.label) if not o.v1 and o.scope == o.label else None for o in cfg.optimizers()]
        if None in opts or "\n" in text.strip() or any(k.endswith("feature_columns") and v.isidentifier()
                                                        for k, v in cfg.source.items()):  # fmt: skip
            return False  # a pasted script, names bound above the call, or optimizer instances
        widgets = (self.kind, self.hidden_units, self.n_classes, self.label_dimension, self.features,
                   self.linear_features, self.optimizer, self.linear_optimizer, self.batch_norm)  # fmt: skip
        for w in widgets:
            w.blockSignals(True)
        combined = cfg.kind.startswith("DNNLinearCombined")
        self.kind.setCurrentText(cfg.kind)
        self.hidden_units.setText(str(cfg.hidden_units))
        self.batch_norm.setChecked(cfg.batch_norm)
        self.n_classes.setValue(cfg.n_classes)
        self.label_dimension.setValue(cfg.label_dimension)
        src = cfg.source
        self.features.setText(src.get("dnn_feature_columns" if combined else "feature_columns", ""))
        self.linear_features.setText(src.get("linear_feature_columns", self.linear_features.text()))
        main_opt = cfg.dnn_optimizer if cfg.has_dnn else cfg.linear_optimizer
        self.optimizer.setCurrentText(_OPT_COMBO[main_opt.label])
        self.linear_optimizer.setCurrentText(_OPT_COMBO[cfg.linear_optimizer.label])
        for w in widgets:
            w.blockSignals(False)
        self._show_rows()
        return True

    def spec(self) -> str:
        kind = self.kind.currentText()
        args = []
        combined = kind.startswith("DNNLinearCombined")
        if kind.startswith("DNN"):
            args.append(f"{'dnn_hidden_units' if combined else 'hidden_units'}={self.hidden_units.text().strip()}")
        if kind.endswith("Classifier"):
            args.append(f"n_classes={self.n_classes.value()}")
        else:
            args.append(f"label_dimension={self.label_dimension.value()}")
        if combined:
            args.append(f"dnn_feature_columns={self.features.text().strip()}")
            args.append(f"linear_feature_columns={self.linear_features.text().strip()}")
            args.append(f"dnn_optimizer='{self.optimizer.currentText()}'")
            args.append(f"linear_optimizer='{self.linear_optimizer.currentText()}'")
        else:
            args.append(f"feature_columns={self.features.text().strip()}")
            args.append(f"optimizer='{self.optimizer.currentText()}'")
        if kind.startswith("DNN") and self.batch_norm.isChecked():
            args.append("batch_norm=True")
        return f"{kind}({', '.join(args)})"
