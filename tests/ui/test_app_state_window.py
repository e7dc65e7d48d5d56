"""The window renders the app state (core/state/app_state.py): a change made to the state alone
shows in the widgets, and what the user does in a widget only changes the state."""

from __future__ import annotations

from ckpt_browser.core.tf.tfimport import tf
from tests.ui.conftest import TIMEOUT


def _current_row(window):
    index = window.sources_view.currentIndex()
    source, info = window.sources.source_at(index), window.sources.checkpoint_at(index)
    return (source.model_dir.path if source else None), (info.name if info else None)


def test_a_change_to_the_state_shows_in_the_window(qtbot, window, open_dir, iris_dir):
    open_dir(iris_dir)
    state = window.state
    with qtbot.waitSignal(window.checkpoint_loaded, timeout=TIMEOUT):
        state.select(iris_dir, "model.ckpt-150")
    assert _current_row(window) == (iris_dir, "model.ckpt-150")
    assert "model.ckpt-150" in window.variables.title.text()
    assert not window.follow_action.isChecked()  # an older checkpoint: not following

    with qtbot.waitSignal(window.tensor_loaded, timeout=TIMEOUT) as blocker:
        assert state.select_variable("dnn/logits/kernel")
    assert window.variables.selected_variable().name == "dnn/logits/kernel"
    want = tf().train.load_checkpoint(str(iris_dir / "model.ckpt-150")).get_tensor("dnn/logits/kernel")
    assert (blocker.args[0] == want).all()

    with qtbot.waitSignal(window.variables.filtered, timeout=TIMEOUT):
        state.set_filter(text="hiddenlayer_1")  # hides the selected variable
    assert window.variables.filter_edit.text() == "hiddenlayer_1"
    tf_names = sorted(n for n, _ in tf().train.list_variables(str(iris_dir / "model.ckpt-150")) if "hiddenlayer_1" in n)
    assert sorted(v.name for v in window.variables.shown_variables()) == tf_names
    assert window.variables.selected_variable() is None and state.variable is None
    with qtbot.waitSignal(window.variables.filtered, timeout=TIMEOUT):
        state.set_filter(text="", hide_optimizer=True)
    assert window.variables.hide_optimizer_box.isChecked() and window.variables.filter_edit.text() == ""

    with qtbot.waitSignal(window.checkpoint_loaded, timeout=TIMEOUT):
        window.follow_action.trigger()  # the menu: the state follows the latest, the list shows it
    assert state.follow_latest and _current_row(window) == (iris_dir, "model.ckpt-300")


def test_what_the_user_does_changes_the_state(qtbot, window, open_dir, iris_dir):
    open_dir(iris_dir)
    state = window.state
    (source,) = window.sources.sources()
    with qtbot.waitSignal(window.checkpoint_loaded, timeout=TIMEOUT):
        window.sources_view.setCurrentIndex(window.sources.checkpoint_index(source, "model.ckpt-200"))
    assert (state.checkpoint, state.follow_latest) == ("model.ckpt-200", False)
    assert window.current_checkpoint() is state.checkpoint_info()

    window.variables.regex_box.setChecked(True)
    with qtbot.waitSignal(window.variables.filtered, timeout=TIMEOUT):
        qtbot.keyClicks(window.variables.filter_edit, "^dnn/logits/")
    assert (state.filter.text, state.filter.regex) == ("^dnn/logits/", True)
    assert [v.name for v in window.variables.shown_variables()] == [v.name for v in state.visible_variables()]
    assert len(state.visible_variables()) == 2

    with qtbot.waitSignal(window.tensor_loaded, timeout=TIMEOUT):
        window.variables.tree.setCurrentIndex(window.variables.model.index_of("dnn/logits/bias"))
    assert state.variable == "dnn/logits/bias"

    window.sources_view.setCurrentIndex(window.sources.index(0, 0))  # the source's own row
    assert state.selection() == (iris_dir, None, None) and state.contents is None
    assert (
        window.variables.shown_variables() == [] and "select one of its 5 checkpoints" in window.variables.title.text()
    )


def test_the_window_keeps_no_state_of_its_own(window):
    for name in ("_events", "_findings", "early_scans", "_side_key", "_gone", "_readers", "_runs_folders"):
        assert not hasattr(window, name), name


def test_a_checkpoint_asked_for_and_not_there_is_said_once_the_latest_is_listed(qtbot, window, open_dir, iris_dir):
    contents = open_dir(iris_dir, checkpoint="model.ckpt-999")
    assert contents.checkpoint.name == "model.ckpt-300"
    assert window.status_label.text() == f"No checkpoint 'model.ckpt-999' in {iris_dir}"
