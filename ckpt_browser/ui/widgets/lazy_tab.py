"""A tab page whose view is built the first time it is needed (most people never open half the
tabs, and each pyqtgraph plot costs ~10 ms at start-up), and the list of all tabs for a narrow window."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QMenu, QTabWidget, QToolButton, QVBoxLayout, QWidget


class LazyTab(QWidget):
    def __init__(self, factory: Callable[[], QWidget], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._factory = factory
        self._view: QWidget | None = None
        self.shown: tuple | None = None  # the key of the selection the view last showed (the window's)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

    def ensure(self) -> QWidget:
        """The view, built now if it was not yet."""
        if self._view is None:
            self._view = self._factory()
            self.layout().addWidget(self._view)
        return self._view


def tab_list_button(tabs: QTabWidget) -> QToolButton:
    """A button listing every tab of ``tabs`` (the overflow menu): when the bar is narrower than
    its tabs, the ones scrolled out of sight are still a click away."""
    button = QToolButton()
    button.setText("Tabs")
    button.setToolTip("All tabs")
    button.setAutoRaise(True)
    button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
    menu = QMenu(button)
    button.setMenu(menu)

    def fill() -> None:
        menu.clear()
        for i in range(tabs.count()):
            action = menu.addAction(tabs.tabText(i))
            action.setCheckable(True)
            action.setChecked(i == tabs.currentIndex())
            action.triggered.connect(lambda _=False, i=i: tabs.setCurrentIndex(i))

    menu.aboutToShow.connect(fill)
    fill()
    return button
