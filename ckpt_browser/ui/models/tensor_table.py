"""A virtual table over a 2-D numpy view: one cell formatted when Qt asks for it."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from ckpt_browser.core.values.slicing import formatter

Index = QModelIndex | QPersistentModelIndex


class TensorTableModel(QAbstractTableModel):
    """data() is O(1): index the array, format that one element. Nothing is converted up front,
    so a 30522 x 768 embedding opens at once."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._array = np.zeros((0, 0))
        self._fmt = formatter(self._array.dtype)

    def set_array(self, array2d: np.ndarray) -> None:
        self.beginResetModel()
        self._array = array2d
        self._fmt = formatter(array2d.dtype)
        self.endResetModel()

    def array(self) -> np.ndarray:
        return self._array

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else self._array.shape[0]

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else self._array.shape[1]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._fmt(self._array[index.row(), index.column()])
        if role == Qt.ItemDataRole.TextAlignmentRole and self._array.dtype.kind != "O":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole:
            return str(section)
        return None

    def text_of(self, rows: list[int], cols: list[int]) -> str:
        """Tab-separated text of a rectangular block (for the clipboard)."""
        lines = []
        for r in rows:
            lines.append("\t".join(self._fmt(self._array[r, c]) for c in cols))
        return "\n".join(lines)
