"""The Check tab: build mode's button (runs the script only when pressed, off the UI thread,
cancellable, the interpreter remembered) and the report grouped as the CLI groups it (issue 31)."""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer

from ckpt_browser.ui.widgets.check_build import BUTTON, SETTING
from ckpt_browser.ui.widgets.check_report import OK_LABEL
from ckpt_browser.ui.widgets.check_view import CONFIG, OWN
from tests.ui.conftest import TIMEOUT

BUILD = Path(__file__).resolve().parent.parent / "data" / "build_mode"


def visible_rows(tree) -> list[str]:
    """The first cell of each row the user sees (collapsed rows not)."""
    out = []

    def walk(parent):
        model = tree.model()
        for r in range(model.rowCount(parent)):
            index = model.index(r, 0, parent)
            out.append(index.data())
            if tree.isExpanded(index):
                walk(index)

    from PySide6.QtCore import QModelIndex

    walk(QModelIndex())
    return out


def test_own_graph_ok_rows_collapse_behind_a_count(qtbot, window, iris_dir):
    with qtbot.waitSignal(window.self_checked, timeout=TIMEOUT):
        window.open_path(str(iris_dir))
    view = window.view("check")
    with qtbot.waitSignal(view.checked, timeout=TIMEOUT):
        window.show_tab("check")
    assert view.mode.currentText() == OWN
    first, last = view.results[0].checkpoint, view.results[-1].checkpoint
    assert visible_rows(view.report_tree) == [
        f"5 checkpoints ({first} … {last}) against their own graphs: ok",
        OK_LABEL.format(n=len(view.results[0].compatible)),
    ]
    assert len(view.results[0].compatible) == 15  # behind the count, 15 rows (not 5 x 15)
    assert not view.build.isVisible()  # no script: nothing to build


def test_build_button_runs_the_script_only_when_pressed(qtbot, window, tmp_path):
    folder = tmp_path / "tape"
    shutil.copytree(BUILD / "tape", folder)
    with qtbot.waitSignal(window.checkpoint_loaded, timeout=TIMEOUT):
        window.open_path(str(folder / "tf_ckpts_changed"))
    view = window.view("check")
    window.show_tab("check")
    before = sorted(p.name for p in folder.rglob("*"))
    view.check_script(str(folder / "train_tape.py"))  # static reading: nothing runs
    qtbot.waitUntil(lambda: "Checking" not in view.summary.text(), timeout=TIMEOUT)
    assert view.build.isVisible() and view.build.button.text() == BUTTON
    assert "stops it before training" in view.build.note.text()
    view.build.python.setCurrentText(sys.executable)

    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start(50)
    with qtbot.waitSignal(view.checked, timeout=TIMEOUT):
        view.build.button.click()
        assert not view.build.button.isEnabled() and view.build.cancel.isVisible()
    timer.stop()
    gaps = [b - a for a, b in zip(ticks, ticks[1:])]
    assert len(ticks) > 20 and max(gaps) < 0.5  # the window stayed responsive throughout
    assert view.build.button.isEnabled() and not view.build.cancel.isVisible()
    text = view.summary.text()
    assert "Built by running train_tape.py with python" in text and "train_step -> apply_gradients" in text
    heading = visible_rows(view.report_tree)[0]
    assert heading == "ckpt-1, ckpt-2 against what train_tape.py builds: mismatch (9 findings)"
    assert "net/l1/_kernel/.ATTRIBUTES/VARIABLE_VALUE" in visible_rows(view.report_tree)
    assert sorted(p.name for p in folder.rglob("*")) == before
    from ckpt_browser.ui.settings import Settings

    assert Settings().value(SETTING) == sys.executable


def test_build_can_be_cancelled(qtbot, window, tmp_path):
    shutil.copytree(BUILD / "tape" / "tf_ckpts", tmp_path / "tf_ckpts")
    script = tmp_path / "slow.py"
    script.write_text("import time\ntime.sleep(60)\n")
    with qtbot.waitSignal(window.checkpoint_loaded, timeout=TIMEOUT):
        window.open_path(str(tmp_path / "tf_ckpts"))
    view = window.view("check")
    window.show_tab("check")
    view.mode.setCurrentText(CONFIG)
    view.spec.setText(str(script))
    view.build.python.setCurrentText(sys.executable)
    view.build.button.click()
    qtbot.wait(500)
    start = time.monotonic()
    view.build.cancel.click()
    qtbot.waitUntil(lambda: view.build.button.isEnabled(), timeout=5000)
    assert time.monotonic() - start < 2
    assert "the build of slow.py was cancelled" in view.summary.text()


@pytest.mark.parametrize("text", ["DNNClassifier(hidden_units=[10], n_classes=3, feature_columns=4)", "model.py\nx"])
def test_no_build_button_without_a_script_file(qtbot, text):
    from ckpt_browser.ui.tasks import TaskRunner
    from ckpt_browser.ui.widgets.check_view import CheckView

    view = CheckView(TaskRunner())
    qtbot.addWidget(view)
    view.show()
    view.mode.setCurrentText(CONFIG)
    view.spec.setText(text)
    assert not view.build.isVisible()
    view.spec.setText("train.py")
    assert view.build.isVisible()
