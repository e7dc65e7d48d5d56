"""The Files tab: the current checkpoint's files, their sizes and checksum status; Verify
checks every tensor's crc32c and marks the shard that holds a corrupt one."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QHeaderView, QLabel, QPushButton, QTableView, QVBoxLayout, QWidget

from ckpt_browser.core.values.files import COLUMNS, checkpoint_files, file_cells, with_verdict
from ckpt_browser.core.values.verify import verify
from ckpt_browser.ui import copying
from ckpt_browser.ui.models.rows import RowsModel
from ckpt_browser.ui.views import Selection, ViewContext


class FilesView(QWidget):
    listed = Signal(object)  # list[FileRow]

    @classmethod
    def create(cls, ctx: ViewContext) -> FilesView:
        return cls(ctx.runner)

    def __init__(self, runner, parent=None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.info = None
        self.rows = []
        self.model = RowsModel(COLUMNS, self)
        self.model.bad_column = 3
        table = QTableView()
        copying.install(table)
        table.setModel(self.model)
        table.verticalHeader().hide()
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        table.horizontalHeader().setStretchLastSection(True)
        self.status = QLabel("Select a checkpoint.")
        self.status.setTextFormat(Qt.TextFormat.PlainText)  # messages from files: never markup
        self.status.setWordWrap(True)
        self.verify_button = QPushButton("Verify")
        self.verify_button.setToolTip("Read every tensor of this checkpoint and check its crc32c")
        self.verify_button.clicked.connect(self.run_verify)
        row = QHBoxLayout()
        row.addWidget(self.status, 1)
        row.addWidget(self.verify_button)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(table, 1)

    def show_selection(self, sel: Selection) -> None:
        self.info = sel.checkpoint
        self.model.set_rows([])
        self.verify_button.setEnabled(self.info is not None and self.info.on_disk)
        if self.info is None:
            self.status.setText("Select a checkpoint.")
            return
        self.status.setText(f"Listing the files of {self.info.name} …")
        self.runner.submit(
            checkpoint_files, self.info, key="files", on_done=self._show, on_error=self.status.setText,
            label="Listing files",
        )  # fmt: skip

    def _show(self, rows) -> None:
        self.rows = rows
        self.model.set_rows(file_cells(rows), tips=file_cells(rows), bad=[r.bad for r in rows])
        total = sum(r.size for r in rows)
        self.status.setText(f"{self.info.name}: {len(rows)} files, {total:,} bytes")
        self.listed.emit(rows)

    def run_verify(self) -> None:
        if self.info is None:
            return
        info = self.info
        self.runner.submit(
            verify, [info], key="files-verify", label=f"Verifying {info.name}", with_progress=True,
            on_done=lambda report, i=info: self._verified(i, report.verdicts[0]), on_error=self.status.setText,
        )  # fmt: skip

    def _verified(self, info, verdict) -> None:
        if info is not self.info:
            return  # another checkpoint is on show now
        self._show(with_verdict(self.rows, verdict))
        self.status.setText(f"{info.name}: {verdict.status}, {verdict.tensors} tensors checked")
