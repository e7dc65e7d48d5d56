"""The window's size and pane widths: a first-run layout where every tab and every column of
the checkpoint list shows, and what the user arranged remembered from run to run."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication

DEFAULT_SIZE = (1760, 960)  # a 1920 x 1080 screen; the list, the tree and ten tabs side by side
# Widest usual content of each checkpoint-list column (Checkpoint, Step, Saved, Size, Shards, Meta, Flags).
SAMPLE_ROW = ("model.ckpt-100000", "100000", "2026-12-31 23:59:59", "100.0 MB", "Shards", "Meta", "not in state")


def default_size(fit_screen: bool = True) -> tuple[int, int]:
    """DEFAULT_SIZE, or what the screen leaves (a laptop); a screenshot ignores the screen."""
    w, h = DEFAULT_SIZE
    screen = QGuiApplication.primaryScreen()
    if fit_screen and screen is not None:
        avail = screen.availableGeometry()
        w, h = min(w, avail.width() - 40), min(h, avail.height() - 60)
    return w, h


def sources_width(view) -> int:
    """What the checkpoint list needs for SAMPLE_ROW without cutting a column."""
    fm = view.fontMetrics()
    bold = view.font()
    bold.setBold(True)
    from PySide6.QtGui import QFontMetrics

    names = QFontMetrics(bold).horizontalAdvance(SAMPLE_ROW[0]) + view.indentation() + 12
    rest = sum(fm.horizontalAdvance(text) + 8 for text in SAMPLE_ROW[1:])
    return names + rest + view.verticalScrollBar().sizeHint().width() + 4


def first_layout(window) -> None:
    """No saved layout: the list as wide as its columns, the tabs as wide as their bar. Run once
    the window is shown (sizes given before are redone by the first layout pass)."""
    window.resizeDocks([window.sources_dock], [sources_width(window.sources_view)], Qt.Orientation.Horizontal)
    window.resizeDocks([window.sources_dock, window.details_dock], [520, 260], Qt.Orientation.Vertical)
    split = window.centralWidget()
    available = window.width() - sources_width(window.sources_view) - 24
    tabs = window.value_tabs.tabBar().sizeHint().width() + 16
    split.setSizes([max(available - tabs, 280), tabs])


def restore(window, settings) -> None:
    geometry = settings.value("window/geometry")
    if geometry is not None:
        window.restoreGeometry(geometry)
    state = settings.value("window/state")
    split = settings.value("window/split")
    if state is not None:
        window.restoreState(state)
        if split is not None:
            window.centralWidget().restoreState(split)
    else:
        QTimer.singleShot(0, window, lambda: first_layout(window))


def save(window, settings) -> None:
    settings.set_value("window/geometry", window.saveGeometry())
    settings.set_value("window/state", window.saveState())
    settings.set_value("window/split", window.centralWidget().saveState())
    settings.sync()
