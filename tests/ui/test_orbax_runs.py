"""A runs folder holding an Orbax run (keras.callbacks.OrbaxCheckpoint's step folders) and a TF run
opens both in the window, each a source with its own checkpoints."""

from __future__ import annotations

import shutil

from tests.conftest import DATA
from tests.ui.conftest import TIMEOUT


def test_orbax_and_tf_runs_are_both_sources(qtbot, window, tmp_path, iris_dir):
    runs = tmp_path / "runs"
    shutil.copytree(DATA / "orbax" / "keras_fit", runs / "orbax_fit")
    shutil.copytree(iris_dir, runs / "tf" / "iris")
    window.open_path(str(runs))
    qtbot.waitUntil(lambda: len(window.sources.sources()) == 2, timeout=TIMEOUT)
    by_name = {s.model_dir.path.name: s.model_dir for s in window.sources.sources()}
    assert sorted(by_name) == ["iris", "orbax_fit"]
    assert [c.step for c in by_name["orbax_fit"].checkpoints] == [8, 10, 12]  # its step folders
    assert [c.step for c in by_name["iris"].checkpoints] == [100, 150, 200, 250, 300]
