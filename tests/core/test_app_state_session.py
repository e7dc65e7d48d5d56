"""A whole session driven through the app state, without a window (no Qt): open a model_dir,
select a checkpoint and a variable, filter, follow the latest while training writes a new
checkpoint, close. What a window would show is asserted: the selection, the variables the list
shows, and the events a window's widgets would hear, in order. The checkpoints are the real
Estimator's (tests/data/estimator/iris); the oracle for the lists is TensorFlow's own reader."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from ckpt_browser.core.formats.variables import VariableFilter
from ckpt_browser.core.model_dir.contents import read_contents, read_variable
from ckpt_browser.core.model_dir.scan import scan_model_dir
from ckpt_browser.core.state.app_state import AppState
from ckpt_browser.core.tf.tfimport import tf

IRIS = Path(__file__).resolve().parents[1] / "data" / "estimator" / "iris"


def copy_checkpoint(step: int, into: Path) -> None:
    """The files TensorFlow wrote for one checkpoint, the index last (as the Saver writes it)."""
    for suffix in (".data-00000-of-00001", ".meta", ".index"):
        shutil.copy(IRIS / f"model.ckpt-{step}{suffix}", into)


def tf_names(prefix: Path, needle: str) -> list[str]:
    return sorted(name for name, _ in tf().train.list_variables(str(prefix)) if needle in name)


class Window:
    """What a window does with the state, without Qt: it hears every event, and reads the
    selected checkpoint's list when the selection moves (as the window's worker does)."""

    def __init__(self, state: AppState) -> None:
        self.state = state
        self.heard: list[tuple[str, object]] = []
        state.events.connect(lambda e: self.heard.append((e.type, e.value)))

    def take(self) -> list[tuple[str, object]]:
        heard, self.heard = self.heard, []
        return heard

    def read_list(self) -> None:
        info = self.state.checkpoint_info()
        assert info is not None
        self.state.set_contents(read_contents(info, self.state.valid_filter()))

    def read_value(self):
        """What the Values tab's worker does once a variable is selected."""
        info = self.state.checkpoint_info()
        read = read_variable(info, self.state.variable)
        assert self.state.set_value(info.prefix, self.state.variable, read)
        return read

    def shows(self) -> list[str]:
        return sorted(v.name for v in self.state.visible_variables())


def test_a_whole_session_without_a_window(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    for step in (100, 150, 200, 250):  # training has written four checkpoints so far
        copy_checkpoint(step, run)
    state = AppState()
    window = Window(state)

    # Open: the latest is selected, and its list read.
    state.request_open(str(run))
    state.opened(str(run), scan_model_dir(run, allow_empty=True))
    assert window.take() == [("opened", run), ("source", run), ("checkpoint", "model.ckpt-250")]
    assert state.follow_latest is True
    window.read_list()
    assert [t for t, _ in window.take()] == ["contents"]
    assert window.shows() == tf_names(run / "model.ckpt-250", "")

    # An older checkpoint: following stops.
    state.select(run, "model.ckpt-150")
    assert window.take() == [("follow_latest", False), ("checkpoint", "model.ckpt-150"), ("contents", None)]
    window.read_list()
    assert state.contents is not None and state.contents.checkpoint.prefix == run / "model.ckpt-150"

    # A variable and its value, then a filter that keeps it on show, then one that hides it.
    assert state.select_variable("dnn/logits/kernel")
    read = window.read_value()
    assert window.take() == [("contents", state.contents), ("variable", "dnn/logits/kernel"), ("value", read)]
    want = tf().train.load_checkpoint(str(run / "model.ckpt-150")).get_tensor("dnn/logits/kernel")
    np.testing.assert_array_equal(state.value.value, want)
    state.set_filter(text="logits")
    assert window.take() == [("filter", VariableFilter(text="logits"))]
    assert window.shows() == tf_names(run / "model.ckpt-150", "logits")
    assert len(window.shows()) == 4  # two of the model's, two Adagrad accumulators
    state.set_filter(text="hiddenlayer_0")
    assert window.take() == [("filter", VariableFilter(text="hiddenlayer_0")), ("variable", None), ("value", None)]
    assert window.shows() == tf_names(run / "model.ckpt-150", "hiddenlayer_0")
    assert not state.select_variable("dnn/logits/bias")  # not on show: not selected
    state.set_filter(text="logits")
    assert state.select_variable("dnn/logits/bias")
    window.take()

    # Follow the latest again: the newest checkpoint, the variable kept once its list is read.
    state.set_follow_latest(True)
    assert window.take() == [
        ("follow_latest", True),
        ("checkpoint", "model.ckpt-250"),
        ("contents", None),
        ("variable", None),
    ]
    window.read_list()
    assert window.take() == [("contents", state.contents), ("variable", "dnn/logits/bias")]

    # Training writes a new checkpoint (TensorFlow's files, and its state file naming it).
    copy_checkpoint(300, run)
    shutil.copy(IRIS / "checkpoint", run)
    state.refreshed(scan_model_dir(run, allow_empty=True))
    assert window.take() == [
        ("refreshed", run),
        ("checkpoint", "model.ckpt-300"),
        ("contents", None),
        ("variable", None),
    ]
    window.read_list()
    assert window.take() == [("contents", state.contents), ("variable", "dnn/logits/bias")]
    assert state.selection() == (run, "model.ckpt-300", "dnn/logits/bias")
    assert state.checkpoint_info().prefix == run / "model.ckpt-300"
    assert window.shows() == tf_names(run / "model.ckpt-300", "logits")
    assert state.follow_latest is True

    # Close: nothing is selected, nothing open.
    state.close(run)
    assert window.take() == [
        ("closed", run),
        ("source", None),
        ("checkpoint", None),
        ("contents", None),
        ("variable", None),
    ]
    assert state.selection() == (None, None, None)
    assert state.sources() == [] and window.shows() == []


def test_a_field_cannot_change_without_its_event():
    state = AppState()
    heard = []
    state.events.follow_latest.connect(lambda e: heard.append(e.value))
    with pytest.raises(AttributeError, match="set_follow_latest|methods"):
        state.follow_latest = False  # type: ignore[misc]
    with pytest.raises(AttributeError, match="no field"):
        state.folow_latest = False  # a typo is not a new attribute either
    assert state.follow_latest is True and heard == []
    state.set_follow_latest(False)
    assert heard == [False]


def test_a_list_or_value_read_for_a_checkpoint_no_longer_selected_is_dropped(tmp_path):
    state = AppState()
    state.opened(str(IRIS), scan_model_dir(IRIS))
    stale = read_contents(state.checkpoint_info())  # model.ckpt-300, read while the user moves on
    state.select(IRIS, "model.ckpt-100")
    state.set_contents(stale)
    assert state.contents is None and state.visible_variables() == []
    state.set_contents(read_contents(state.checkpoint_info()))
    state.select_variable("global_step")
    old = read_variable(state.checkpoint_info(), "global_step")
    state.select(IRIS, "model.ckpt-150")  # moved on while the value was read
    assert not state.set_value(IRIS / "model.ckpt-100", "global_step", old) and state.value is None
