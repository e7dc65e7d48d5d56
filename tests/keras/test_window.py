"""Keras and TF.js files in the window: browsed like checkpoints, the Model tab's summary and
pitfalls, a quantized weight shown dequantized with how it is stored."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.ui.conftest import TIMEOUT

TFJS = Path(__file__).parents[1] / "data" / "tfjs"


def test_model_tab_lists_layers_and_pitfalls(qtbot, window, pitfalls):
    folder, _ = pitfalls
    with qtbot.waitSignal(window.checkpoint_loaded, timeout=TIMEOUT):
        window.open_path(str(folder / "custom.keras"))
    view = window.view("model")
    with qtbot.waitSignal(view.reported, timeout=TIMEOUT):
        window.show_tab("model")
    assert [r[0] for r in view.layers.rows()] == ["d", "plus_one", "scale", "out"]
    warnings = [r for i, r in enumerate(view.findings.rows()) if view.findings.is_bad(i)]
    assert {r[1] for r in warnings} == {"plus_one", "scale", "compile_config/loss"}
    assert "3 problem(s)" in view.status.text()
    # A TensorFlow checkpoint has no model summary: the tab says so.
    window.open_path(str(Path(__file__).parents[1] / "data" / "estimator" / "iris"))
    qtbot.waitUntil(lambda: "Model summaries are for Keras files" in view.status.text(), timeout=TIMEOUT)


def test_quantized_tfjs_weight_is_shown_dequantized(qtbot, window):
    from ckpt_browser.core.formats.tfjs import TfjsModel

    with qtbot.waitSignal(window.checkpoint_loaded, timeout=TIMEOUT):
        window.open_path(str(TFJS / "quantized" / "model.json"))
    with qtbot.waitSignal(window.tensor_loaded, timeout=TIMEOUT) as loaded:
        window.variables.select_variable("q8/kernel")
    want = np.load(TFJS / "expected_quantized.npz")["q8/kernel"]  # tensorflowjs.read_weights
    np.testing.assert_array_equal(loaded.args[0], want)
    assert "stored as uint8 codes" in window.tensor_view.header.text()
    assert TfjsModel(TFJS / "quantized" / "model.json").raw("q8/kernel").dtype == np.uint8


def test_the_stored_codes_of_a_quantized_weight_on_request(qtbot, window):
    from ckpt_browser.core.formats.tfjs import TfjsModel

    with qtbot.waitSignal(window.checkpoint_loaded, timeout=TIMEOUT):
        window.open_path(str(TFJS / "quantized" / "model.json"))
    with qtbot.waitSignal(window.tensor_loaded, timeout=TIMEOUT):
        window.variables.select_variable("q16/kernel")
    box = window.tensor_view.codes_box
    assert box.isVisibleTo(window)
    with qtbot.waitSignal(window.tensor_loaded, timeout=TIMEOUT) as codes:
        box.setChecked(True)
    np.testing.assert_array_equal(codes.args[0], TfjsModel(TFJS / "quantized" / "model.json").raw("q16/kernel"))
    assert codes.args[0].dtype == np.uint16 and "these are the codes" in window.tensor_view.header.text()
    with qtbot.waitSignal(window.tensor_loaded, timeout=TIMEOUT) as values:
        box.setChecked(False)
    np.testing.assert_array_equal(values.args[0], np.load(TFJS / "expected_quantized.npz")["q16/kernel"])


def test_dropping_model_files_opens_them(qtbot, window, keras_files):
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDropEvent

    folder, _ = keras_files
    for path, name in ((folder / "model.keras", "model.keras"), (TFJS / "layers" / "model.json", "model.json")):
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(path))])
        drop = QDropEvent(
            QPointF(40, 40), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier
        )
        with qtbot.waitSignal(window.checkpoint_loaded, timeout=TIMEOUT) as loaded:
            window.dropEvent(drop)
        assert loaded.args[0].checkpoint.name == name


def test_history_and_compare_across_the_model_files_of_a_folder(qtbot, window, keras_files):
    folder, model = keras_files
    with qtbot.waitSignal(window.checkpoint_loaded, timeout=TIMEOUT):
        window.open_path(str(folder / "model.keras"))
    with qtbot.waitSignal(window.tensor_loaded, timeout=TIMEOUT):
        window.variables.select_variable("hidden/kernel")
    history = window.view("history")
    with qtbot.waitSignal(history.history_ready, timeout=TIMEOUT) as h:
        window.show_tab("history")
    kernel = model.get_layer("hidden").kernel.numpy().astype(np.float64)
    assert sorted(h.args[0].names) == ["legacy.h5", "model.keras", "model.weights.h5"]
    # The default summary (issue 20): the mean, in a band from the min to the max.
    np.testing.assert_allclose(h.args[0].values, [kernel.mean()] * 3, rtol=1e-6)
    np.testing.assert_allclose(h.args[0].low, [kernel.min()] * 3, rtol=1e-6)
    np.testing.assert_allclose(h.args[0].high, [kernel.max()] * 3, rtol=1e-6)
    compare = window.view("compare")
    with qtbot.waitSignal(compare.compared, timeout=TIMEOUT) as c:
        window.show_tab("compare")
    assert c.args[0].diff.equal  # the same weights saved another way
