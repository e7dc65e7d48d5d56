"""The window's colours in one place: what each means (bad, changed, muted, ...), for a light and a
dark system palette. Widgets ask ``colours()`` when they paint or build, never write a hex code.
The plots take their background and text from the application's palette (``plot_colours``), and
``--theme dark`` / ``light`` sets a palette where the system gives none."""

from __future__ import annotations

import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class Colours:
    bad: str  # an error, a corrupt file, a shape that does not fit
    bad_background: str  # behind text that is wrong (an invalid filter)
    muted: str  # secondary text: where a value came from, "select a variable"
    note: str  # a note beside a value (how it was read)
    note_background: str  # the model_dir's own problems, kept in sight under the list
    note_text: str
    changed: str  # diff: values differ
    only_one: str  # diff: in one checkpoint only
    faint: str  # guides: checkpoint marks, raw curves under smoothed ones
    points: tuple[int, int, int, int]  # scatter points (RGBA)
    fill: tuple[int, int, int, int]  # histogram bars (RGBA)
    series: tuple[str, ...]  # curves, in order: one colour per run or per curve

    @property
    def curve(self) -> str:
        return self.series[0]

    @property
    def deleted(self) -> str:
        return self.series[3]


# Matplotlib's tab10 for curves: distinct for most colour-blind readers, on white and on dark grey.
_SERIES = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd")

LIGHT = Colours(
    bad="#b00020",
    bad_background="#ffe0e0",
    muted="#707070",
    note="#8a5a00",
    note_background="#fff4ce",
    note_text="#5c4400",
    changed="#1f5fbf",
    only_one="#b06000",
    faint="#888888",
    points=(120, 120, 120, 160),
    fill=(31, 119, 180, 120),
    series=_SERIES,
)

DARK = Colours(
    bad="#ff6b81",
    bad_background="#5a1a22",
    muted="#a0a0a0",
    note="#e0b050",
    note_background="#3d3420",
    note_text="#f0dca0",
    changed="#6fa8ff",
    only_one="#ffb060",
    faint="#9a9a9a",
    points=(190, 190, 190, 160),
    fill=(90, 160, 230, 140),
    series=("#4c9be8", "#ffa040", "#50c050", "#ff6060", "#b890e0"),
)


def is_dark(window_lightness: int) -> bool:
    """A palette whose window colour is darker than mid-grey is a dark theme."""
    return window_lightness < 128


def colours() -> Colours:
    """The colours for the application's current palette (light before a QApplication exists)."""
    from PySide6.QtGui import QGuiApplication, QPalette

    app = QGuiApplication.instance()
    if app is None:
        return LIGHT
    window = QGuiApplication.palette().color(QPalette.ColorRole.Window)
    return DARK if is_dark(window.lightness()) else LIGHT


THEMES = ("system", "light", "dark")


def dark_qpalette():
    """A dark QPalette for --theme dark (the Fusion style's roles, in greys and the series blue)."""
    from PySide6.QtGui import QColor, QPalette

    p = QPalette()
    roles = QPalette.ColorRole
    for role, colour in (
        (roles.Window, "#2b2b2b"), (roles.WindowText, "#e6e6e6"), (roles.Base, "#1f1f1f"),
        (roles.AlternateBase, "#2a2a2a"), (roles.Text, "#e6e6e6"), (roles.Button, "#353535"),
        (roles.ButtonText, "#e6e6e6"), (roles.Highlight, "#2f65ca"), (roles.HighlightedText, "#ffffff"),
        (roles.ToolTipBase, "#3a3a3a"), (roles.ToolTipText, "#e6e6e6"), (roles.PlaceholderText, "#8a8a8a"),
        (roles.Link, "#6fa8ff"), (roles.BrightText, "#ff6b81"), (roles.Mid, "#6a6a6a"), (roles.Dark, "#5a5a5a"),
        (roles.Light, "#7a7a7a"), (roles.Midlight, "#4a4a4a"), (roles.Shadow, "#101010"),
    ):  # fmt: skip
        p.setColor(role, QColor(colour))
    for role in (roles.Text, roles.WindowText, roles.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor("#7a7a7a"))
    return p


_SYSTEM = None  # (style name, QPalette) the application started with
_CURRENT = "system"


def current_theme() -> str:
    """The theme apply_theme last applied: system, light or dark."""
    return _CURRENT


def apply_theme(app, theme: str = "system") -> None:
    """The palette to use: the system's (its light or dark scheme), or a chosen one; then the
    plots' background and text to match it (now if pyqtgraph is in, else when it is imported:
    ui/plotting.py)."""

    global _SYSTEM, _CURRENT
    _CURRENT = theme if theme in THEMES else "system"
    if _SYSTEM is None:  # what the system gave, for View > Theme > System after another one
        _SYSTEM = (app.style().name(), app.palette())
    if theme == "dark":
        app.setStyle("Fusion")
        app.setPalette(dark_qpalette())
    elif theme == "light":
        app.setStyle("Fusion")
        app.setPalette(app.style().standardPalette())
    elif theme == "system" and (app.style().name() != _SYSTEM[0] or app.palette() != _SYSTEM[1]):
        app.setStyle(_SYSTEM[0])
        app.setPalette(_SYSTEM[1])
    plotting = sys.modules.get("ckpt_browser.ui.plotting")
    if plotting is not None:
        plotting.follow_palette(app.palette())
