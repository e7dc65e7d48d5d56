"""The Graph tab evaluating an Estimator's prediction with its features fed by name, saved as a
PNG (docs/graph-features.png): python tools/graph_shot.py MODEL_DIR OUT.png."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer

from ckpt_browser.ui.app import create_app
from ckpt_browser.ui.layout import screen_shot
from ckpt_browser.ui.main_window import MainWindow
from ckpt_browser.ui.settings import Settings
from ckpt_browser.ui.tasks import TaskRunner

FEEDS = {"SepalLength": "[5.1, 6.7, 5.9]", "SepalWidth": "[3.5, 3.0, 3.0]",
         "PetalLength": "[1.4, 5.2, 4.2]", "PetalWidth": "[0.2, 2.3, 1.5]"}  # fmt: skip


def wait(signal=None, ms: int = 120_000) -> None:
    loop = QEventLoop()
    if signal is not None:
        signal.connect(loop.quit)
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def main(model_dir: str, out: str) -> None:
    create_app()
    runner = TaskRunner()
    window = MainWindow(runner, Settings(Path(tempfile.mkdtemp()) / "settings.ini"), remember_window=False)
    window.show()
    window.open_path(model_dir)
    wait(window.checkpoint_loaded)
    window.show_tab("graph")
    panel = window.view("graph")
    wait(panel.overview_ready)
    while len(panel.feed_edits) < len(FEEDS):  # the prediction's features, asked for by name
        wait(ms=200)
    for key, edit in panel.feed_edits.items():
        edit.setText(FEEDS.get(key, ""))
    panel.run_evaluate()
    wait(panel.evaluated)
    wait(ms=500)
    screen_shot(window).save(out)
    runner.shutdown(wait=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
