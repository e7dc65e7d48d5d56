"""QApplication set-up, settings, and the GUI entry point."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

log = logging.getLogger(__name__)

SCREENSHOT_TIMEOUT_MS = 180_000


def create_app(argv: list[str] | None = None):
    import pyqtgraph as pg
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("ckpt-browser")
    app.setOrganizationName("ckpt-browser")
    pg.setConfigOptions(imageAxisOrder="row-major", antialias=True, background="w", foreground="k")
    return app


def run_gui(ns: argparse.Namespace) -> int:

    from ckpt_browser.ui.main_window import MainWindow
    from ckpt_browser.ui.settings import Settings
    from ckpt_browser.ui.tasks import TaskRunner

    app = create_app()
    runner = TaskRunner()
    window = MainWindow(runner, Settings(), remember_window=not ns.screenshot)
    window.show()

    if ns.tab == "diff":
        window.checkpoint_loaded.connect(lambda _: _open_diff(window))
    elif ns.tab:
        window.show_tab(ns.tab)
    for path in ns.paths:
        window.open_path(path, checkpoint=ns.checkpoint, variable=ns.select)
    if ns.demo:
        window.open_examples()
    if not ns.paths and not ns.demo:
        # Nothing to open: load TensorFlow now so the first open does not wait 3-5 s.
        from ckpt_browser.core.tfimport import tf

        runner.submit(tf, label="Loading TensorFlow")

    exit_code = 0
    if ns.screenshot:
        exit_code = _arm_screenshot(app, window, runner, Path(ns.screenshot))
    code = app.exec()
    runner.shutdown()
    return code or exit_code


def _open_diff(window) -> None:
    """--tab diff: compare the current checkpoint with the one before, once it has loaded."""
    if window.diff_window is None:
        window.show_diff_window().run()


def _arm_screenshot(app, window, runner, out: Path) -> int:
    """Save the window once every task asked for has finished, then quit."""
    from PySide6.QtCore import QTimer

    done = {"taken": False}

    def take() -> None:
        if done["taken"]:
            return
        done["taken"] = True
        out.parent.mkdir(parents=True, exist_ok=True)
        shown = window.diff_window if window.diff_window is not None else window
        if not shown.grab().save(str(out)):
            print(f"ckpt-browser: could not write {out}", file=sys.stderr)
            app.exit(2)
            return
        app.quit()

    def on_idle() -> None:
        # Let the views lay out and paint what the last task delivered.
        QTimer.singleShot(300, take)

    runner.idle.connect(on_idle)
    if runner.pending == 0:
        on_idle()
    QTimer.singleShot(SCREENSHOT_TIMEOUT_MS, take)
    return 0
