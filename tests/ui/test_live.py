"""A training job writes into a folder the open window watches: the window follows."""

from __future__ import annotations

from tests.trainer import Trainer, trained
from tests.ui.conftest import TIMEOUT

LIVE = 10_000  # "within about two seconds", with room for a loaded CI machine


def _names(window):
    (source,) = window.sources.sources()
    return [c.name for c in source.model_dir.checkpoints]


def test_new_checkpoints_and_scalars_appear_and_pruned_ones_go(qtbot, window, tmp_path):
    run = tmp_path / "run"
    trainer = trained(run, steps=5, max_to_keep=2)
    with qtbot.waitSignal(window.checkpoint_loaded, timeout=TIMEOUT):
        window.open_path(str(run))
    # The scalars are read when a view shows them (issue 25); at most the save times were read.
    assert window.state.results.events_of(run) is None or not window.state.results.events_of(run).series
    window.show_tab("scalars")
    qtbot.waitUntil(
        lambda: (
            window.state.results.events_of(run) is not None
            and ("train", "loss") in window.state.results.events_of(run).series
        ),
        timeout=LIVE,
    )
    assert _names(window) == ["model.ckpt-5"]
    window.variables.select_variable("linear/w")

    trainer.train(5)
    trainer.save()  # model.ckpt-10
    qtbot.waitUntil(lambda: _names(window) == ["model.ckpt-5", "model.ckpt-10"], timeout=LIVE)
    qtbot.waitUntil(
        lambda: list(window.view("scalars").curves().get("train", ([], []))[0]) == list(range(1, 11)), timeout=LIVE
    )
    # The latest was on show, so the new latest is (follow latest), with the same variable selected.
    qtbot.waitUntil(lambda: window.current_checkpoint().name == "model.ckpt-10", timeout=LIVE)
    qtbot.waitUntil(
        lambda: (c := window.variables.contents()) is not None and c.checkpoint.name == "model.ckpt-10", timeout=LIVE
    )
    assert window.variables.selected_variable().name == "linear/w"

    trainer.train(5)
    trainer.save()  # model.ckpt-15; max_to_keep=2 deletes model.ckpt-5
    qtbot.waitUntil(lambda: _names(window) == ["model.ckpt-10", "model.ckpt-15"], timeout=LIVE)
    flags = window.sources.index(1, 6, window.sources.index(0, 0)).data()
    assert flags == "latest"
    window.show_tab("timeline")
    qtbot.waitUntil(
        lambda: (
            window.view("timeline").timeline is not None
            and window.view("timeline").timeline.deleted == ["model.ckpt-5"]
        ),
        timeout=LIVE,
    )
    # Clicking a checkpoint mark on the scalars plot selects that checkpoint.
    window.show_tab("scalars")
    qtbot.waitUntil(lambda: "model.ckpt-10" in window.view("scalars").marks, timeout=LIVE)
    with qtbot.waitSignal(window.checkpoint_loaded, timeout=TIMEOUT):
        window.view("scalars").marks["model.ckpt-10"].sigClicked.emit(
            window.view("scalars").marks["model.ckpt-10"], None
        )
    assert window.current_checkpoint().name == "model.ckpt-10"
    trainer.close()


def test_half_written_checkpoint_is_being_written_not_an_error(qtbot, window, tmp_path):
    run = tmp_path / "run"
    trainer = trained(run)
    with qtbot.waitSignal(window.checkpoint_loaded, timeout=TIMEOUT):
        window.open_path(str(run))
    # A trainer caught mid-save: the index is there, the data file not yet.
    (run / "model.ckpt-9.index").write_bytes((run / "model.ckpt-2.index").read_bytes())
    qtbot.waitUntil(lambda: "model.ckpt-9" in _names(window), timeout=LIVE)
    (source,) = window.sources.sources()
    info = source.model_dir.find("model.ckpt-9")
    assert info.being_written and window.sources.index(1, 6, window.sources.index(0, 0)).data() == "being written"
    # The data arrives: the retry shows it complete.
    (run / "model.ckpt-9.data-00000-of-00001").write_bytes((run / "model.ckpt-2.data-00000-of-00001").read_bytes())
    qtbot.waitUntil(lambda: window.sources.sources()[0].model_dir.find("model.ckpt-9").files_ok, timeout=LIVE)
    trainer.close()


def test_a_folder_opened_empty_fills_in_as_training_starts(qtbot, window, tmp_path):
    """Issue 11, case 23: open the browser first, then start the job."""
    run = tmp_path / "run"
    run.mkdir()
    with qtbot.waitSignal(window.source_opened, timeout=TIMEOUT):
        window.open_path(str(run))
    assert "No checkpoint here yet" in window.variables.title.text()
    assert [s.model_dir.path for s in window.sources.sources()] == [run]  # opened, and watched
    trainer = Trainer(run)
    trainer.train(3)
    with qtbot.waitSignal(window.checkpoint_loaded, timeout=LIVE) as loaded:
        trainer.save()
    assert loaded.args[0].checkpoint.name == "model.ckpt-3"
    assert _names(window) == ["model.ckpt-3"]
    trainer.close()


def test_a_folder_that_does_not_exist_yet_is_watched_until_it_does(qtbot, window, tmp_path):
    run = tmp_path / "not-yet"
    with qtbot.waitSignal(window.source_opened, timeout=TIMEOUT):
        window.open_path(str(run))
    assert _names(window) == []
    run.mkdir()
    trainer = Trainer(run)
    trainer.train(2)
    with qtbot.waitSignal(window.checkpoint_loaded, timeout=LIVE):
        trainer.save()
    assert _names(window) == ["model.ckpt-2"]
    trainer.close()
