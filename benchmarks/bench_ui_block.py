"""Issue 13 figures: the longest time the UI thread is busy (a frozen frame) while a user types
into the variable filter at 100,000 variables and drags the smoothing slider over 100,000
points, beside the same gestures done the old way (all work on the UI thread, per key/value).

A 2 ms heartbeat timer on the UI thread records the longest gap between its ticks.
Run: .venv/bin/python benchmarks/bench_ui_block.py [WORKDIR]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.bench_native import write_fixtures  # noqa: E402

TYPED = "block_5/layer_3"
POINTS = 100_000


def write_events(folder: Path) -> Path:
    """100,000 loss values, written by TensorBoard's own event writer."""
    if any(folder.glob("events.out.tfevents.*")):
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    from tensorboard.compat.proto import event_pb2, summary_pb2
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    writer = EventFileWriter(str(folder))
    for step in range(POINTS):
        value = summary_pb2.Summary.Value(tag="loss", simple_value=1.0 / (1 + step) + (step % 7) * 1e-3)
        writer.add_event(event_pb2.Event(step=step, wall_time=1.7e9 + step, summary=summary_pb2.Summary(value=[value])))
    writer.close()
    return folder


class Heartbeat:
    def __init__(self, app) -> None:
        from PySide6.QtCore import QTimer

        self.app, self.worst, self.last = app, 0.0, time.perf_counter()
        self.timer = QTimer()
        self.timer.setInterval(2)
        self.timer.timeout.connect(self._tick)
        self.timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.worst = max(self.worst, now - self.last)
        self.last = now

    def reset(self) -> None:
        self.app.processEvents()
        self.worst, self.last = 0.0, time.perf_counter()

    def run_for(self, seconds: float) -> None:
        """Run the real event loop (as the app does) for a while."""
        from PySide6.QtCore import QEventLoop, QTimer

        loop = QEventLoop()
        QTimer.singleShot(int(seconds * 1000), loop.quit)
        loop.exec()


def main() -> None:
    work = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.gettempdir()) / "ckpt-bench"
    work.mkdir(parents=True, exist_ok=True)
    _, _, many = write_fixtures(work)
    events = write_events(work / "events100k")

    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from ckpt_browser.ui.app import collect_garbage_on_the_ui_thread
    from ckpt_browser.ui.main_window import MainWindow
    from ckpt_browser.ui.settings import Settings
    from ckpt_browser.ui.tasks import TaskRunner

    app = QApplication([])
    collector = collect_garbage_on_the_ui_thread()  # as the app does
    runner = TaskRunner()
    window = MainWindow(runner, Settings(Path(tempfile.mkdtemp()) / "s.ini"), remember_window=False)
    window.show()
    loaded = []
    window.checkpoint_loaded.connect(loaded.append)
    window.open_path(str(many))
    beat = Heartbeat(app)
    while not loaded:
        beat.run_for(0.05)
    panel = window.variables
    print(f"100,000 variables listed; filter typed: {TYPED!r}, a key every 200 ms, then cleared")

    def type_filter() -> float:
        """Type the filter a key every 200 ms (each pause filters), then clear it (all 100,000
        back); the worst frame from the first key until the full tree is back. The keys are
        delivered from the running event loop, as a user's are."""
        from PySide6.QtCore import QEventLoop, QTimer

        beat.run_for(1.0)
        loop = QEventLoop()
        state = {"typed": False}

        def on_filtered() -> None:
            text = panel.filter_edit.text()
            if text == TYPED and not state["typed"]:
                state["typed"] = True
                QTimer.singleShot(200, clear)
            elif text == "" and state["typed"]:
                loop.quit()

        def clear() -> None:
            QTest.keyClick(panel.filter_edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
            QTest.keyClick(panel.filter_edit, Qt.Key.Key_Backspace)

        panel.filtered.connect(on_filtered)
        for i, ch in enumerate(TYPED):
            QTimer.singleShot(200 * (i + 1), lambda ch=ch: QTest.keyClick(panel.filter_edit, ch))
        beat.reset()
        loop.exec()
        panel.filtered.disconnect(on_filtered)
        return beat.worst

    ours = type_filter()
    panel.runner = None  # the old way: every filter on the UI thread
    theirs = type_filter()
    panel.runner = runner
    print(f"typing in the filter: longest UI-thread block {ours * 1000:.0f} ms (filtering in the pool); "
          f"{theirs * 1000:.0f} ms filtering on the UI thread, as before")  # fmt: skip

    window.open_path(str(events))
    while window.sources.rowCount() < 2:
        beat.run_for(0.05)
    window.sources_view.setCurrentIndex(window.sources.index(1, 0))
    window.show_tab("scalars")
    scalars = window.view("scalars")
    while not scalars.curves():
        beat.run_for(0.05)
    assert len(scalars.curves()["train"][0]) == POINTS

    def drag(step_redraw: bool) -> float:
        """A drag over the slider: a value every 16 ms (a 60 Hz mouse), from the event loop."""
        from PySide6.QtCore import QEventLoop, QTimer

        scalars.smoothing.setValue(0)
        beat.run_for(0.5)
        loop = QEventLoop()

        def move(value: int) -> None:
            scalars.smoothing.setValue(value)
            if step_redraw:
                scalars.redraw(keep_range=True)  # the old way: a full redraw per value

        values = list(range(0, 100, 3))
        for i, value in enumerate(values):
            QTimer.singleShot(16 * i, lambda v=value: move(v))
        QTimer.singleShot(16 * len(values) + 300, loop.quit)
        beat.reset()
        loop.exec()
        return beat.worst

    ours = drag(False)
    theirs = drag(True)
    print(f"dragging the smoothing slider over {POINTS:,} points: longest UI-thread block {ours * 1000:.0f} ms "
          f"(redraw after the hand rests); {theirs * 1000:.0f} ms redrawing at every value")  # fmt: skip
    QTest.qWait(10)
    window.close()
    runner.shutdown(wait=True)
    collector.stop()


if __name__ == "__main__":
    main()
