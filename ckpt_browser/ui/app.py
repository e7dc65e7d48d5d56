"""QApplication set-up, settings, and the GUI entry point."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

log = logging.getLogger(__name__)

SCREENSHOT_TIMEOUT_MS = 180_000


def create_app(argv: list[str] | None = None, theme: str | None = None):
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("ckpt-browser")
    app.setOrganizationName("ckpt-browser")
    app.setDesktopFileName("ckpt-browser")  # matches resources/ckpt-browser.desktop
    icon = app_icon()
    if icon is not None:
        app.setWindowIcon(icon)
    from ckpt_browser.ui.palette import apply_theme

    apply_theme(app, theme or os.environ.get("CKPT_BROWSER_THEME", "system"))  # plots follow the palette
    return app


def collect_garbage_on_the_ui_thread():
    """The cyclic collector on the UI thread, full passes when idle (ui/collector.py says why)."""
    from ckpt_browser.ui.collector import UiThreadCollector

    return UiThreadCollector()


def app_icon():
    from PySide6.QtGui import QIcon

    from ckpt_browser.core.model_dir.examples import resources_dir

    try:
        folder = resources_dir() / "icons"
    except FileNotFoundError:
        return None
    icon = QIcon(str(folder / "ckpt-browser.svg"))
    for size in (16, 24, 32, 48, 64, 128, 256, 512):
        icon.addFile(str(folder / f"ckpt-browser-{size}.png"))
    return icon


def show_startup_failure(exc: BaseException) -> None:
    """The app could not start: say so in a dialog (double-clicked apps have no console),
    on stderr, and in a log file in the cache folder."""
    import traceback

    from ckpt_browser.core.storage.cache import cache_dir

    details = "".join(traceback.format_exception(exc))
    log_file = cache_dir() / "startup-error.log"
    try:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        log_file.write_text(details, encoding="utf-8")
    except OSError:
        log_file = None
    print(details, file=sys.stderr)
    try:
        from PySide6.QtWidgets import QApplication, QMessageBox

        _app = QApplication.instance() or QApplication(sys.argv[:1])
        first = (str(exc).strip().splitlines() or ["an unexpected error"])[0][:300]
        box = QMessageBox(QMessageBox.Icon.Critical, "ckpt-browser could not start", first)
        if log_file is not None:
            box.setInformativeText(f"The details are in {log_file}.")
        box.setDetailedText(details)
        box.exec()
    except Exception:  # noqa: BLE001 - no display or no Qt: stderr and the log file remain
        pass


def located(paths: list[str]) -> list:
    """The command line's paths, each parsed once into its Location (the text as it is when it
    cannot be one: the window's open says why)."""
    from ckpt_browser.core.base.errors import CheckpointError
    from ckpt_browser.core.storage import locate

    out: list = []
    for path in paths:
        try:
            out.append(locate(path))
        except CheckpointError:
            out.append(path)
    return out


def scan_early(paths: list) -> dict:
    """The paths on the command line, scanned on a thread of their own while the window's modules
    load and the window is built (half a second, and seconds for an index of a million variables,
    that the scan would otherwise wait behind): {normalized path: Future of open_source_or_runs}.
    The window's own open of such a path takes the result rather than scanning again."""
    if not paths:
        return {}
    from concurrent.futures import ThreadPoolExecutor

    from ckpt_browser.core.storage import Location

    def scan(where: Location):
        from ckpt_browser.core.model_dir.runs import open_source_or_runs

        return open_source_or_runs(where)

    pool = ThreadPoolExecutor(1, thread_name_prefix="ckpt-early")
    early = {}
    for where in located(paths):
        if isinstance(where, Location) and str(where) not in early:  # text: not a URL, the window says so
            early[str(where)] = pool.submit(scan, where)
    pool.shutdown(wait=False)  # its thread ends when the scans are done
    return early


def run_gui(ns: argparse.Namespace) -> int:
    ns.paths = located(list(ns.paths))  # parsed once: the early scan and the window's open share them
    early = scan_early(ns.paths)  # before the window's modules are imported: see scan_early

    from ckpt_browser.ui.main_window import MainWindow
    from ckpt_browser.ui.settings import Settings
    from ckpt_browser.ui.tasks import TaskRunner
    from ckpt_browser.ui.theme_menu import remembered_theme

    settings = Settings()
    # The theme: --theme, else CKPT_BROWSER_THEME, else what View > Theme chose last (create_app).
    theme = getattr(ns, "theme", None) or (None if os.environ.get("CKPT_BROWSER_THEME") else remembered_theme(settings))
    app = create_app(theme=theme)
    collector = collect_garbage_on_the_ui_thread()  # noqa: F841 - it runs while the app does
    runner = TaskRunner()
    # A screenshot shows the window as it opens on this screen (or at --size): no remembered layout.
    window = MainWindow(runner, settings, remember_window=not ns.screenshot, size=getattr(ns, "size", None))
    window.state.results.add_scans(early)
    window.show()
    if not ns.paths and not ns.demo and not ns.screenshot and not settings.recent_files():
        ns.demo = True  # a first start with nothing to open: show what the app does
    apply_arguments(window, ns)
    exit_code = 0
    if ns.screenshot:
        exit_code = _arm_screenshot(app, window, runner, Path(ns.screenshot))
    code = app.exec()
    runner.shutdown()
    return code or exit_code


def apply_arguments(window, ns: argparse.Namespace) -> None:
    """What the command line asks of a shown window: paths to open, the checkpoint and variable
    to select, the tab to show, a check to run."""
    if ns.check_against:
        window.show_tab("check")
        window.source_refreshed.connect(lambda _snap: _check_against(window, ns.check_against))
    if ns.tab == "diff":
        window.checkpoint_loaded.connect(lambda _: _open_diff(window))
    elif ns.tab == "verify":
        window.checkpoint_loaded.connect(lambda _: window.verify_dialog is None and window.show_verify_dialog())
    elif ns.tab:
        window.show_tab(ns.tab)
    for path in ns.paths:
        window.open_path(path, checkpoint=ns.checkpoint, variable=ns.select)
    if ns.demo:
        window.open_examples()


def _check_against(window, text: str) -> None:
    """--check-against: once the model_dir is in, check it against the spec or path."""
    import os

    from ckpt_browser.ui.widgets.check_view import CONFIG, PATH

    view = window.view("check")
    if view.spec.text() != text:
        script = text.strip().endswith((".py", ".ipynb"))
        view.set_mode(PATH if os.path.exists(text) and not script else CONFIG, text)
        view.run()


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
        shown = next((w for w in (window.diff_window, window.verify_dialog) if w is not None), window)
        from ckpt_browser.ui.layout import screen_shot

        if not screen_shot(shown).save(str(out)):
            print(f"ckpt-browser: could not write {out}", file=sys.stderr)
            app.exit(2)
            return
        app.quit()

    def on_idle() -> None:
        # Let the views lay out what the last task delivered (posted layout events run before
        # zero-delay timers; two hops for layouts that post more), then take it -- no fixed wait.
        QTimer.singleShot(0, lambda: QTimer.singleShot(0, settled))

    def settled() -> None:
        if runner.pending == 0:  # else a task started meanwhile: its idle comes back here
            take()

    runner.idle.connect(on_idle)
    if runner.pending == 0:
        on_idle()
    QTimer.singleShot(SCREENSHOT_TIMEOUT_MS, take)
    return 0
