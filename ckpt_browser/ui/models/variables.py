"""Tree model of a checkpoint's variables by scope, over core's ScopeNode tree (or, for a big
index read in columns, its ListedNode tree: formats/listed_tree.py)."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from ckpt_browser.core.formats.listed_tree import ListedNode
from ckpt_browser.core.formats.variables import EMA, MODEL, ScopeNode, VariableInfo, build_tree, human_bytes
from ckpt_browser.ui.models.base import FixedColumns, Index
from ckpt_browser.ui.palette import colours

COLUMNS = ("Name", "Shape", "DType", "Params", "Bytes", "Kind")
_KIND_LABEL = {
    "model": "",
    "optimizer": "optimizer",
    "ema": "EMA shadow",
    "global_step": "global step",
    "object_graph": "object graph",
    "other": "other",
}

_ROLES = frozenset(
    int(r)
    for r in (
        Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.FontRole, Qt.ItemDataRole.TextAlignmentRole,
    )
)  # fmt: skip


class VariableTreeModel(FixedColumns, QAbstractItemModel):
    COLUMNS = COLUMNS

    """Never reads tensor values: rows come from the variable list only."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._root = ScopeNode("", "")
        self._italic = QFont()
        self._italic.setItalic(True)
        self._grey = QBrush(QColor(colours().muted))
        self._red = QBrush(QColor(colours().bad))
        self._marks: dict[str, str] = {}  # stored name -> why it is marked (mismatch)

    def set_marks(self, marks: dict[str, str]) -> None:
        # Only colours and tooltips change: a layout refresh keeps selection and expansion
        # (a reset would drop the selected variable and blank the value views).
        self.layoutAboutToBeChanged.emit()
        self._marks = dict(marks)
        self.layoutChanged.emit()

    def marks(self) -> dict[str, str]:
        return dict(self._marks)

    def set_variables(self, variables: list[VariableInfo]) -> None:
        self.set_root(build_tree(variables))

    def set_root(self, root: ScopeNode) -> None:
        """Show a tree built elsewhere (off the UI thread, for big checkpoints)."""
        self.beginResetModel()
        self._root = root
        self.endResetModel()

    def root(self) -> ScopeNode:
        return self._root

    def node(self, index: Index) -> ScopeNode:
        return index.internalPointer() if index.isValid() else self._root

    def variable_at(self, index: Index) -> VariableInfo | None:
        return self.node(index).variable if index.isValid() else None

    def index_of(self, display_name: str) -> QModelIndex:
        node = self._root.find(display_name)
        if node is None or node is self._root:
            return QModelIndex()
        return self.createIndex(node.row, 0, node)

    # -- Qt ----------------------------------------------------------------------
    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        return self.createIndex(row, column, self.node(parent).children[row])

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]
        if not index.isValid():
            return QModelIndex()
        up = index.internalPointer().parent
        if up is None or up is self._root:
            return QModelIndex()
        return self.createIndex(up.row, 0, up)

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        if parent.isValid() and parent.column() != 0:
            return 0
        return len(self.node(parent).children)

    def hasChildren(self, parent: Index = QModelIndex()) -> bool:  # noqa: N802 - Qt's name
        # The view asks this of every row it shows (the expand arrow): a big listing's node says
        # so from its row range, without working out its children until it is expanded.
        if parent.isValid() and parent.column() != 0:
            return False
        node = self.node(parent)
        if isinstance(node, ListedNode):
            return node.hi > node.lo
        return bool(node.children)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if role not in _ROLES or not index.isValid():  # the view asks ~10 roles per cell, we answer 5
            return None
        node: ScopeNode = index.internalPointer()
        v = node.variable
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return node.name
            if col == 3:
                return f"{node.params:,}"
            if v is None:
                return ""
            if col == 1:
                return "[" + ", ".join(str(d) for d in v.shape) + "]"
            if col == 2:
                return v.dtype_text
            if col == 4:
                return human_bytes(v.nbytes)
            if col == 5:
                label = _KIND_LABEL.get(v.kind, v.kind)
                return f"{label}: {v.slot}" if v.slot else label  # a slot the object graph names
        elif role == Qt.ItemDataRole.ForegroundRole and v is not None and v.name in self._marks:
            return self._red
        elif role == Qt.ItemDataRole.ToolTipRole and v is not None:
            text = v.name
            if v.name in self._marks:
                text += "\n" + self._marks[v.name]
            if v.slot_of:
                text += f"\n{'shadow' if v.kind == EMA else 'slot'} of {v.slot_of}"
            if v.stored:
                text += f"\nstored as {v.stored} ({human_bytes(v.nbytes)}), read as {v.dtype}"
            return text
        elif role == Qt.ItemDataRole.ForegroundRole and v is not None and v.kind != MODEL:
            return self._grey
        elif role == Qt.ItemDataRole.FontRole and v is not None and v.kind == EMA:
            return self._italic
        elif role == Qt.ItemDataRole.TextAlignmentRole and col in (3, 4):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None
