"""Start the window, open PATH, quit as soon as its variable tree is populated and painted.

--bare: the floor, a PySide6 + pyqtgraph window with a small tree, painted, then quit.
Prints the seconds from process start (CKPT_PROBE_T0, time.time() when the parent launched it)
to that moment; bench_native.py also measures the whole process's peak memory.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def bare() -> int:
    import pyqtgraph  # noqa: F401 - the floor includes importing it, as the app does
    from PySide6.QtGui import QStandardItem, QStandardItemModel
    from PySide6.QtWidgets import QApplication, QMainWindow, QTreeView

    app = QApplication([])
    win = QMainWindow()
    model = QStandardItemModel()
    for i in range(15):
        model.appendRow(QStandardItem(f"variable {i}"))
    tree = QTreeView()
    tree.setModel(model)
    win.setCentralWidget(tree)
    win.resize(1280, 800)
    win.show()
    win.grab()
    app.processEvents()
    print(f"{time.time() - float(os.environ.get('CKPT_PROBE_T0', time.time())):.4f}")
    return 0


def app_open(path: str) -> int:
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from PySide6.QtCore import QTimer

    from ckpt_browser.ui.app import create_app
    from ckpt_browser.ui.main_window import MainWindow
    from ckpt_browser.ui.settings import Settings
    from ckpt_browser.ui.tasks import TaskRunner

    app = create_app()
    runner = TaskRunner()
    window = MainWindow(runner, Settings(os.path.join(tempfile.mkdtemp(), "s.ini")))
    window.show()

    def loaded(_contents) -> None:
        window.grab()  # painted with the tree filled
        print(f"{time.time() - float(os.environ.get('CKPT_PROBE_T0', time.time())):.4f}", flush=True)
        QTimer.singleShot(0, app.quit)

    window.checkpoint_loaded.connect(loaded)
    window.open_path(path)
    QTimer.singleShot(60_000, app.quit)
    app.exec()
    runner.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(bare() if sys.argv[1] == "--bare" else app_open(sys.argv[1]))
