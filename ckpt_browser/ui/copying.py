"""Right-click menus and Ctrl+C on every list and table: copy what is selected, as shown or at
full precision, and whatever else a view adds (copy a variable's name, export). One place, so
every view behaves alike."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPoint, Qt
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QMenu

# (menu, index under the cursor): a view adds its own actions to the menu.
MenuFiller = Callable[[QMenu, QModelIndex], None]


def set_clipboard(text: str) -> None:
    QGuiApplication.clipboard().setText(text)


def selected_text(view: QAbstractItemView) -> str:
    """The selected cells as tab-separated lines, in the order they show (rows, then columns)."""
    indexes = view.selectionModel().selectedIndexes() if view.selectionModel() else []
    if not indexes:
        current = view.currentIndex()
        indexes = [current] if current.isValid() else []
    rows: dict[tuple, dict[int, str]] = {}
    for i in indexes:
        key = _row_key(i)
        rows.setdefault(key, {})[i.column()] = str(i.data() or "")
    return "\n".join("\t".join(cells[c] for c in sorted(cells)) for _, cells in sorted(rows.items()))


def _row_key(index: QModelIndex) -> tuple:
    path = []
    while index.isValid():
        path.append(index.row())
        index = index.parent()
    return tuple(reversed(path))


def row_text(index: QModelIndex) -> str:
    """Every column of the index's row, tab-separated."""
    model = index.model()
    cells = [model.index(index.row(), c, index.parent()).data() for c in range(model.columnCount(index.parent()))]
    return "\t".join("" if c is None else str(c) for c in cells)


class _CopyKey(QObject):
    def __init__(self, parent: QObject, copy: Callable[[], None]) -> None:
        super().__init__(parent)
        self._copy = copy

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        kind = event.type()
        keys = (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress)
        if kind in keys and event.matches(QKeySequence.StandardKey.Copy):
            event.accept()
            if kind == QEvent.Type.KeyPress:
                self._copy()
            return True
        return False


def install(
    view: QAbstractItemView, fill: MenuFiller | None = None, copy: Callable[[], str] | None = None
) -> Callable[[QPoint], QMenu]:
    """A context menu on the view (Copy, Copy Row, then fill's actions) and Ctrl+C copying
    copy() (default: the selected cells as shown). Returns the function that builds the menu at
    a point, so tests can look at it without a mouse."""
    copy = copy or (lambda: selected_text(view))
    # The view's own Ctrl+C copies one cell as shown: ours takes the key first.
    view.installEventFilter(_CopyKey(view, lambda: set_clipboard(copy())))

    def build(pos: QPoint) -> QMenu:
        index = view.indexAt(pos)
        menu = QMenu(view)
        menu.addAction("Copy", QKeySequence.StandardKey.Copy, lambda: set_clipboard(copy()))
        if index.isValid():
            menu.addAction("Copy Row", lambda: set_clipboard(row_text(index)))
        if fill is not None:
            fill(menu, index)
        return menu

    view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
    view.customContextMenuRequested.connect(lambda pos: build(pos).exec(view.viewport().mapToGlobal(pos)))
    view.menu_at = build  # what a right click at a point shows (tests look at it)
    return build
