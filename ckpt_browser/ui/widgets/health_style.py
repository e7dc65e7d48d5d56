"""How the Health tab reads on the screens people have (issue 31): the heatmap's cells off the colour
scale and their legend, the norm curves' legend outside the plot in the window's colours, and the
findings given the room their rows need."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QFontMetrics, QIcon, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QFrame, QListWidget, QListWidgetItem, QSplitter, QTableWidget

# Heatmap cells that are no ratio on the blue-white-red scale: distinct from it, from the amber marker
# and from the plot's background in the light and the dark theme.
NAN_RGBA = (200, 0, 200, 255)  # NaN or Inf in the variable: magenta
FROZEN_RGBA = (128, 128, 128, 255)  # unchanged since the checkpoint before (ratio 0): mid grey


def cells_legend() -> str:
    """The heatmap's cells off the colour scale, as swatches beside words in the window's text colour."""
    swatch = '<span style="color:rgb({},{},{})">■</span>'
    return (
        f"{swatch.format(*NAN_RGBA[:3])} NaN or Inf &nbsp; {swatch.format(*FROZEN_RGBA[:3])} unchanged (frozen)"
        " &nbsp; □ nothing before"
    )


def norms_legend() -> QListWidget:
    """The norm curves' names beside the plot, one a line, in the window's colours; it scrolls when
    the curves are more than its height shows, never covering a line."""
    legend = QListWidget()
    legend.setFrameShape(QFrame.Shape.NoFrame)
    legend.setSelectionMode(QListWidget.SelectionMode.NoSelection)
    legend.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    legend.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    legend.viewport().setAutoFillBackground(False)  # the window's background, its scroll bar the style's
    return legend


def fill_norms_legend(legend: QListWidget, curves: list[tuple[str, str]]) -> None:
    """(colour, name) of each curve: a dash of its colour, its name; the list as wide as the names."""
    legend.clear()
    size = legend.fontMetrics().height()
    for colour, name in curves:
        dash = QPixmap(size, size)
        dash.fill(Qt.GlobalColor.transparent)
        painter = QPainter(dash)
        painter.setPen(QPen(QColor(colour), 2))
        painter.drawLine(0, size // 2, size, size // 2)
        painter.end()
        legend.addItem(QListWidgetItem(QIcon(dash), name))
    widest = max((legend.fontMetrics().horizontalAdvance(n) for _, n in curves), default=0)
    legend.setFixedWidth(min(widest + size + 16 + legend.verticalScrollBar().sizeHint().width(), 200))


def give_findings_room(table: QTableWidget, whole: QSplitter, retry: bool = True) -> None:
    """The findings table as tall as its rows (each detail wrapped to its column), up to 40 % of
    the tab; the heatmap and the plots above share the rest 5:3."""
    table.setWordWrap(True)
    table.resizeRowsToContents()
    rows = sum(table.rowHeight(r) for r in range(table.rowCount()))
    want = rows + table.horizontalHeader().height() + 2 * table.frameWidth() + 4
    total = sum(whole.sizes())
    if total <= 0:  # not laid out yet: once it is
        if retry:
            QTimer.singleShot(0, whole, lambda: give_findings_room(table, whole, retry=False))
        return
    low = min(want, total * 2 // 5)
    rest = total - low
    whole.setSizes([rest * 5 // 8, rest - rest * 5 // 8, low])


def fit_bar_labels(plot, labels: list[str]) -> None:
    """The layer names under the alpha bars, every k-th so that no two run into each other at the
    plot's width (measured in the axis's font; redone when the plot is resized)."""
    if not labels:
        return
    axis = plot.getAxis("bottom")

    fm = QFontMetrics(axis.style.get("tickFont") or plot.font())
    widest = max(fm.horizontalAdvance(t) for t in labels) + fm.averageCharWidth() * 2
    room = plot.getViewBox().width() or plot.width()
    fit = max(1, int(room * len(labels) / (len(labels) + 0.2)) // max(widest, 1))  # bars span n + 0.2 units
    step = max(1, -(-len(labels) // fit))
    axis.setTicks([[(i, t) for i, t in enumerate(labels) if i % step == 0]])
