"""`ls` and `show` drive the window's app state (core/state/headless.py): the state opens the path,
chooses the checkpoint and finds the variable, and the command prints what it selected. One
lookup rule (formats/variables.py: find_variable) serves the window, the CLI and the API. Oracles:
TensorFlow's own reader, and what Keras said of each variable when it wrote the checkpoint
(tests/data/keras3/*/truth.json)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import ckpt_browser as cb
from ckpt_browser.cli import main
from ckpt_browser.core.model_dir.contents import read_contents
from ckpt_browser.core.model_dir.scan import scan_model_dir
from ckpt_browser.core.state import headless
from ckpt_browser.core.state.app_state import AppState
from ckpt_browser.core.storage import locate
from ckpt_browser.core.tf.tfimport import tf

DATA = Path(__file__).resolve().parents[1] / "data"
IRIS = DATA / "estimator" / "iris"
KERAS3 = DATA / "keras3" / "sequential_adam"


@pytest.fixture
def sessions(monkeypatch) -> list[AppState]:
    """The state of each session a command makes."""
    made: list[AppState] = []
    init = headless.Headless.__init__

    def spying(self, state=None):
        init(self, state)
        made.append(self.state)

    monkeypatch.setattr(headless.Headless, "__init__", spying)
    return made


def test_show_prints_what_the_state_selected(sessions, capsys):
    assert main(["show", str(IRIS), "dnn/logits/bias", "--checkpoint", "model.ckpt-200", "--json"]) == 0
    (state,) = sessions
    source, checkpoint, variable = state.selection()
    assert (str(source), checkpoint, variable) == (str(IRIS), "model.ckpt-200", "dnn/logits/bias")
    assert state.contents is not None and state.contents.checkpoint.prefix == IRIS / "model.ckpt-200"
    out = json.loads(capsys.readouterr().out)
    want = tf().train.load_checkpoint(str(IRIS / "model.ckpt-200")).get_tensor("dnn/logits/bias")
    np.testing.assert_array_equal(np.array(out["values"], dtype=np.float32), want)


def test_ls_lists_the_checkpoint_the_state_chose(sessions, capsys):
    assert main(["ls", str(IRIS / "model.ckpt-150.index")]) == 0  # a path naming a checkpoint
    (state,) = sessions
    assert state.checkpoint == "model.ckpt-150" and state.follow_latest is False
    listed = [line.split()[0] for line in capsys.readouterr().out.splitlines() if line.startswith("dnn/")]
    assert listed == sorted(
        n for n, _ in tf().train.list_variables(str(IRIS / "model.ckpt-150")) if n.startswith("dnn/")
    )
    assert [v.name for v in state.visible_variables()] == [
        n for n, _ in tf().train.list_variables(str(IRIS / "model.ckpt-150"))
    ]


def test_a_missing_variable_is_the_states_message_and_the_commands_error(sessions, capsys):
    assert main(["show", str(IRIS), "no/such"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "ckpt-browser show: model.ckpt-300 has no variable 'no/such'"
    (state,) = sessions
    assert state.checkpoint == "model.ckpt-300" and state.variable is None


def test_a_missing_checkpoint_is_an_error_not_the_latest(sessions, capsys):
    assert main(["ls", str(IRIS), "--checkpoint", "model.ckpt-7"]) == 2
    assert "no checkpoint 'model.ckpt-7'" in capsys.readouterr().err
    (state,) = sessions
    assert state.sources() == [] and state.checkpoint is None  # the open failed: nothing shown


def keras_paths(checkpoint: str) -> dict[str, str]:
    """Keras' own path of each model weight -> the checkpoint key it wrote it under."""
    truth = json.loads((KERAS3 / "truth.json").read_text())["checkpoints"][checkpoint]
    return {v["path"]: v["key"] for v in truth["variables"] if v["kind"] == "model"}


@pytest.mark.parametrize("checkpoint", ["ckpt-1", "ckpt-3"])
def test_one_name_rule_for_the_window_the_cli_and_the_api(checkpoint, capsys):
    """A Keras 3 tf.train.Checkpoint: each weight by its Keras path (as the window shows it) and
    by the key Keras wrote, found alike by the window's state, `show` and the API, and read as
    TensorFlow reads the key."""
    prefix = KERAS3 / checkpoint
    reader = tf().train.load_checkpoint(str(prefix))
    state = AppState()
    state.request_open(str(KERAS3), checkpoint)
    state.opened(str(KERAS3), scan_model_dir(locate(KERAS3)))
    state.set_contents(read_contents(state.checkpoint_info(), state.valid_filter()))
    api = cb.open(KERAS3).checkpoint(checkpoint)
    for path, key in keras_paths(checkpoint).items():
        for name in (f"model/{path}", key):
            assert state.select_variable(name), name
            stored = state.variable
            np.testing.assert_array_equal(api.read(name), reader.get_tensor(key))
            assert main(["show", str(KERAS3), name, "--checkpoint", checkpoint, "--json"]) == 0
            out = json.loads(capsys.readouterr().out)
            assert out["name"] == stored
            np.testing.assert_array_equal(np.array(out["values"], dtype=np.float32), reader.get_tensor(key))
