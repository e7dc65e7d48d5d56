"""A tab page whose view is built the first time it is needed: most people never open half the
tabs, and each pyqtgraph plot costs ~10 ms at start-up (the window must show in well under a second)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QVBoxLayout, QWidget


class LazyTab(QWidget):
    def __init__(self, factory: Callable[[], QWidget], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._factory = factory
        self._view: QWidget | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

    def ensure(self) -> QWidget:
        """The view, built now if it was not yet."""
        if self._view is None:
            self._view = self._factory()
            self.layout().addWidget(self._view)
        return self._view
