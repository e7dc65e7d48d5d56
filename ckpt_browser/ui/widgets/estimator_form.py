"""A form for an Estimator config; it writes the same spec text the CLI's --against takes."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QLineEdit, QSpinBox, QWidget

from ckpt_browser.core.estimators import ESTIMATORS, OPTIMIZERS


class EstimatorForm(QWidget):
    changed = Signal(str)  # the spec text

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.kind = QComboBox()
        self.kind.addItems(ESTIMATORS)
        self.hidden_units = QLineEdit("[10, 10]")
        self.n_classes = QSpinBox()
        self.n_classes.setRange(2, 100_000)
        self.n_classes.setValue(3)
        self.label_dimension = QSpinBox()
        self.label_dimension.setRange(1, 100_000)
        self.features = QLineEdit("4")
        self.features.setToolTip("a total input dimension (4), names (['a', 'b']) or {'a': 1, 'emb': 8}")
        self.linear_features = QLineEdit("['a', 'b']")
        self.optimizer = QComboBox()
        self.optimizer.addItems(list(OPTIMIZERS))
        self.linear_optimizer = QComboBox()
        self.linear_optimizer.addItems(list(OPTIMIZERS))
        self.linear_optimizer.setCurrentText("Ftrl")
        self.form = QFormLayout(self)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.form.addRow("Estimator", self.kind)
        self.form.addRow("hidden_units", self.hidden_units)
        self.form.addRow("n_classes", self.n_classes)
        self.form.addRow("label_dimension", self.label_dimension)
        self.form.addRow("feature columns", self.features)
        self.form.addRow("linear feature columns", self.linear_features)
        self.form.addRow("optimizer", self.optimizer)
        self.form.addRow("linear optimizer", self.linear_optimizer)
        for w in (self.kind, self.optimizer, self.linear_optimizer):
            w.currentTextChanged.connect(self._update)
        for w in (self.hidden_units, self.features, self.linear_features):
            w.textChanged.connect(self._update)
        for w in (self.n_classes, self.label_dimension):
            w.valueChanged.connect(self._update)
        self._update()

    def _show_rows(self) -> None:
        """Only the rows the chosen Estimator takes."""
        kind = self.kind.currentText()
        combined = kind.startswith("DNNLinearCombined")
        for widget, visible in (
            (self.hidden_units, kind.startswith("DNN")),
            (self.n_classes, kind.endswith("Classifier")),
            (self.label_dimension, kind.endswith("Regressor")),
            (self.linear_features, combined),
            (self.linear_optimizer, combined),
        ):
            self.form.setRowVisible(widget, visible)

    def _update(self) -> None:
        self._show_rows()
        self.changed.emit(self.spec())

    def set_spec(self, text: str) -> bool:
        """Show a spec typed as text in the form; False (form unchanged) if it does not parse."""
        from ckpt_browser.core.errors import CheckpointError
        from ckpt_browser.core.estimators import parse_spec

        try:
            cfg = parse_spec(text)
        except CheckpointError:
            return False
        names = {"Adagrad": "Adagrad", "Adam": "Adam", "Ftrl": "Ftrl", "RMSprop": "RMSProp", "SGD": "SGD"}
        opts = [names.get(o.label) if not o.v1 and o.scope == o.label else None for o in cfg.optimizers()]
        plain = all(c.kind == "numeric" for c in cfg.dnn_columns + cfg.linear_columns)
        if None in opts or not plain or cfg.batch_norm:
            return False  # more than the form can show: the typed call stays what is checked
        widgets = (self.kind, self.hidden_units, self.n_classes, self.label_dimension, self.features,
                   self.linear_features, self.optimizer, self.linear_optimizer)  # fmt: skip
        for w in widgets:
            w.blockSignals(True)
        self.kind.setCurrentText(cfg.kind)
        self.hidden_units.setText(str(cfg.hidden_units))
        self.n_classes.setValue(cfg.n_classes)
        self.label_dimension.setValue(cfg.label_dimension)
        self.features.setText(_features_text(cfg.dnn_features, cfg.dnn_input_dim) if cfg.has_dnn
                              else _features_text(cfg.linear_features, 0))  # fmt: skip
        self.linear_features.setText(_features_text(cfg.linear_features, 0))
        self.optimizer.setCurrentText(names[(cfg.dnn_optimizer if cfg.has_dnn else cfg.linear_optimizer).label])
        self.linear_optimizer.setCurrentText(names[cfg.linear_optimizer.label])
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
        return f"{kind}({', '.join(args)})"


def _features_text(features: dict[str, int], total: int) -> str:
    if total:
        return str(total)
    if features and all(d == 1 for d in features.values()):
        return str(list(features))
    return str(features)
