"""A folder of runs in the window (as `tensorboard --logdir runs`): every run a source, Scalars
overlays them in a colour each, a run can be unticked, and a new run shows up by itself."""

from __future__ import annotations

import shutil

import numpy as np
from PySide6.QtCore import Qt

from tests.ui.conftest import TIMEOUT


def test_runs_folder_overlays_runs(qtbot, window, tmp_path, iris_dir):
    canned = iris_dir.parent / "canned"
    runs = tmp_path / "runs"
    shutil.copytree(iris_dir, runs / "iris")
    shutil.copytree(canned / "dnn_regressor_rmsprop", runs / "sweep" / "dnn")
    window.open_path(str(runs))
    qtbot.waitUntil(lambda: len(window.sources.sources()) == 2, timeout=TIMEOUT)
    assert sorted(s.model_dir.path.name for s in window.sources.sources()) == ["dnn", "iris"]
    window.show_tab("scalars")
    view = window.view("scalars")
    qtbot.waitUntil(lambda: {"iris", "sweep/dnn"} <= set(view.curves()), timeout=TIMEOUT)
    view.tags.setCurrentItem(view.tags.findItems("loss", Qt.MatchFlag.MatchExactly)[0])  # the user picks the tag
    qtbot.waitUntil(lambda: {"iris", "sweep/dnn"} <= set(view.curves()), timeout=TIMEOUT)
    from ckpt_browser.core.tf.tfimport import tf

    losses = []  # the iris run's train loss as TensorFlow reads its event file
    for path in sorted((runs / "iris").glob("events.out.tfevents.*")):
        for event in tf().compat.v1.train.summary_iterator(str(path)):
            losses += [(event.step, v.simple_value) for v in event.summary.value if v.tag == "loss"]
    assert list(view.curves()["iris"][0]) == [s for s, _ in losses]
    assert view.run_colour("iris") != view.run_colour("sweep/dnn")
    assert not view.run_list.isHidden()
    (run,) = view.run_list.findItems("sweep/dnn", Qt.MatchFlag.MatchExactly)
    run.setCheckState(Qt.CheckState.Unchecked)  # the user unticks the run
    assert "sweep/dnn" not in view.curves() and "iris" in view.curves()
    run.setCheckState(Qt.CheckState.Checked)
    # A new run written into the folder is found the next time it is looked at (every 10 s).
    shutil.copytree(canned / "linear_regressor_sgd", runs / "sweep" / "linear")
    window._poll_runs_folders()
    qtbot.waitUntil(lambda: len(window.sources.sources()) == 3, timeout=TIMEOUT)
    window.show_tab("table")  # away and back: the tab shows what is open now
    window.show_tab("scalars")
    qtbot.waitUntil(lambda: view.run_list.count() == 3, timeout=TIMEOUT)
    items = [view.run_list.item(i) for i in range(3)]
    assert [i.text() for i in items] == ["iris", "sweep/dnn", "sweep/linear"]
    assert all(i.checkState() == Qt.CheckState.Checked for i in items)
    assert np.all(np.diff(view.curves()["iris"][0]) > 0)


def test_runs_folder_opened_before_its_runs_start(qtbot, window, tmp_path, iris_dir):
    runs = tmp_path / "runs"
    runs.mkdir()
    with qtbot.waitSignal(window.source_opened, timeout=TIMEOUT):
        window.open_path(str(runs))
    assert [s.model_dir.checkpoints for s in window.sources.sources()] == [[]]  # empty, watched
    shutil.copytree(iris_dir, runs / "lr_0.1" / "iris")  # a run starts below it
    window._poll_runs_folders()  # what the 10 s timer does
    qtbot.waitUntil(
        lambda: [s.model_dir.path for s in window.sources.sources()] == [runs / "lr_0.1" / "iris"], timeout=TIMEOUT
    )
