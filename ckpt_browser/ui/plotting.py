"""pyqtgraph, imported the first time a plot is built, not at start-up: importing it is about half
of a bare PySide6 + pyqtgraph window's start, and the window's first paint shows no plot. Every
view takes pyqtgraph from here, so the options are set once however a plot is first reached."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QGuiApplication, QPalette

__all__ = ["follow_palette", "pg"]


def follow_palette(palette: QPalette) -> None:
    """Plots in the palette's colours (ui/palette.apply_theme calls this when pyqtgraph is in)."""
    pg.setConfigOptions(
        background=palette.color(QPalette.ColorRole.Base).name(),
        foreground=palette.color(QPalette.ColorRole.Text).name(),
    )


pg.setConfigOptions(imageAxisOrder="row-major", antialias=True)
if QGuiApplication.instance() is not None:
    follow_palette(QGuiApplication.palette())
