"""Drive the real window with `tensorflow` blocked; print what the user sees as JSON.

Run by tests/test_without_tensorflow.py in a fresh interpreter: python -m tests.gui_without_tensorflow DIR
"""

from __future__ import annotations

import json
import os
import sys
import tempfile

sys.modules["tensorflow"] = None  # before anything: `import tensorflow` raises ImportError
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from ckpt_browser.ui.main_window import MainWindow  # noqa: E402
from ckpt_browser.ui.settings import Settings  # noqa: E402
from ckpt_browser.ui.tasks import TaskRunner  # noqa: E402


def wait_until(predicate, seconds: float = 60.0) -> bool:
    loop = QEventLoop()
    timer = QTimer()
    timer.setInterval(20)
    left = [int(seconds * 50)]

    def tick() -> None:
        left[0] -= 1
        if predicate() or left[0] <= 0:
            loop.quit()

    timer.timeout.connect(tick)
    timer.start()
    loop.exec()
    timer.stop()
    return predicate()


def main() -> int:
    folder = sys.argv[1]
    app = QApplication([])
    runner = TaskRunner()
    window = MainWindow(runner, Settings(os.path.join(tempfile.mkdtemp(), "settings.ini")))
    window.show()
    seen: dict = {}
    window.checkpoint_loaded.connect(lambda c: seen.setdefault("variables", [v.name for v in c.variables]))
    window.tensor_loaded.connect(lambda a: seen.setdefault("tensor_shape", list(a.shape)))
    window.open_path(folder, variable="dnn/logits/kernel")
    wait_until(lambda: "tensor_shape" in seen)
    window.show_tab("scalars")
    wait_until(lambda: bool(window.view("scalars").curves()))
    seen["scalar_tags"] = sorted(window.view("scalars").curves())
    window.show_tab("graph")
    wait_until(lambda: "TensorFlow" in window.view("graph").status.text())
    seen["graph_status"] = window.view("graph").status.text()
    seen["tensorflow_loaded"] = sys.modules.get("tensorflow") is not None
    runner.shutdown()
    window.close()
    app.processEvents()
    print(json.dumps(seen))
    return 0


if __name__ == "__main__":
    sys.exit(main())
