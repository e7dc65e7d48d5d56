"""Follow latest while tf.train.CheckpointManager writes and prunes (no event files): the new
checkpoint becomes the selection, the deleted ones are counted on the Timeline; View > Follow
Latest Checkpoint shows whether it is on, and turning it on goes to the latest."""

from __future__ import annotations

from tests.ui.conftest import TIMEOUT

LIVE = 15_000


def test_follow_latest_and_deleted_counted(qtbot, window, tmp_path):
    from ckpt_browser.core.tf.tfimport import tf

    t = tf()
    folder = tmp_path / "run"
    step = t.Variable(0, dtype=t.int64)
    manager = t.train.CheckpointManager(t.train.Checkpoint(step=step), str(folder), max_to_keep=2)

    def save(n: int) -> None:
        step.assign(n)
        manager.save(checkpoint_number=n)

    save(1)
    with qtbot.waitSignal(window.checkpoint_loaded, timeout=TIMEOUT):
        window.open_path(str(folder))
    assert window.current_checkpoint().name == "ckpt-1" and window.follow_action.isChecked()
    for n in (2, 3, 4):  # the manager keeps two: ckpt-1 and ckpt-2 are deleted
        save(n)
        window.refresh_source(str(folder))  # what the file watcher does, without waiting for it
        qtbot.waitUntil(lambda n=n: window.current_checkpoint().name == f"ckpt-{n}", timeout=LIVE)
    window.show_tab("timeline")
    qtbot.waitUntil(
        lambda: (tl := window.view("timeline").timeline) is not None and tl.deleted == ["ckpt-1", "ckpt-2"],
        timeout=LIVE,
    )
    assert "2 written but since deleted" in window.view("timeline").summary.text()
    # An older checkpoint on show: following stops, and a new checkpoint does not take the selection.
    (source,) = window.sources.sources()
    with qtbot.waitSignal(window.checkpoint_loaded, timeout=TIMEOUT):
        window.select_checkpoint("ckpt-3")
    assert not window.follow_action.isChecked()
    save(5)
    window.refresh_source(str(folder))
    qtbot.waitUntil(lambda: [c.name for c in source.model_dir.checkpoints] == ["ckpt-4", "ckpt-5"], timeout=LIVE)
    # ckpt-3 was pruned from under the selection: the latest is shown (the state's rule for a pruned one).
    qtbot.waitUntil(lambda: window.current_checkpoint().name == "ckpt-5", timeout=LIVE)
    with qtbot.waitSignal(window.checkpoint_loaded, timeout=TIMEOUT):
        window.select_checkpoint("ckpt-4")
    assert not window.follow_action.isChecked()
    with qtbot.waitSignal(window.checkpoint_loaded, timeout=TIMEOUT):
        window.follow_action.trigger()  # on again: to the latest
    assert window.current_checkpoint().name == "ckpt-5" and window.follow_action.isChecked()
