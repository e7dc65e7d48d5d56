"""The small things of issue 31: View > Theme (system, light, dark) applied at once and remembered for
the next start; the Compare window showing its comparison without a press of Compare."""

from __future__ import annotations

import os
import subprocess
import sys

from PySide6.QtGui import QImage, QPalette
from PySide6.QtWidgets import QApplication

from ckpt_browser.ui.palette import apply_theme, current_theme
from ckpt_browser.ui.settings import Settings
from tests.ui.conftest import TIMEOUT


def _theme_action(window, name: str):
    return next(a for a in window.theme_actions.actions() if a.data() == name)


def test_view_theme_applies_and_is_remembered(qtbot, window, tmp_path, iris_dir):
    app = QApplication.instance()
    before = current_theme()
    assert [a.text() for a in window.theme_actions.actions()] == ["System", "Light", "Dark"]
    assert _theme_action(window, before).isChecked()
    try:
        _theme_action(window, "dark").trigger()
        assert app.palette().color(QPalette.ColorRole.Window).lightness() < 80
        assert _theme_action(window, "dark").isChecked() and not _theme_action(window, "light").isChecked()
        assert Settings(window.settings.path).value("view/theme") == "dark"
        _theme_action(window, "light").trigger()
        assert app.palette().color(QPalette.ColorRole.Window).lightness() > 180
    finally:
        apply_theme(app, before)  # the next tests see the session's palette
    # The next start takes the remembered theme (no --theme): its window is dark.
    window.settings.set_value("view/theme", "dark")
    window.settings.sync()
    shot = tmp_path / "shot.png"
    env = {k: v for k, v in os.environ.items() if k != "CKPT_BROWSER_THEME"}
    env.update(CKPT_BROWSER_CONFIG_DIR=str(window.settings.path.parent), QT_QPA_PLATFORM="offscreen")
    r = subprocess.run(
        [sys.executable, "-m", "ckpt_browser", str(iris_dir), "--size", "1000x700", "--screenshot", str(shot)],
        capture_output=True, text=True, timeout=180, env=env,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-2000:]
    image = QImage(str(shot))
    grey = sorted(image.pixelColor(x, y).lightness() for x in range(0, 1000, 31) for y in range(0, 700, 23))
    assert grey[len(grey) // 2] < 80  # mostly dark


def test_compare_shows_the_comparison_at_once(qtbot, window, open_dir, iris_dir):
    open_dir(iris_dir)
    with qtbot.waitSignal(window.show_diff_window().diff_ready, timeout=TIMEOUT) as compared:
        pass  # no press of Compare
    diff = window.diff_window
    result = compared.args[0]
    assert (result.a.name, result.b.name) == ("model.ckpt-250", "model.ckpt-300")  # the one before, the current
    assert diff.proxy.rowCount() == len(result.rows) > 0
    diff.close()
