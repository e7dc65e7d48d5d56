"""Help > Keyboard Shortcuts: every menu command with its keys, read from the menus themselves
(so the list cannot fall behind them), and the keys that work inside lists and tables."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDialog, QHeaderView, QTableWidget, QTableWidgetItem, QVBoxLayout

IN_VIEWS = (  # keys of the lists and tables themselves, not of a menu
    ("Copy the selection (values at full precision)", "Ctrl+C"),
    ("Context menu: copy name, value, NumPy literal, export", "Right click / Menu key"),
    ("Evaluate (Graph tab, in a feed field)", "Enter"),
    ("Move through checkpoints, variables, rows", "Up / Down"),
)


def on_keyboards(keys: QKeySequence) -> bool:
    """Keys every keyboard has: not the media and launch keys (Qt.Key_Back onward) a platform adds to a
    standard binding (Open's "Open" key beside Ctrl+O, which the list showed as "Ctrl+O, Open")."""
    return not keys.isEmpty() and keys[0].key().value < Qt.Key.Key_Back.value


def menu_shortcuts(menu_bar) -> list[tuple[str, str]]:
    """(menu > command, keys) of every menu action that has keys, in menu order."""
    out: list[tuple[str, str]] = []

    def walk(menu, path: str) -> None:
        for action in menu.actions():
            if action.menu() is not None:
                walk(action.menu(), f"{path}{action.menu().title().replace('&', '')} > ")
                continue
            keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts() if on_keyboards(k)]
            if keys and action.text():
                out.append((path + action.text().replace("&", "").replace("…", ""), ", ".join(keys)))

    for top in menu_bar.actions():
        if top.menu() is not None:
            walk(top.menu(), f"{top.menu().title().replace('&', '')} > ")
    return out


class ShortcutsDialog(QDialog):
    def __init__(self, rows: list[tuple[str, str]], parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard Shortcuts")
        self.table = QTableWidget(len(rows), 2)
        self.table.setHorizontalHeaderLabels(["Command", "Keys"])
        self.table.verticalHeader().hide()
        for r, (what, keys) in enumerate(rows):
            self.table.setItem(r, 0, QTableWidgetItem(what))
            self.table.setItem(r, 1, QTableWidgetItem(keys))
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        self.resize(620, 520)

    def rows(self) -> list[tuple[str, str]]:
        return [(self.table.item(r, 0).text(), self.table.item(r, 1).text()) for r in range(self.table.rowCount())]
