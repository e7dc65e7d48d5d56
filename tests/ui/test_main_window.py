"""The real window, driven as a user would, waiting on its signals."""

from __future__ import annotations

import time

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from ckpt_browser.ui.main_window import MainWindow
from ckpt_browser.ui.settings import Settings
from ckpt_browser.ui.tasks import TaskRunner
from tests.ui.conftest import TIMEOUT


def _visible_names(window):
    model = window.variables.model
    out = []

    def walk(parent):
        for r in range(model.rowCount(parent)):
            idx = model.index(r, 0, parent)
            v = model.variable_at(idx)
            if v is not None:
                out.append(v.name)
            walk(idx)

    from PySide6.QtCore import QModelIndex

    walk(QModelIndex())
    return out


def test_open_model_dir_selects_latest_and_lists_variables(qtbot, window, open_dir, iris_dir):
    contents = open_dir(iris_dir)
    assert contents.checkpoint.name == "model.ckpt-300"
    assert window.current_checkpoint().name == "model.ckpt-300"
    assert len(_visible_names(window)) == 15
    assert "Model params: 193" in window.variables.totals.text()
    assert "model.ckpt-300" in window.variables.title.text()


def test_open_prefix_selects_it_and_variable(qtbot, window, open_dir, iris_dir):
    open_dir(iris_dir / "model.ckpt-150", variable="dnn/logits/kernel")
    assert window.current_checkpoint().name == "model.ckpt-150"
    v = window.variables.selected_variable()
    assert v.name == "dnn/logits/kernel"
    assert "[10, 3]" in window.details.text.toPlainText()


def test_filter_hide_optimizer_and_regex(qtbot, window, open_dir, iris_dir):
    open_dir(iris_dir)
    window.variables.hide_optimizer_box.setChecked(True)
    names = _visible_names(window)
    assert not any(n.startswith("training/") for n in names) and "global_step" in names
    window.variables.regex_box.setChecked(True)
    qtbot.keyClicks(window.variables.filter_edit, r"kernel$")
    qtbot.waitUntil(lambda: len(_visible_names(window)) == 3, timeout=5000)
    assert sorted(_visible_names(window)) == [
        "dnn/hiddenlayer_0/kernel", "dnn/hiddenlayer_1/kernel", "dnn/logits/kernel",
    ]  # fmt: skip


def test_switching_checkpoint_reads_it(qtbot, window, open_dir, written):
    open_dir(written["saver"])
    source = window.sources.sources()[0]
    index = window.sources.checkpoint_index(source, "model.ckpt-10")
    with qtbot.waitSignal(window.checkpoint_loaded, timeout=TIMEOUT) as blocker:
        window.sources_view.setCurrentIndex(index)
    assert blocker.args[0].checkpoint.name == "model.ckpt-10"


def test_several_sources_and_recent_files(qtbot, window, open_dir, iris_dir, written, tmp_path):
    open_dir(iris_dir)
    open_dir(written["object"])
    assert window.sources.rowCount() == 2
    recent = Settings(tmp_path / "settings.ini").recent_files()
    assert recent[:2] == [str(written["object"]), str(iris_dir)]


def test_drop_folder_opens_it(qtbot, window, iris_dir):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(iris_dir))])
    event = QDropEvent(
        QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier
    )
    with qtbot.waitSignal(window.checkpoint_loaded, timeout=TIMEOUT):
        window.dropEvent(event)
    assert window.sources.rowCount() == 1


def test_a_file_that_is_no_checkpoint_is_a_message(qtbot, window, tmp_path):
    stray = tmp_path / "notes.txt"
    stray.write_text("hello")
    with qtbot.waitSignal(window.open_failed, timeout=TIMEOUT):
        window.open_path(str(stray))
    assert "is not a checkpoint file" in window.variables.message.text()
    assert window.variables.message.isVisible()


def test_garbage_index_message_and_rest_browsable(qtbot, window, iris_copy):
    (iris_copy / "model.ckpt-300.index").write_bytes(b"garbage" * 30)
    with qtbot.waitSignal(window.source_opened, timeout=TIMEOUT):
        window.open_path(str(iris_copy))
    qtbot.waitUntil(lambda: "not a checkpoint index" in window.variables.message.text(), timeout=TIMEOUT)
    source = window.sources.sources()[0]
    with qtbot.waitSignal(window.checkpoint_loaded, timeout=TIMEOUT):
        window.sources_view.setCurrentIndex(window.sources.checkpoint_index(source, "model.ckpt-250"))
    assert not window.variables.message.isVisible()
    assert len(_visible_names(window)) == 15


def test_truncated_data_shows_warning(qtbot, window, open_dir, iris_copy):
    data = iris_copy / "model.ckpt-300.data-00000-of-00001"
    data.write_bytes(data.read_bytes()[:200])
    open_dir(iris_copy)
    assert "truncated" in window.variables.message.text()
    assert len(_visible_names(window)) == 15


def test_window_geometry_is_remembered(qtbot, tmp_path):
    settings_file = tmp_path / "s.ini"
    runner = TaskRunner()
    first = MainWindow(runner, Settings(settings_file))
    qtbot.addWidget(first)
    # A size the window can take (its minimum) inside the 800x600 offscreen screen,
    # which restoreGeometry clamps to; and not the default size.
    wanted = (min(first.minimumSizeHint().width() + 5, 800), 520)
    first.resize(*wanted)
    first.show()
    assert (first.width(), first.height()) == wanted
    first.close()
    second = MainWindow(runner, Settings(settings_file))
    qtbot.addWidget(second)
    assert (second.width(), second.height()) == wanted
    runner.shutdown()


def test_reopening_a_model_dir_above_the_selected_one_keeps_the_selection(
    qtbot, window, open_dir, iris_dir, iris_resized_dir
):
    """Issue 11, case 16: child indexes used to carry their source's row, stale after a re-open."""
    open_dir(iris_dir)
    open_dir(iris_resized_dir)
    source = window.sources.sources()[1]
    with qtbot.waitSignal(window.checkpoint_loaded, timeout=TIMEOUT):
        window.sources_view.setCurrentIndex(window.sources.checkpoint_index(source, "model.ckpt-350"))
    assert window.current_checkpoint().name == "model.ckpt-350"
    # Re-open the first one: it is removed and appended, the second moves up a row.
    window.sources_view.expandAll()
    from PySide6.QtCore import QPersistentModelIndex

    kept = QPersistentModelIndex(window.sources_view.currentIndex())  # as the view and selection keep it
    with qtbot.waitSignal(window.source_opened, timeout=TIMEOUT):
        window.open_path(str(iris_dir))
    assert window.sources.checkpoint_at(kept).name == "model.ckpt-350"
    assert window.sources.source_at(kept).model_dir.path == iris_resized_dir.resolve()
    assert [s.model_dir.path.name for s in window.sources.sources()] == ["iris_resized", "iris"]
    window.sources_view.expandAll()
    window.grab()  # the view paints every row through the indexes it kept
    # What the view shows is what the model holds: each visible row's text is its checkpoint's name.
    view = window.sources_view
    index = view.indexAt(view.viewport().rect().topLeft())
    shown = []
    while index.isValid():
        shown.append(index.data())
        index = view.indexBelow(index)
    assert (
        shown
        == [
            "iris_resized",
            *[c.name for c in window.sources.sources()[0].model_dir.checkpoints],
            "iris",
            *[c.name for c in window.sources.sources()[1].model_dir.checkpoints],
        ][: len(shown)]
        and len(shown) > 8
    )
    for row in range(2):
        top = window.sources.index(row, 0)
        for r in range(window.sources.rowCount(top)):
            index = window.sources.index(r, 0, top)
            assert window.sources.checkpoint_at(index) is window.sources.sources()[row].model_dir.checkpoints[r]
            assert window.sources.parent(index) == top


def test_impossible_state_timestamps_do_not_crash_the_window(qtbot, window, open_dir, iris_copy):
    """Issue 11, case 4: all_model_checkpoint_timestamps: 1e308 crashed the window (exit 139)."""
    (iris_copy / "checkpoint").write_text(
        'model_checkpoint_path: "model.ckpt-300"\n'
        + "".join(f'all_model_checkpoint_paths: "model.ckpt-{s}"\n' for s in (100, 150, 200, 250, 300))
        + "".join(f"all_model_checkpoint_timestamps: {t}\n" for t in ("1e308", "nan", "-inf", "-5", "1e20"))
    )
    contents = open_dir(iris_copy)
    assert contents.checkpoint.name == "model.ckpt-300"
    window.show_tab("timeline")
    qtbot.waitUntil(lambda: window.runner.pending == 0, timeout=TIMEOUT)
    window.grab()  # paints the list and the timeline with whatever times remain
    top = window.sources.index(0, 0)
    assert window.sources.rowCount(top) == 5
    # The state's times are all unusable, and the files' times are the copy's: the event files'
    # checkpoint records (as TensorFlow reads them) stand in, as the Saved column's tooltip says.
    from ckpt_browser.core.tf.tfimport import tf

    saved = {}
    for path in iris_copy.glob("events.out.tfevents.*"):
        for event in tf().compat.v1.train.summary_iterator(str(path)):
            if event.HasField("session_log") and event.session_log.status == event.session_log.CHECKPOINT:
                saved[event.step] = event.wall_time
    qtbot.waitUntil(lambda: window.sources.index(0, 2, top).data() != "", timeout=TIMEOUT)
    shown = [window.sources.index(r, 2, top).data() for r in range(5)]
    want = [time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(saved[s])) for s in (100, 150, 200, 250, 300)]
    assert shown == want
    assert "event files" in window.sources.index(0, 2, top).data(Qt.ItemDataRole.ToolTipRole)


def test_workers_get_a_snapshot_of_the_model_dir(qtbot, window, iris_dir, monkeypatch):
    """Live refresh updates the window's ModelDir in place; a worker reading it meanwhile must
    hold a copy of its own."""
    import ckpt_browser.ui.window_sources as window_sources
    from ckpt_browser.core.checks.mismatch import check_model_dir

    given = []

    def spy(md, *args):
        given.append(md)
        return check_model_dir(md, *args)

    monkeypatch.setattr(window_sources, "check_model_dir", spy)
    with qtbot.waitSignal(window.self_checked, timeout=TIMEOUT):
        window.open_path(str(iris_dir))
    (live,) = [s.model_dir for s in window.sources.sources()]
    (copy,) = given
    assert copy is not live and copy.checkpoints is not live.checkpoints
    assert [c.name for c in copy.checkpoints] == [c.name for c in live.checkpoints]
    assert all(a is not b for a, b in zip(copy.checkpoints, live.checkpoints))


def test_a_password_in_a_url_is_not_remembered_in_the_settings_file(tmp_path):
    from ckpt_browser.ui.settings import Settings

    settings = Settings(tmp_path / "settings.ini")
    assert settings.add_recent("http://alice:s3cret@127.0.0.1:8765/iris")[0] == "http://127.0.0.1:8765/iris"
    assert "s3cret" not in (tmp_path / "settings.ini").read_text()
