"""Table model of a checkpoint diff: one row per variable."""

from __future__ import annotations

import math

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QColor

from ckpt_browser.core.values.diff import CHANGED, ONLY_A, ONLY_B, SAME, CheckpointDiff, DiffRow
from ckpt_browser.ui.models.base import FixedColumns, Index
from ckpt_browser.ui.palette import colours

COLUMNS = ("Variable", "Status", "max |Δ|", "‖Δ‖/‖A‖", "A", "B")
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
STATUS_TEXT = {
    SAME: "identical",
    CHANGED: "changed",
    ONLY_A: "only in A",
    ONLY_B: "only in B",
    "shape": "shape differs",
    "dtype": "dtype differs",
}
_STATUS_COLOUR = {CHANGED: "changed", ONLY_A: "only_one", ONLY_B: "only_one", "shape": "bad", "dtype": "bad"}


def _num(x: float | None) -> str:
    if x is None:
        return ""
    return "inf" if math.isinf(x) else f"{x:.4g}"


class DiffTableModel(FixedColumns, QAbstractTableModel):
    COLUMNS = COLUMNS

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[DiffRow] = []

    def set_diff(self, diff: CheckpointDiff | None) -> None:
        self.beginResetModel()
        self._rows = list(diff.rows) if diff else []
        self.endResetModel()

    def row_at(self, row: int) -> DiffRow:
        return self._rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        r = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                r.display_name,
                STATUS_TEXT[r.status],
                _num(r.max_abs_diff),
                _num(r.rel_change),
                "" if r.shape_a is None else f"{list(r.shape_a)} {r.dtype_a}",
                "" if r.shape_b is None else f"{list(r.shape_b)} {r.dtype_b}",
            )[col]
        if role == SORT_ROLE:
            if col in (2, 3):
                value = r.max_abs_diff if col == 2 else r.rel_change
                return -1.0 if value is None else value
            return self.data(index, Qt.ItemDataRole.DisplayRole)
        if role == Qt.ItemDataRole.ForegroundRole and col == 1 and r.status in _STATUS_COLOUR:
            return QBrush(QColor(getattr(colours(), _STATUS_COLOUR[r.status])))
        if role == Qt.ItemDataRole.ToolTipRole and col == 0:
            return r.name
        return None


class DiffFilterModel(QSortFilterProxyModel):
    """Sorts numbers as numbers; filters by name text and by status."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterKeyColumn(0)
        self._status: str | None = None

    def set_status(self, status: str | None) -> None:
        # Qt 6.10 replaced invalidateFilter() with begin/endFilterChange().
        if hasattr(self, "beginFilterChange"):
            self.beginFilterChange()
            self._status = status
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self._status = status
            self.invalidateFilter()

    def filterAcceptsRow(self, row: int, parent: Index) -> bool:
        model: DiffTableModel = self.sourceModel()
        if self._status is not None and model.row_at(row).status != self._status:
            return False
        return super().filterAcceptsRow(row, parent)
