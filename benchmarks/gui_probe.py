"""Start the window, open PATH, quit as soon as its variable tree is populated and painted.

--bare: the floor, a PySide6 + pyqtgraph window with a small tree, painted, then quit.
--bare PATH: the floor for a checkpoint of many variables: the same window with a tree of every
  variable name of PATH's index, the cheapest reasonable way: the names read by the plain
  per-entry loop over the index (formats/sstable.read_table, as floors.py's PY_LISTING walks it) into a
  Python list, shown flat (no scopes, one column) by a QStringListModel, whose rows live in C++.
  (A QAbstractItemModel written in Python is 3x slower here: the tree view asks it for every row's
  index when laid out; a QStandardItemModel makes an item object per row.)
Prints the seconds from process start (CKPT_PROBE_T0, time.time() when the parent launched it)
to that moment; bench_native.py also measures the whole process's peak memory.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def bare(path: str | None = None) -> int:
    import pyqtgraph  # noqa: F401 - the floor includes importing it, as the app once did
    from PySide6.QtCore import QStringListModel
    from PySide6.QtWidgets import QApplication, QMainWindow, QTreeView

    names = [f"variable {i}" for i in range(15)] if path is None else _index_names(path)
    app = QApplication([])
    win = QMainWindow()
    model = QStringListModel(names)  # the rows live in C++: the view lays them out without Python
    tree = QTreeView()
    tree.setUniformRowHeights(True)
    tree.setModel(model)
    win.setCentralWidget(tree)
    win.resize(1280, 800)
    win.show()
    win.grab()
    app.processEvents()
    print(f"{time.time() - float(os.environ.get('CKPT_PROBE_T0', time.time())):.4f}")
    return 0


def _index_names(path: str) -> list[str]:
    """Every variable name in the index of PATH (a model_dir: its latest checkpoint)."""
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from ckpt_browser.core.formats.sstable import read_table

    if os.path.isdir(path):
        index = sorted(f for f in os.listdir(path) if f.endswith(".index"))[-1]
        path = os.path.join(path, index[: -len(".index")])
    with open(path + ".index", "rb") as f:
        pairs = read_table(f.read(), path)
    return [key.decode() for key, _ in pairs if key and key[0] != 0]  # not the header, not slices


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
    if sys.argv[1] == "--bare":
        sys.exit(bare(sys.argv[2] if len(sys.argv) > 2 else None))
    sys.exit(app_open(sys.argv[1]))
