"""The window's selection rules without a window: a real training loop writes and prunes
checkpoints (tests/trainer.py, a tf.compat.v1 Saver), the state is told what the scans found.
tests/core/test_app_state_session.py walks a whole session and the events it emits."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ckpt_browser.core.model_dir.contents import read_contents
from ckpt_browser.core.model_dir.scan import scan_model_dir
from ckpt_browser.core.state.app_state import AppState
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


def shown(state: AppState) -> tuple:
    return state.source, state.checkpoint


def heard(state: AppState, name: str) -> list:
    out: list = []
    state.events.connect(lambda e: out.append(e.value) if e.type == name else None)
    return out


def read_list(state: AppState) -> None:
    """What the window's worker does once the selection moved: read the checkpoint's list."""
    state.set_contents(read_contents(state.checkpoint_info()))


def test_the_state_module_imports_without_qt():
    r = run_without(("PySide6", "pyqtgraph", "shiboken6"), "import ckpt_browser.core.state.app_state\nprint('ok')\n")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "ok"


def test_opening_shows_the_latest_and_what_the_path_named():
    state = AppState()
    md = scan_model_dir(IRIS)
    state.opened(str(IRIS), md)
    assert (state.source, state.checkpoint, state.follow_latest) == (IRIS, "model.ckpt-300", True)

    state.request_open("again", checkpoint="model.ckpt-150", variable="dnn/logits/bias")
    state.opened("again", scan_model_dir(IRIS))
    assert shown(state) == (IRIS, "model.ckpt-150")
    assert state.follow_latest is False  # an older checkpoint is on show
    read_list(state)
    assert state.variable == "dnn/logits/bias"
    state.select(IRIS, "model.ckpt-100")
    state.select_variable(None)
    read_list(state)
    assert state.variable == "dnn/logits/bias"  # kept from the checkpoint before, not asked again
    state.select_variable(None)
    state.select(IRIS, "model.ckpt-150")
    read_list(state)
    assert state.variable is None  # asked for once only
    assert len(state.sources()) == 1  # the same folder opened twice is one source


def test_opening_the_same_folder_again_reads_its_checkpoint_again():
    state = AppState()
    state.opened(str(IRIS), scan_model_dir(IRIS))
    reloads = heard(state, "reload")
    state.opened(str(IRIS), scan_model_dir(IRIS))
    assert reloads == ["model.ckpt-300"]


def test_a_checkpoint_that_is_not_there_is_said_and_the_latest_shown():
    state = AppState()
    messages = heard(state, "message")
    state.request_open("k", checkpoint="model.ckpt-999", variable="no/such/variable")
    state.opened("k", scan_model_dir(IRIS))
    assert state.checkpoint == "model.ckpt-300"
    assert messages == []  # said with the list, not under "Reading model.ckpt-300 ..."
    read_list(state)
    assert messages == [
        f"No checkpoint 'model.ckpt-999' in {IRIS}",
        "model.ckpt-300 has no variable 'no/such/variable'",
    ]
    state.ask_variable("dnn/logits/bias", "model.ckpt-999")
    assert messages[2:] == [f"No checkpoint 'model.ckpt-999' in {IRIS}"] and state.checkpoint == "model.ckpt-300"


def test_follow_latest_while_training_writes_and_prunes(training):
    state = AppState()
    empty = scan_model_dir(training.model_dir, allow_empty=True)
    state.opened("k", empty)
    assert shown(state) == (training.model_dir, None)  # nothing to show yet

    first = save(training)
    state.refreshed(first)
    assert shown(state) == (training.model_dir, "model.ckpt-1")  # the first arrives
    second = save(training)
    state.refreshed(second)
    assert shown(state) == (training.model_dir, "model.ckpt-2")  # followed
    third = save(training)  # max_to_keep=2: the Saver deletes model.ckpt-1
    assert third.names() == ("model.ckpt-2", "model.ckpt-3")
    state.refreshed(third)
    assert shown(state) == (training.model_dir, "model.ckpt-3")
    assert state.results.deleted(training.model_dir) == ["model.ckpt-1"]
    assert [c.on_disk for c in state.results.gone(training.model_dir)] == [False]

    # The user looks at an older checkpoint: new ones no longer take the selection...
    state.select(training.model_dir, "model.ckpt-2")
    assert state.follow_latest is False
    fourth = save(training)  # ...until the one on show is pruned: then the latest is shown
    state.refreshed(fourth)
    assert shown(state) == (training.model_dir, "model.ckpt-4")
    assert state.results.deleted(training.model_dir) == ["model.ckpt-1", "model.ckpt-2"]
    assert state.follow_latest is True
    fifth = save(training)
    state.refreshed(fifth)
    assert shown(state) == (training.model_dir, "model.ckpt-5")


def test_the_variable_on_show_stays_on_show_in_the_next_checkpoint(training):
    state = AppState()
    messages = heard(state, "message")
    state.opened("k", save(training))
    read_list(state)
    assert state.select_variable("linear/w")
    state.refreshed(save(training))  # followed to model.ckpt-2
    assert (state.checkpoint, state.variable) == ("model.ckpt-2", None)  # its list not read yet
    read_list(state)
    assert state.variable == "linear/w"
    state.select_variable("linear/b")
    state.select(training.model_dir, "model.ckpt-1")
    state.set_contents(read_contents(state.model_dir().find("model.ckpt-2")))  # a stale read: dropped
    assert state.contents is None
    read_list(state)
    assert state.variable == "linear/b"
    assert messages == []  # kept, not asked for: no complaint if absent


def test_an_older_checkpoint_stays_selected_while_new_ones_arrive(tmp_path):
    trainer = Trainer(tmp_path / "run", max_to_keep=5)
    try:
        state = AppState()
        state.opened("k", save(trainer))
        save(trainer)
        state.refreshed(scan_model_dir(trainer.model_dir))
        state.select(trainer.model_dir, "model.ckpt-1")
        checkpoints = heard(state, "checkpoint")
        state.refreshed(save(trainer))
        assert state.checkpoint == "model.ckpt-1" and checkpoints == []
    finally:
        trainer.close()


def test_a_refresh_of_another_source_moves_nothing(tmp_path, training):
    state = AppState()
    state.opened("t", save(training))
    iris = tmp_path / "iris"
    shutil.copytree(IRIS, iris)
    state.opened("i", scan_model_dir(iris))
    checkpoints = heard(state, "checkpoint")
    state.refreshed(save(training))
    assert (state.source, state.checkpoint) == (iris, "model.ckpt-300") and checkpoints == []


def test_closing_the_current_source_moves_to_the_next(tmp_path):
    copies = []
    for name in ("a", "b", "c"):
        shutil.copytree(IRIS, tmp_path / name)
        copies.append(tmp_path / name)
    state = AppState()
    for p in copies:
        state.opened(str(p), scan_model_dir(p))
    state.select(copies[1], "model.ckpt-100")
    state.close(copies[1])
    assert shown(state) == (copies[2], "model.ckpt-300")  # the one in its place
    state.close(copies[2])
    assert shown(state) == (copies[0], "model.ckpt-300")  # the last: the one before
    state.close(copies[0])
    assert (state.source, state.checkpoint, state.sources()) == (None, None, [])


def test_listeners_hear_each_change_once():
    state = AppState()
    heard: list[str] = []
    unsubscribe = state.events.connect(lambda e: heard.append(e.type))
    state.opened("k", scan_model_dir(IRIS))
    state.select(IRIS, "model.ckpt-300")  # already selected: no news
    read_list(state)
    state.select_variable("dnn/logits/bias")
    state.set_filter(text="logits")
    state.set_filter(text="logits")
    assert heard == ["opened", "source", "checkpoint", "contents", "variable", "filter"]
    unsubscribe()
    state.set_filter(text="")
    assert heard == ["opened", "source", "checkpoint", "contents", "variable", "filter"]


def test_a_regex_being_typed_keeps_the_last_valid_filter():
    state = AppState()
    state.opened("k", scan_model_dir(IRIS))
    read_list(state)
    state.set_filter(text="^dnn/logits/", regex=True)
    want = [v.name for v in state.visible_variables()]
    assert want == ["dnn/logits/bias", "dnn/logits/kernel"]  # not the Adagrad accumulators of them
    state.set_filter(text="^dnn/logits/(")  # not a regex yet
    assert state.valid_filter() is None and state.filter.text == "^dnn/logits/("
    assert [v.name for v in state.visible_variables()] == want


def test_background_results_are_kept_per_source_and_go_with_it(tmp_path):
    """What the window's workers hand the state: event files read on request, the self-check's
    findings, Verify's verdicts. Closing the source drops them."""
    from ckpt_browser.core.checks.mismatch import check_model_dir
    from ckpt_browser.core.model_dir.events import ALL
    from ckpt_browser.core.model_dir.refresh import snapshot
    from ckpt_browser.core.values.verify import verify_model_dir

    resized = tmp_path / "iris_resized"
    shutil.copytree(IRIS.parent / "iris_resized", resized)
    state = AppState()
    found: list[tuple[str, object]] = []
    state.results.events.connect(lambda e: found.append((e.type, e.value)))
    state.opened("r", scan_model_dir(resized))

    assert state.results.want_events(resized, ALL) and not state.results.want_events(resized, ALL)  # asked once
    snap = snapshot(resized, state.results.event_reader(resized), state.results.events_wanted(resized))
    state.results.set_events(resized, snap.events, snap.level, snap.reader)
    assert state.results.events_of(resized, ALL) is snap.events and snap.events.series
    assert found == [("events_read", resized)]

    checks = check_model_dir(state.model_dir().snapshot())
    bad = {r.prefix for r in checks if r.findings}
    assert bad  # the resized run's graphs declare [20] where its checkpoints store [10]
    found.clear()
    state.results.set_findings(checks)
    assert found == [("findings", frozenset(r.prefix for r in checks))]
    assert state.results.mismatched() == bad
    some = next(r for r in checks if r.findings)
    assert sorted(state.results.findings_of(some.prefix)) == sorted(f.variable for f in some.findings)

    report = verify_model_dir(state.model_dir().snapshot())
    state.results.set_verified(report)
    assert state.results.corrupt() == {}  # TensorFlow wrote them whole

    state.close(resized)
    assert state.results.events_of(resized) is None and state.results.mismatched() == frozenset()
    assert state.results.findings_of(some.prefix) == {}


def test_the_live_check_is_given_each_new_checkpoint_once_and_its_alarm_kept(training):
    """What the live NaN/Inf check looks at and what it found live in the state, per source: the
    checkpoints there when the folder opened are not news; each one training then writes (TF's
    Saver) is given once; an alarm for a source closed meanwhile is dropped."""
    first = save(training)
    state = AppState()
    state.opened("k", first)
    alarms = []
    state.results.events.alarm.connect(lambda e: alarms.append(e.value))
    assert state.results.take_new(first) == []  # there when it opened
    second = save(training)
    state.refreshed(second)
    assert [c.name for c in state.results.take_new(second)] == ["model.ckpt-2"]
    assert state.results.take_new(second) == []  # given once
    third = save(training)  # max_to_keep=2: model.ckpt-1 pruned
    state.refreshed(third)
    assert [c.name for c in state.results.take_new(third)] == ["model.ckpt-3"]
    state.results.set_alarm(training.model_dir, "NaN", "NaN in run/model.ckpt-3: w (4 NaN)")
    assert alarms == [(training.model_dir, "NaN", "NaN in run/model.ckpt-3: w (4 NaN)")]
    state.close(training.model_dir)
    state.results.set_alarm(training.model_dir, "Inf", "late")  # its check ended after the close
    assert len(alarms) == 1
    assert state.results.take_new(third) == []
