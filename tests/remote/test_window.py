"""The window on a bucket: File > Open URL, the same list and values as a local folder, polling
that shows a checkpoint once its files are complete, and errors in the window, not a hang."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QInputDialog

from ckpt_browser.core.tf.tfimport import tf
from tests.trainer import Trainer
from tests.ui.conftest import TIMEOUT

LIVE = 15_000


@pytest.fixture(autouse=True)
def _fast_polling(monkeypatch):
    monkeypatch.setenv("CKPT_BROWSER_REMOTE_POLL", "0.3")


def _names(window):
    (source,) = window.sources.sources()
    return [c.name for c in source.model_dir.checkpoints]


def test_open_url_from_the_menu_shows_the_bucket_like_the_folder(qtbot, window, s3, monkeypatch):
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: (s3.urls["iris"] + "/", True))
    with qtbot.waitSignal(window.checkpoint_loaded, timeout=TIMEOUT):
        next(a for a in window.menuBar().actions()[0].menu().actions() if a.text() == "Open &URL…").trigger()
    assert _names(window) == ["model.ckpt-100", "model.ckpt-150", "model.ckpt-200", "model.ckpt-250", "model.ckpt-300"]
    assert window.current_checkpoint().name == "model.ckpt-300"
    assert window.settings.recent_files()[0] == s3.urls["iris"]  # Open Recent lists the URL
    with qtbot.waitSignal(window.tensor_loaded, timeout=TIMEOUT) as loaded:
        window.variables.select_variable("dnn/logits/kernel")
    theirs = tf().train.load_checkpoint(str(s3.local["iris"] / "model.ckpt-300")).get_tensor("dnn/logits/kernel")
    np.testing.assert_array_equal(loaded.args[0], theirs)


def test_a_checkpoint_written_to_the_bucket_appears_once_complete(qtbot, window, s3, tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    trainer = Trainer(run)
    trainer.train(3)
    trainer.save()  # model.ckpt-3
    s3.fs.put(str(run), "runs/live", recursive=True)
    with qtbot.waitSignal(window.checkpoint_loaded, timeout=TIMEOUT):
        window.open_path("s3://runs/live")
    assert _names(window) == ["model.ckpt-3"]
    trainer.train(3)
    trainer.save()  # model.ckpt-6, uploaded file by file as a job writing to a bucket does
    s3.fs.put(str(run / "model.ckpt-6.index"), "runs/live/model.ckpt-6.index")
    qtbot.waitUntil(lambda: "model.ckpt-6" in _names(window), timeout=LIVE)
    info = window.sources.sources()[0].model_dir.find("model.ckpt-6")
    assert info.being_written and not info.files_ok  # its data is not there yet: not "damaged"
    s3.fs.put(str(run / "model.ckpt-6.data-00000-of-00001"), "runs/live/model.ckpt-6.data-00000-of-00001")
    s3.fs.put(str(run / "checkpoint"), "runs/live/checkpoint")
    qtbot.waitUntil(lambda: window.sources.sources()[0].model_dir.find("model.ckpt-6").files_ok, timeout=LIVE)
    assert window.sources.sources()[0].model_dir.latest == "model.ckpt-6"
    trainer.close()


def test_a_missing_bucket_is_a_message_and_the_window_stays_usable(qtbot, window, s3, iris_dir):
    window.open_path("s3://no-such-bucket/run")
    qtbot.waitUntil(lambda: "does not exist" in window.status_label.text(), timeout=TIMEOUT)
    assert "s3://no-such-bucket/run" in window.status_label.text()
    with qtbot.waitSignal(window.checkpoint_loaded, timeout=TIMEOUT):
        window.open_path(str(iris_dir))


def test_fit_from_a_bucket_restores_each_checkpoint_and_plots_its_data(qtbot, window, s3):
    quadratic = s3.local["quadratic"]
    with qtbot.waitSignal(window.checkpoint_loaded, timeout=TIMEOUT):
        window.open_path(s3.urls["quadratic"])
    with qtbot.waitSignal(window.view("fit").fitted, timeout=TIMEOUT):
        window.show_tab("fit")
    qtbot.waitUntil(lambda: "training data" in window.view("fit").curves(), timeout=TIMEOUT)
    curves = window.view("fit").curves()
    x, y = curves["training data"]
    data = np.loadtxt(quadratic / "data.csv", delimiter=",", skiprows=1)
    np.testing.assert_allclose(x, data[:, 0])
    np.testing.assert_allclose(y, data[:, 1])
    ckpt = tf().train.load_checkpoint(str(quadratic / "model_final"))
    h, v = ckpt.get_tensor("hor_estimate"), ckpt.get_tensor("ver_estimate")
    cx, cy = curves["model_final"]
    np.testing.assert_allclose(cy, (cx.astype(np.float32) - h) ** 2 + v, rtol=1e-5, atol=1e-5)
