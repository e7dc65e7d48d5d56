"""The real main window for GUI tests, with private settings."""

from __future__ import annotations

import gc

import pytest

from ckpt_browser.ui.main_window import MainWindow
from ckpt_browser.ui.settings import Settings
from ckpt_browser.ui.tasks import TaskRunner

TIMEOUT = 60_000  # TensorFlow's first import and first reads on a busy 2-core CI machine


@pytest.fixture(autouse=True)
def no_leaked_windows(qapp):
    """A test that leaves a top-level widget behind (a dialog never closed, a window kept alive
    by a stray reference) fails: the next test would run beside it (napari's check)."""
    from PySide6.QtCore import QCoreApplication, QEvent

    before = {id(w) for w in qapp.topLevelWidgets()}
    yield
    gc.collect()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    qapp.processEvents()
    left = [w for w in qapp.topLevelWidgets() if id(w) not in before and w.isVisible()]
    assert not left, f"top-level widgets left open: {[type(w).__name__ + ' ' + w.windowTitle() for w in left]}"


@pytest.fixture
def window(qtbot, tmp_path):
    from ckpt_browser.ui.app import collect_garbage_on_the_ui_thread

    collector = collect_garbage_on_the_ui_thread()  # as the app does
    runner = TaskRunner()
    win = MainWindow(runner, Settings(tmp_path / "settings.ini"))
    qtbot.addWidget(win)
    win.show()
    yield win
    runner.shutdown(wait=True)  # no test's background work runs into the next test
    # Collect what the test left (windows, widgets) here, on the UI thread: Python's cyclic
    # collector runs on whichever thread allocates, and a Qt object destroyed on a worker thread
    # can deadlock against this one.
    win.close()
    del win
    collector.stop()
    gc.collect()


@pytest.fixture
def open_dir(qtbot, window):
    """Open a path in the window and wait until its checkpoint's variables are listed."""

    def open_(path, **kw):
        with qtbot.waitSignal(window.checkpoint_loaded, timeout=TIMEOUT) as blocker:
            window.open_path(str(path), **kw)
        return blocker.args[0]

    return open_
