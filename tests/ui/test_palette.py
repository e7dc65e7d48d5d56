"""One palette: the colours follow the application's light or dark system palette."""

from __future__ import annotations

from PySide6.QtGui import QColor, QGuiApplication, QPalette

from ckpt_browser.ui.palette import DARK, LIGHT, colours


def test_colours_follow_the_system_palette(qapp):
    before = QGuiApplication.palette()
    try:
        dark = QPalette(before)
        dark.setColor(QPalette.ColorRole.Window, QColor("#202124"))
        dark.setColor(QPalette.ColorRole.WindowText, QColor("#e8eaed"))
        QGuiApplication.setPalette(dark)
        assert colours() == DARK
        light = QPalette(before)
        light.setColor(QPalette.ColorRole.Window, QColor("#f0f0f0"))
        QGuiApplication.setPalette(light)
        assert colours() == LIGHT
    finally:
        QGuiApplication.setPalette(before)


def test_each_meaning_reads_on_its_background():
    # Text colours keep a contrast ratio of at least 3:1 (WCAG's large-text floor) on the window
    # colour of their theme: a red that reads on white is not the red that reads on dark grey.
    def luminance(hex_colour: str) -> float:
        c = QColor(hex_colour)
        channels = []
        for v in (c.redF(), c.greenF(), c.blueF()):
            channels.append(v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4)
        r, g, b = channels
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    def contrast(a: str, b: str) -> float:
        la, lb = sorted((luminance(a), luminance(b)), reverse=True)
        return (la + 0.05) / (lb + 0.05)

    for theme, background in ((LIGHT, "#ffffff"), (DARK, "#202124")):
        for name in ("bad", "muted", "note", "changed", "only_one", "curve", "deleted"):
            assert contrast(getattr(theme, name), background) >= 3.0, (name, background)
