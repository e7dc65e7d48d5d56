"""An unexpected error (a bug of ours) in a background task: one dialog, no exception class
names, details collapsed, a log file with the traceback; the window stays usable."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from ckpt_browser.ui.tasks import error_log_path
from tests.ui.conftest import TIMEOUT


def _boom():
    return {}["no such key"]


def test_unexpected_error_is_one_dialog_with_a_log(qtbot, window, open_dir, iris_dir):
    open_dir(iris_dir)
    shown = []
    with qtbot.waitSignal(window.runner.unexpected_error, timeout=TIMEOUT):
        window.runner.submit(_boom, on_error=shown.append)
    qtbot.waitUntil(lambda: bool(shown), timeout=TIMEOUT)
    boxes = [w for w in window.findChildren(QMessageBox) if w.isVisible()]
    assert len(boxes) == 1
    box = boxes[0]
    for text in (box.text(), box.informativeText(), shown[0]):
        assert "KeyError" not in text and "Traceback" not in text
    assert box.text().startswith("Something went wrong")
    assert str(error_log_path()) in box.informativeText()
    assert "KeyError" in box.detailedText()  # for the bug report, behind "Show Details..."
    assert "_boom" in error_log_path().read_text()
    # A second failure joins the same dialog.
    with qtbot.waitSignal(window.runner.unexpected_error, timeout=TIMEOUT):
        window.runner.submit(_boom)
    assert len([w for w in window.findChildren(QMessageBox) if w.isVisible()]) == 1
    assert box.detailedText().count("_boom") >= 2
    box.close()
    # The window still works.
    with qtbot.waitSignal(window.tensor_loaded, timeout=TIMEOUT):
        window.variables.select_variable("dnn/logits/kernel")
