"""Run in a process of its own on an offscreen screen (QT_QPA_PLATFORM=offscreen:configfile=...):
open the window as a user would, select a variable, and print what the user sees as JSON --
the window against the screen, the Name column in characters, which tabs show and which the
overflow menu lists. tests/ui/test_screens.py runs it once per screen size and scaling."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path


def main(model_dir: str, variable: str, shot: str | None) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    from ckpt_browser.ui.app import create_app
    from ckpt_browser.ui.main_window import MainWindow
    from ckpt_browser.ui.settings import Settings
    from ckpt_browser.ui.tasks import TaskRunner

    app = create_app()
    runner = TaskRunner()
    window = MainWindow(runner, Settings(Path(tempfile.mkdtemp()) / "settings.ini"))
    window.show()

    def wait(signal=None, ms: int = 30_000) -> None:
        loop = QEventLoop()
        if signal is not None:
            signal.connect(loop.quit)
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    window.open_path(model_dir, variable=variable)
    wait(window.tensor_loaded)
    wait(ms=300)  # the first-run layout and a paint
    screen = window.screen()
    avail = screen.availableGeometry()
    tree = window.variables.tree
    bar = window.value_tabs.tabBar()
    visible = [bar.tabText(i) for i in range(bar.count()) if bar.tabRect(i).right() <= bar.width() and
               bar.tabRect(i).left() >= 0 and bar.isTabVisible(i)]  # fmt: skip
    menu = window.tabs_menu_button.menu()
    menu.aboutToShow.emit()
    listed = [a.text() for a in menu.actions()]
    out = {
        "screen": [avail.width(), avail.height(), screen.devicePixelRatio()],
        "window": [window.frameGeometry().width(), window.frameGeometry().height()],
        "size": [window.width(), window.height()],
        "name_chars": tree.columnWidth(0) / tree.fontMetrics().averageCharWidth(),
        "name_shown": tree.header().sectionViewportPosition(0) >= 0,
        "tabs": [window.value_tabs.tabText(i) for i in range(window.value_tabs.count())],
        "tabs_visible": visible,
        "tabs_in_menu": listed,
        "tabs_pane": window.value_tabs.width(),
        "tree_pane": window.variables.width(),
    }
    if shot:
        from ckpt_browser.ui.layout import screen_shot

        screen_shot(window).save(shot)
    print(json.dumps(out))
    window.close()
    runner.shutdown(wait=True)
    app.quit()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None)
