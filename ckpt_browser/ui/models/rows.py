"""A read-only table model over rows of text that core computed (check reports, graph
variables, placeholders, fitted scalars, a checkpoint's files): views show, sort and copy them;
tests read what the user reads through the model, not through widget items."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt
from PySide6.QtGui import QBrush, QColor

from ckpt_browser.ui.palette import colours

ROW_ROLE = Qt.ItemDataRole.UserRole  # the whole row object a view can act on (double-click)


class RowsModel(QAbstractTableModel):
    """Rows of cells; optional per-row tooltips (whole texts), rows marked bad (red), and the
    column whose cells turn red on a bad row."""

    def __init__(self, headers: Sequence[str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._headers = list(headers)
        self._rows: list[tuple[str, ...]] = []
        self._tips: list[tuple[str, ...] | None] = []
        self._bad: list[bool] = []
        self._objects: list[object] = []
        self.bad_column: int | None = None  # None: the whole bad row is red

    def set_rows(
        self,
        rows: Sequence[Sequence[str]],
        headers: Sequence[str] | None = None,
        tips: Sequence[Sequence[str] | None] | None = None,
        bad: Sequence[bool] | None = None,
        objects: Sequence[object] | None = None,
    ) -> None:
        self.beginResetModel()
        if headers is not None:
            self._headers = list(headers)
        self._rows = [tuple(str(c) for c in r) for r in rows]
        self._tips = [tuple(t) if t is not None else None for t in tips] if tips is not None else [None] * len(rows)
        self._bad = list(bad) if bad is not None else [False] * len(rows)
        self._objects = list(objects) if objects is not None else [None] * len(rows)
        self.endResetModel()

    def rows(self) -> list[tuple[str, ...]]:
        return list(self._rows)

    def headers(self) -> list[str]:
        return list(self._headers)

    def is_bad(self, row: int) -> bool:
        return self._bad[row]

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(self._headers)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        r, c = index.row(), index.column()
        if not 0 <= c < len(self._headers):
            return None
        row = self._rows[r]
        if role == Qt.ItemDataRole.DisplayRole:
            return row[c] if c < len(row) else ""
        if role == Qt.ItemDataRole.ToolTipRole:
            tips = self._tips[r]
            return tips[c] if tips is not None and c < len(tips) else (row[c] if c < len(row) else None)
        if role == Qt.ItemDataRole.ForegroundRole and self._bad[r]:
            return QBrush(QColor(colours().bad)) if self.bad_column is None or c == self.bad_column else None
        if role == ROW_ROLE:
            return self._objects[r]
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self._headers[section] if 0 <= section < len(self._headers) else None
        return None
