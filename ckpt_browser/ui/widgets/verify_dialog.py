"""Tools > Verify Checkpoints: every tensor's crc32c (or what its format allows checking), per checkpoint,
with progress."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QDialog, QLabel, QProgressBar, QPushButton, QTableView, QVBoxLayout, QWidget

from ckpt_browser.core.formats.variables import human_bytes
from ckpt_browser.core.model_dir.scan import ModelDir
from ckpt_browser.core.values.verify import OK, Report, verify_model_dir
from ckpt_browser.ui import copying
from ckpt_browser.ui.cluster import placed
from ckpt_browser.ui.palette import colours
from ckpt_browser.ui.tasks import TaskRunner
from ckpt_browser.ui.text import esc

COLUMNS = ("Checkpoint", "Status", "Tensors", "Checked", "Problem")


class VerifyModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._report: Report | None = None

    def set_report(self, report: Report | None) -> None:
        self.beginResetModel()
        self._report = report
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() or self._report is None else len(self._report.verdicts)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or self._report is None:
            return None
        v = self._report.verdicts[index.row()]
        problem = v.error or "; ".join(v.problems)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if role == Qt.ItemDataRole.ToolTipRole:
                return "\n".join([v.error] if v.error else v.problems) or None
            return (v.name, v.status, str(v.tensors), human_bytes(v.bytes), problem)[index.column()]
        if role == Qt.ItemDataRole.ForegroundRole and v.status != OK:
            return QBrush(QColor(colours().bad))
        return None


class VerifyDialog(QDialog):
    verified = Signal(object)  # Report

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Verify checkpoints — ckpt-browser")
        self.resize(900, 360)
        self.runner = runner
        self.title = QLabel()
        self.progress = QProgressBar()
        self.model = VerifyModel(self)
        self.table = QTableView()
        copying.install(self.table)
        self.table.setModel(self.model)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        layout = QVBoxLayout(self)
        for w in (self.title, self.progress, self.table, self.summary, close):
            layout.addWidget(w)

    def run(self, md: ModelDir) -> None:
        # "checksum" only where the format keeps one (a TF bundle's crc32c); the others say what was checked.
        self.title.setText(f"Checking every tensor in <b>{esc(md.path)}</b>")
        self.model.set_report(None)
        self.summary.setText("")
        self.progress.setRange(0, 0)
        self.progress.show()
        self.runner.submit(
            placed(self.runner, verify_model_dir), md, key="verify", label="Verifying",
            on_done=self._done, on_error=self._failed, on_progress=self._on_progress,
        )  # fmt: skip

    def _on_progress(self, done: int, total: int) -> None:
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(done)

    def _done(self, report: Report) -> None:
        self.progress.hide()
        self.title.setText(self.title.text().replace("Checking every", "Checked every"))
        self.model.set_report(report)
        self.table.resizeColumnsToContents()
        notes = dict.fromkeys(v.note for v in report.verdicts if v.note)  # Orbax, PyTorch: what was checked
        self.summary.setText("<br>".join(esc(line) for line in (report.summary(), *notes)))
        self.verified.emit(report)

    def _failed(self, message: str) -> None:
        self.progress.hide()
        self.summary.setText(f"<span style='color:{colours().bad}'>{esc(message)}</span>")
