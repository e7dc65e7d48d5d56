"""The window reads the event files when a view shows them (issue 25), off the UI thread: the
Scalars tab then shows what TensorFlow's summary_iterator reads."""

from __future__ import annotations

import shutil
import threading

from PySide6.QtCore import Qt

from tests.test_lazy_events import reads  # noqa: F401 - the fixture counting the storage layer's reads
from tests.ui.conftest import TIMEOUT


def test_scalars_are_read_when_their_tab_shows(qtbot, window, open_dir, tmp_path, iris_dir, reads):  # noqa: F811
    from ckpt_browser.core.tf.tfimport import tf

    copy = tmp_path / "iris"
    shutil.copytree(iris_dir, copy)
    names = [f"model.ckpt-{s}" for s in (100, 150, 200, 250, 300)]
    (copy / "checkpoint").write_text(  # save times in the state: the list needs no event record
        'model_checkpoint_path: "model.ckpt-300"\n'
        + "".join(f'all_model_checkpoint_paths: "{n}"\n' for n in names)
        + "".join(f"all_model_checkpoint_timestamps: {1_700_000_000 + 60 * i}\n" for i in range(5))
    )
    open_dir(copy)
    qtbot.waitUntil(lambda: window.runner.pending == 0, timeout=TIMEOUT)
    assert not [p for p in reads.opened if ".tfevents." in p.name]  # opened, browsed: not read

    window.show_tab("scalars")
    view = window.view("scalars")
    view.smoothing.setValue(0)  # the values as written
    qtbot.waitUntil(lambda: "train" in view.curves(), timeout=TIMEOUT)
    view.tags.setCurrentItem(view.tags.findItems("loss", Qt.MatchFlag.MatchExactly)[0])  # the user picks the tag
    qtbot.waitUntil(lambda: "train" in view.curves(), timeout=TIMEOUT)
    theirs = {}  # run -> (steps, values) of "loss", as TensorFlow reads the event files
    for run, folder in (("train", copy), ("eval", copy / "eval")):
        for path in sorted(folder.glob("events.out.tfevents.*")):
            for event in tf().compat.v1.train.summary_iterator(str(path)):
                for v in event.summary.value:
                    if v.tag == "loss":
                        steps, values = theirs.setdefault(run, ([], []))
                        steps.append(event.step)
                        values.append(v.simple_value)
    curves = view.curves()
    assert set(curves) == set(theirs)
    for run, (steps, values) in theirs.items():
        assert list(curves[run][0]) == steps
        assert [float(v) for v in curves[run][1]] == [float(v) for v in values]
    assert reads.threads and threading.main_thread().name not in reads.threads  # off the UI thread
