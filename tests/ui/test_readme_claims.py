"""What the README says the window does, done the way a user does it: buttons, shortcuts, the
command line, a training job writing where file watching cannot see."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog

from ckpt_browser.cli.commands import gui_arguments
from ckpt_browser.ui.app import apply_arguments
from ckpt_browser.ui.views import TAB_NAMES, VALUE_TABS
from tests.trainer import trained
from tests.ui.conftest import TIMEOUT
from tests.ui.test_values import _select, _truth

LIVE = 15_000


def _save_dialog_returns(monkeypatch, path):
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))


def test_export_buttons_write_the_values(qtbot, window, open_dir, iris_dir, tmp_path, monkeypatch):
    open_dir(iris_dir)
    view = _select(qtbot, window, "dnn/logits/kernel")
    want = _truth(window, "dnn/logits/kernel")
    for button, name in ((view.npy_button, "k.npy"), (view.csv_button, "k.csv"), (view.png_button, "k.png")):
        _save_dialog_returns(monkeypatch, tmp_path / name)
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: (tmp_path / "k.npy").exists() and (tmp_path / "k.csv").exists(), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: window.runner.pending == 0, timeout=TIMEOUT)
    np.testing.assert_array_equal(np.load(tmp_path / "k.npy"), want)
    np.testing.assert_array_equal(np.loadtxt(tmp_path / "k.csv", delimiter=",", dtype=np.float32), want)
    assert (tmp_path / "k.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_ctrl_c_copies_the_selected_cells(qtbot, window, open_dir, iris_dir):
    open_dir(iris_dir)
    view = _select(qtbot, window, "dnn/logits/kernel")
    want = _truth(window, "dnn/logits/kernel")
    sel = view.table.selectionModel()
    sel.select(view.table_model.index(0, 0), sel.SelectionFlag.Select)
    sel.select(view.table_model.index(1, 1), sel.SelectionFlag.Select)
    view.table.setFocus()
    QTest.keyClick(view.table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    # Full precision (issue 20: 6 digits lost them): every copied number reads back bit for bit.
    rows = [line.split("\t") for line in QApplication.clipboard().text().split("\n")]
    assert [[np.float32(x) for x in row] for row in rows] == [list(want[0, :2]), list(want[1, :2])]


def _shortcut(window, text: str) -> None:
    """Press the keys, as the README names them, on the window (its menu action answers)."""
    actions = [a for m in window.menuBar().actions() for a in m.menu().actions()]
    assert any(text in [k.toString() for k in a.shortcuts()] for a in actions), f"no menu action has {text}"
    window.activateWindow()
    QTest.keySequence(window, QKeySequence(text))


def test_open_reload_and_close_shortcuts(qtbot, window, iris_dir, monkeypatch):
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(iris_dir))
    with qtbot.waitSignal(window.checkpoint_loaded, timeout=TIMEOUT):
        _shortcut(window, "Ctrl+O")
    assert [str(s.model_dir.path) for s in window.sources.sources()] == [str(iris_dir)]
    with qtbot.waitSignal(window.checkpoint_loaded, timeout=TIMEOUT) as reread:
        _shortcut(window, "F5")
    assert reread.args[0].checkpoint.name == "model.ckpt-300"
    assert window.sources.rowCount() == 1  # reloaded, not opened twice
    _shortcut(window, "Ctrl+W")
    assert window.sources.rowCount() == 0


@pytest.mark.parametrize("tab", TAB_NAMES)
def test_command_line_selects_checkpoint_variable_and_tab(qtbot, window, iris_dir, tab):
    ns = gui_arguments([str(iris_dir), "--checkpoint", "model.ckpt-200", "--select", "dnn/logits/bias", "--tab", tab])
    with qtbot.waitSignal(window.tensor_loaded, timeout=TIMEOUT) as loaded:
        apply_arguments(window, ns)
    assert window.current_checkpoint().name == "model.ckpt-200"
    assert window.variables.selected_variable().name == "dnn/logits/bias"
    np.testing.assert_array_equal(loaded.args[0], _truth(window, "dnn/logits/bias"))
    if tab in VALUE_TABS:
        assert window.value_tabs.currentWidget() is window.tensor_view
        assert window.tensor_view.tabs.currentIndex() == VALUE_TABS.index(tab)
    elif tab == "diff":
        qtbot.waitUntil(lambda: window.diff_window is not None and window.diff_window.isVisible(), timeout=TIMEOUT)
        window.diff_window.close()
    elif tab == "verify":
        qtbot.waitUntil(lambda: window.verify_dialog is not None and window.verify_dialog.isVisible(), timeout=TIMEOUT)
        qtbot.waitUntil(lambda: window.runner.pending == 0, timeout=TIMEOUT)
        window.verify_dialog.close()
    else:
        assert window.value_tabs.currentWidget() is window._tabs[tab]
        assert window.value_tabs.tabText(window.value_tabs.currentIndex()).lower() == tab


def test_check_against_from_the_command_line(qtbot, window, iris_dir, iris_resized_dir):
    meta = iris_resized_dir / "model.ckpt-400.meta"
    ns = gui_arguments([str(iris_dir), "--check-against", str(meta)])
    view = window.view("check")
    apply_arguments(window, ns)
    # The tab first checks each checkpoint against its own graph, then against what was asked.
    qtbot.waitUntil(lambda: any(meta.name in r.against for r in view.results), timeout=TIMEOUT)
    assert window.value_tabs.tabText(window.value_tabs.currentIndex()) == "Check"
    results = {r.checkpoint: r for r in view.results}
    assert results["model.ckpt-300"].status == "mismatch" and len(results["model.ckpt-300"].findings) == 10
    assert view.spec.text() == str(meta)


def test_polling_when_the_folder_cannot_be_watched(qtbot, window, tmp_path):
    run = tmp_path / "run"
    trainer = trained(run)
    window.watcher._fs.addPath = lambda _path: False  # as on a network share that cannot be watched
    with qtbot.waitSignal(window.checkpoint_loaded, timeout=TIMEOUT):
        window.open_path(str(run))
    assert str(run) in window.watcher._polled
    trainer.train(2)
    trainer.save()
    qtbot.waitUntil(
        lambda: "model.ckpt-4" in [c.name for c in window.sources.sources()[0].model_dir.checkpoints], timeout=LIVE
    )
    trainer.close()


def test_timeline_takes_times_from_events_the_state_file_or_the_files(qtbot, window, open_dir, tmp_path):
    from ckpt_browser.core.tf.tfimport import tf

    t = tf()
    run = tmp_path / "run"  # a v1 training loop: its event files record each checkpoint
    trained(run, saves=2).close()
    stated = tmp_path / "stated"  # tf.train.CheckpointManager: the state file has the times
    step = t.Variable(0, dtype=t.int64)
    manager = t.train.CheckpointManager(t.train.Checkpoint(step=step), str(stated), max_to_keep=5)
    for _ in range(2):
        step.assign_add(2)
        manager.save(checkpoint_number=int(step.numpy()))
    bare = tmp_path / "bare"  # the same without the times: the index files' times
    shutil.copytree(stated, bare)
    state = (bare / "checkpoint").read_text().splitlines()
    assert any("all_model_checkpoint_timestamps" in line for line in state)
    (bare / "checkpoint").write_text("\n".join(line for line in state if "timestamp" not in line) + "\n")
    timeline = window.view("timeline")
    for folder, names, source in (
        (run, {"model.ckpt-2", "model.ckpt-4"}, "events"),
        (stated, {"ckpt-2", "ckpt-4"}, "state"),
        (bare, {"ckpt-2", "ckpt-4"}, "file"),
    ):
        with qtbot.waitSignal(window.source_refreshed, timeout=TIMEOUT):  # its event files read too
            open_dir(folder)
        window.show_tab("timeline")

        def shown(f=folder, names=names) -> bool:
            tl = timeline.timeline
            return (
                tl is not None
                and window.current_checkpoint().prefix.parent == f
                and {p.name for p in tl.points} >= names
            )

        qtbot.waitUntil(shown, timeout=TIMEOUT)
        kept = [p for p in timeline.timeline.points if p.on_disk]
        assert [p.time_from for p in kept] == [source, source], folder


def test_compare_against_another_checkpoint(qtbot, window, open_dir, iris_dir):
    open_dir(iris_dir)
    _select(qtbot, window, "dnn/logits/kernel")
    view = window.view("compare")
    with qtbot.waitSignal(view.compared, timeout=TIMEOUT):
        window.show_tab("compare")
    with qtbot.waitSignal(view.compared, timeout=TIMEOUT) as c:
        assert view.choose("dnn/logits/kernel in model.ckpt-200")  # the first choice is model.ckpt-100
    a = _truth(window, "dnn/logits/kernel")
    from ckpt_browser.core.tf.tfimport import tf

    b = tf().train.load_checkpoint(str(iris_dir / "model.ckpt-200")).get_tensor("dnn/logits/kernel")
    assert c.args[0].diff.max_abs_diff == pytest.approx(float(np.abs(b - a).max()), rel=1e-6)
    assert f"{np.abs(b - a).max():.4g}" in view.figures.text()


def test_diff_window_sorts_by_a_header_click(qtbot, window, open_dir, written):
    open_dir(written["saver"])
    diff = window.show_diff_window()
    with qtbot.waitSignal(diff.diff_ready, timeout=TIMEOUT):
        diff.run()
    header = diff.table.horizontalHeader()
    column = next(
        c
        for c in range(diff.proxy.columnCount())
        if diff.proxy.headerData(c, Qt.Orientation.Horizontal).startswith("max")
    )
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    from PySide6.QtCore import QPoint

    for _ in range(2):  # ascending, then descending
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))
        values = [
            diff.model.row_at(diff.proxy.mapToSource(diff.proxy.index(r, 0)).row()).max_abs_diff
            for r in range(diff.proxy.rowCount())
        ]
        numbers = [v for v in values if v is not None]
        order = header.sortIndicatorOrder()
        assert len(numbers) >= 2
        assert numbers == sorted(numbers, reverse=order == Qt.SortOrder.DescendingOrder)
    diff.close()


def test_check_tab_copy_and_save_the_report(qtbot, window, iris_resized_dir, tmp_path, monkeypatch):
    with qtbot.waitSignal(window.self_checked, timeout=TIMEOUT):
        window.open_path(str(iris_resized_dir))
    view = window.view("check")
    with qtbot.waitSignal(view.checked, timeout=TIMEOUT):
        window.show_tab("check")
    copy = next(b for b in view.findChildren(type(view.run_button)) if b.text() == "Copy report")
    qtbot.mouseClick(copy, Qt.MouseButton.LeftButton)
    report = QApplication.clipboard().text()
    assert "model.ckpt-400" in report and "[4, 20]" in report and "[4, 10]" in report
    _save_dialog_returns(monkeypatch, tmp_path / "report.md")
    save = next(b for b in view.findChildren(type(view.run_button)) if b.text() == "Save report…")
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: (tmp_path / "report.md").exists(), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: (tmp_path / "report.md").read_text() == report, timeout=TIMEOUT)
