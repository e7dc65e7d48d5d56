"""View > Theme: System, Light or Dark, remembered in the settings and used at the next start (the
command line's --theme and CKPT_BROWSER_THEME come first). A change applies at once to the window's
palette and to the plots already drawn; colours a view worked out when it was built follow at the
next start."""

from __future__ import annotations

from PySide6.QtGui import QAction, QActionGroup, QPalette
from PySide6.QtWidgets import QApplication

from ckpt_browser.ui.palette import THEMES, apply_theme, current_theme

KEY = "view/theme"


def remembered_theme(settings) -> str | None:
    value = settings.value(KEY)
    return value if value in THEMES else None


def add_theme_menu(window, view_menu) -> QActionGroup:
    """The View > Theme submenu of window (its settings hold the choice); the current theme checked.
    Choosing one changes the app state's theme; the window applies it (window_render.py: set_theme)."""
    menu = view_menu.addMenu("&Theme")
    group = QActionGroup(window)
    group.setExclusive(True)
    current = current_theme()  # --theme's, the remembered one's, or the system's
    window.state.set_theme(current)
    for name in THEMES:
        action = QAction(name.capitalize(), window, checkable=True)
        action.setData(name)
        action.setChecked(name == current)
        group.addAction(action)
        menu.addAction(action)
    group.triggered.connect(lambda action: window.state.set_theme(action.data()))
    return group


def set_theme(window, name: str) -> None:
    window.settings.set_value(KEY, name)
    window.settings.sync()
    app = QApplication.instance()
    apply_theme(app, name)
    _recolour_plots(window, app.palette())


def _recolour_plots(window, palette: QPalette) -> None:
    """The plots already drawn: background and axes in the new palette's colours."""
    import sys

    plotting = sys.modules.get("ckpt_browser.ui.plotting")
    if plotting is None:
        return  # no plot yet: they take the palette when made
    pg = plotting.pg
    background, text = palette.color(QPalette.ColorRole.Base), palette.color(QPalette.ColorRole.Text)
    for top in [window, *QApplication.topLevelWidgets()]:
        for plot in top.findChildren(pg.PlotWidget):
            plot.setBackground(background)
            item = plot.getPlotItem()
            for name in ("left", "bottom", "right", "top"):
                axis = item.getAxis(name)
                axis.setTextPen(text)
                axis.setPen(text)
            item.titleLabel.setText(item.titleLabel.text, color=text)
