"""Python's cyclic garbage collector, run on the UI thread, and its full passes only while the
user is not doing anything.

Automatic collection runs on whichever thread happens to allocate; when it frees a Qt object on
a worker thread, Qt and the GIL can deadlock (seen in the test suite: QObject::~QObject on the
reading worker, waiting for the GIL the UI thread held). So automatic collection is off and a
timer on the UI thread collects (pyqtgraph's GarbageCollector does the same). A full pass walks
every tracked object -- ~180 ms with a 100,000-variable checkpoint open -- so it waits until no
key or mouse input came for IDLE seconds: typing in the filter or dragging a slider never meets it.
"""

from __future__ import annotations

import gc
import time

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

IDLE = 2.0  # seconds without input before a full collection may run
_INPUT = {
    QEvent.Type.KeyPress, QEvent.Type.KeyRelease, QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease,
    QEvent.Type.MouseMove, QEvent.Type.Wheel,
}  # fmt: skip


class UiThreadCollector(QObject):
    def __init__(self, interval_ms: int = 1000, parent: QObject | None = None) -> None:
        super().__init__(parent)
        gc.disable()
        self.last_input = time.monotonic()
        self.full_passes = 0
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.check)
        self.timer.start()
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt API
        if event.type() in _INPUT:
            self.last_input = time.monotonic()
        return False

    def check(self) -> None:
        t0, t1, t2 = gc.get_threshold()
        # Each collection adds one to the next generation's count: read them as they are now.
        if gc.get_count()[0] > t0:
            gc.collect(0)
        if gc.get_count()[1] > t1:
            gc.collect(1)
        if gc.get_count()[2] > t2 and time.monotonic() - self.last_input >= IDLE:
            gc.collect(2)
            self.full_passes += 1

    def stop(self) -> None:
        self.timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        gc.enable()
