"""Tools > Map onto PyTorch: will this TF checkpoint map onto a PyTorch / safetensors file (`ckpt-browser
map` in the window). A row per TF variable -- its PyTorch tensor, transposed or not, proved by value
or what is wrong -- then what is left over on either side with its nearest candidates."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ckpt_browser.core.values.mapping import OK, Mapping, map_checkpoint
from ckpt_browser.core.values.mapping_rules import BUILT_IN
from ckpt_browser.ui import copying
from ckpt_browser.ui.palette import colours
from ckpt_browser.ui.tasks import TaskRunner
from ckpt_browser.ui.text import esc

COLUMNS = ("TensorFlow", "PyTorch", "Transposed", "Status", "Detail")
GUESS = "guess from the names"


def rows_of(m: Mapping) -> list[tuple[str, str, str, str, str]]:
    """The table's rows: pairs (failing first), then each side's leftovers."""
    rows = []
    for p in sorted(m.pairs, key=lambda p: (p.status == OK, p.tf)):
        proof = "equal by value" if p.by_value and p.status == OK else ""
        rows.append((p.tf, p.torch, "yes" if p.transposed else "", p.status, p.detail or proof))
    for x in m.tf_left:
        near = f"nearest: {', '.join(x.nearest)}" if x.nearest else ""
        rows.append((x.name, x.expected, "", "no PyTorch tensor", near))
    for x in m.torch_left:
        near = f"nearest TF: {', '.join(x.nearest)}" if x.nearest else ""
        rows.append(("", x.name, "", "no TF variable", near))
    return rows


class MapModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.rows: list[tuple[str, str, str, str, str]] = []

    def set_mapping(self, m: Mapping | None) -> None:
        self.beginResetModel()
        self.rows = rows_of(m) if m is not None else []
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return row[index.column()] or None
        if role == Qt.ItemDataRole.ForegroundRole and row[3] != OK:
            return QBrush(QColor(colours().bad))
        return None


class MapDialog(QDialog):
    mapped = Signal(object)  # Mapping

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Map onto PyTorch — ckpt-browser")
        self.resize(1000, 480)
        self.runner = runner
        self.tf_path = QLineEdit()
        self.torch_path = QLineEdit()
        self.torch_path.setPlaceholderText(".pt / .bin / .safetensors, an index.json, or a save_pretrained folder")
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._choose)
        self.rules = QComboBox()
        self.rules.setEditable(True)  # a rules file's path may be typed
        self.rules.addItems([GUESS, *BUILT_IN])
        self.values = QCheckBox("Prove transposes by value (reads both files' tensors)")
        self.values.setChecked(True)
        self.run_button = QPushButton("Map")
        self.run_button.clicked.connect(self.run)
        torch_row = QHBoxLayout()
        torch_row.addWidget(self.torch_path)
        torch_row.addWidget(browse)
        form = QFormLayout()
        form.addRow("TF checkpoint", self.tf_path)
        form.addRow("PyTorch file", torch_row)
        form.addRow("Rules", self.rules)
        form.addRow("", self.values)
        self.model = MapModel(self)
        self.table = QTableView()
        copying.install(self.table)
        self.table.setModel(self.model)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.run_button)
        layout.addWidget(self.table)
        layout.addWidget(self.summary)

    def set_checkpoint(self, tf_path: str) -> None:
        self.tf_path.setText(tf_path)

    def _choose(self) -> None:
        kinds = "Weights (*.pt *.pth *.bin *.safetensors *.json);;All files (*)"
        path, _ = QFileDialog.getOpenFileName(self, "PyTorch or safetensors file", "", kinds)
        if path:
            self.torch_path.setText(path)

    def run(self) -> None:
        tf, torch = self.tf_path.text().strip(), self.torch_path.text().strip()
        if not tf or not torch:
            self._failed("name a TF checkpoint and a PyTorch file")
            return
        rules = self.rules.currentText().strip()
        self.model.set_mapping(None)
        self.summary.setText("Mapping…")
        self.run_button.setEnabled(False)
        self.runner.submit(
            map_checkpoint, tf, torch, None if rules in ("", GUESS) else rules, self.values.isChecked(),
            key="map", label="Mapping onto PyTorch", on_done=self._done, on_error=self._failed,
        )  # fmt: skip

    def _done(self, m: Mapping) -> None:
        self.run_button.setEnabled(True)
        self.model.set_mapping(m)
        self.table.resizeColumnsToContents()
        verdict = "every model weight maps" if m.ok else "does not map"
        transposed = sum(p.transposed for p in m.pairs)
        left = f"{len(m.tf_left)} TF and {len(m.torch_left)} PyTorch left over"
        counts = (
            f"{len(m.pairs)} paired ({transposed} transposed), {len(m.failing)} wrong, {left}, {len(m.skipped)} skipped"
        )
        colour = colours().bad if not m.ok else ""
        text = f"<b>{esc(verdict)}</b>: {esc(counts)}" + "".join(f"<br>{esc(n)}" for n in m.notes)
        self.summary.setText(f"<span style='color:{colour}'>{text}</span>" if colour else text)
        self.mapped.emit(m)

    def _failed(self, message: str) -> None:
        self.run_button.setEnabled(True)
        self.summary.setText(f"<span style='color:{colours().bad}'>{esc(message)}</span>")
