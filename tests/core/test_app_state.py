"""The window's selection rules without a window: a real training loop writes and prunes
checkpoints (tests/trainer.py, a tf.compat.v1 Saver), the state is told what the scans found."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ckpt_browser.core.model_dir.scan import scan_model_dir
from ckpt_browser.core.state.app_state import AppState, Choice
from tests.blocked import run_without
from tests.trainer import Trainer

IRIS = Path(__file__).resolve().parents[1] / "data" / "estimator" / "iris"


@pytest.fixture
def training(tmp_path):
    model_dir = tmp_path / "run"
    model_dir.mkdir()
    trainer = Trainer(model_dir, max_to_keep=2)
    yield trainer
    trainer.close()


def save(trainer: Trainer, steps: int = 1):
    trainer.train(steps)
    trainer.save()
    return scan_model_dir(trainer.model_dir, allow_empty=True)


def test_the_state_module_imports_without_qt():
    r = run_without(("PySide6", "pyqtgraph", "shiboken6"), "import ckpt_browser.core.state.app_state\nprint('ok')\n")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "ok"


def test_opening_shows_the_latest_and_what_the_path_named():
    state = AppState()
    md = scan_model_dir(IRIS)
    assert state.opened(str(IRIS), md) == Choice(IRIS, "model.ckpt-300")
    assert (state.source, state.checkpoint, state.follow_latest) == (IRIS, "model.ckpt-300", True)

    state.request_open("again", checkpoint="model.ckpt-150", variable="dnn/logits/bias")
    assert state.opened("again", scan_model_dir(IRIS)) == Choice(IRIS, "model.ckpt-150")
    assert state.follow_latest is False  # an older checkpoint is on show
    assert state.variable_to_show() == ("dnn/logits/bias", True)
    assert state.variable_to_show() == (None, False)  # once
    assert len(state.sources()) == 1  # the same folder opened twice is one source


def test_a_checkpoint_that_is_not_there_is_said_and_the_latest_shown():
    state = AppState()
    state.request_open("k", checkpoint="model.ckpt-999")
    choice = state.opened("k", scan_model_dir(IRIS))
    assert choice.checkpoint == "model.ckpt-300"
    assert choice.message == f"No checkpoint 'model.ckpt-999' in {IRIS}"


def test_follow_latest_while_training_writes_and_prunes(training):
    state = AppState()
    empty = scan_model_dir(training.model_dir, allow_empty=True)
    assert state.opened("k", empty) == Choice(training.model_dir, None)  # nothing to show yet

    first = save(training)
    assert state.refreshed(first) == Choice(training.model_dir, "model.ckpt-1")  # the first arrives
    second = save(training)
    assert state.refreshed(second) == Choice(training.model_dir, "model.ckpt-2")  # followed
    third = save(training)  # max_to_keep=2: the Saver deletes model.ckpt-1
    assert third.names() == ("model.ckpt-2", "model.ckpt-3")
    assert state.refreshed(third) == Choice(training.model_dir, "model.ckpt-3")
    assert state.deleted[training.model_dir] == ["model.ckpt-1"]

    # The user looks at an older checkpoint: new ones no longer take the selection...
    state.select(training.model_dir, "model.ckpt-2")
    assert state.follow_latest is False
    fourth = save(training)  # ...until the one on show is pruned: then the latest is shown
    assert state.refreshed(fourth) == Choice(training.model_dir, "model.ckpt-4")
    assert state.deleted[training.model_dir] == ["model.ckpt-1", "model.ckpt-2"]
    assert state.follow_latest is True
    fifth = save(training)
    assert state.refreshed(fifth) == Choice(training.model_dir, "model.ckpt-5")


def test_the_variable_on_show_stays_on_show_in_the_next_checkpoint(training):
    state = AppState()
    state.opened("k", save(training))
    state.variable_to_show()
    state.select_variable("linear/w")
    state.refreshed(save(training))  # followed to model.ckpt-2
    state.select_variable(None)  # the window clears the list while it reads the new checkpoint
    assert state.variable_to_show() == ("linear/w", False)  # kept, not asked for: no complaint if absent


def test_an_older_checkpoint_stays_selected_while_new_ones_arrive(tmp_path):
    trainer = Trainer(tmp_path / "run", max_to_keep=5)
    try:
        state = AppState()
        state.opened("k", save(trainer))
        save(trainer)
        state.refreshed(scan_model_dir(trainer.model_dir))
        state.select(trainer.model_dir, "model.ckpt-1")
        assert state.refreshed(save(trainer)) is None
        assert state.checkpoint == "model.ckpt-1"
    finally:
        trainer.close()


def test_a_refresh_of_another_source_moves_nothing(tmp_path, training):
    state = AppState()
    state.opened("t", save(training))
    iris = tmp_path / "iris"
    shutil.copytree(IRIS, iris)
    state.opened("i", scan_model_dir(iris))
    assert state.refreshed(save(training)) is None
    assert (state.source, state.checkpoint) == (iris, "model.ckpt-300")


def test_closing_the_current_source_moves_to_the_next(tmp_path):
    copies = []
    for name in ("a", "b", "c"):
        shutil.copytree(IRIS, tmp_path / name)
        copies.append(tmp_path / name)
    state = AppState()
    for p in copies:
        state.opened(str(p), scan_model_dir(p))
    state.select(copies[1], "model.ckpt-100")
    assert state.close(copies[1]) == Choice(copies[2], "model.ckpt-300")  # the one in its place
    assert state.close(copies[2]) == Choice(copies[0], "model.ckpt-300")  # the last: the one before
    assert state.close(copies[0]) is None
    assert (state.source, state.checkpoint, state.sources()) == (None, None, [])


def test_listeners_hear_each_change_once():
    state = AppState()
    heard: list[str] = []
    unsubscribe = state.subscribe(heard.append)
    state.opened("k", scan_model_dir(IRIS))
    state.select(IRIS, "model.ckpt-300")  # already selected: no news
    state.select_variable("dnn/logits/bias")
    state.set_filter("logits")
    state.set_filter("logits")
    assert heard == ["sources", "checkpoint", "variable", "filter"]
    unsubscribe()
    state.set_filter("")
    assert heard == ["sources", "checkpoint", "variable", "filter"]
