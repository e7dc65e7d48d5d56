"""The Graph panel and the Fit view, driven in the real window."""

from __future__ import annotations

import numpy as np
import pytest

from ckpt_browser.core.tf.tfimport import tf
from tests.ui.conftest import TIMEOUT

pytestmark = pytest.mark.tf  # restore, run, Fit, signatures: make test-compat runs these with two TensorFlows


def test_fit_view_plots_data_and_a_curve_per_checkpoint(qtbot, window, open_dir, quadratic):
    open_dir(quadratic)
    with qtbot.waitSignal(window.view("fit").fitted, timeout=TIMEOUT) as f:
        window.show_tab("fit")
    result = f.args[0]
    curves = window.view("fit").curves()
    assert set(curves) == {
        "training data",
        "model_iter-4",
        "model_iter-5",
        "model_iter-6",
        "model_iter-7",
        "model_final",
    }
    x, y = curves["training data"]
    data = np.loadtxt(quadratic / "data.csv", delimiter=",", skiprows=1)
    np.testing.assert_allclose(x, data[:, 0])
    np.testing.assert_allclose(y, data[:, 1])
    for name in ("model_iter-4", "model_final"):
        ckpt = tf().train.load_checkpoint(str(quadratic / name))
        h, v = ckpt.get_tensor("hor_estimate"), ckpt.get_tensor("ver_estimate")
        cx, cy = curves[name]
        np.testing.assert_allclose(cy, (cx.astype(np.float32) - h) ** 2 + v, rtol=1e-5, atol=1e-5)
        assert result.scalars[name]["hor_estimate"] == pytest.approx(float(h))
    headers, rows = window.view("fit").scalar_model.headers(), window.view("fit").scalar_model.rows()
    assert [r[0] for r in rows] == list(result.curves) and len(rows) == 5
    h = tf().train.load_checkpoint(str(quadratic / "model_final")).get_tensor("hor_estimate")
    assert rows[-1][headers.index("hor_estimate")] == f"{float(h):.9g}"
    # The user narrows the range: the curves are recomputed over it.
    window.view("fit").range_edit.setText("0:2:3")
    with qtbot.waitSignal(window.view("fit").fitted, timeout=TIMEOUT) as f:
        window.view("fit").run_fit()
    np.testing.assert_array_equal(f.args[0].xs, [0, 1, 2])


def test_graph_panel_evaluates_with_typed_feeds(qtbot, window, open_dir, quadratic):
    open_dir(quadratic)
    panel = window.view("graph")
    with qtbot.waitSignal(panel.overview_ready, timeout=TIMEOUT):
        window.show_tab("graph")
    assert [r[0] for r in panel.placeholder_model.rows()] == ["X", "Y"]
    assert panel.mismatched_rows() == []
    panel.ops_filter.setText("y_est")
    assert panel.ops_proxy.rowCount() >= 1
    panel.set_fetch("y_est")
    qtbot.waitUntil(lambda: "X" in panel.feed_edits, timeout=TIMEOUT)
    assert list(panel.feed_edits) == ["X"]
    panel.feed_edits["X"].setText("[0, 1, 2]")
    with qtbot.waitSignal(panel.evaluated, timeout=TIMEOUT) as e:
        panel.run_evaluate()
    ckpt = tf().train.load_checkpoint(str(quadratic / "model_final"))
    h, v = ckpt.get_tensor("hor_estimate"), ckpt.get_tensor("ver_estimate")
    np.testing.assert_allclose(e.args[0], (np.array([0, 1, 2], np.float32) - h) ** 2 + v, rtol=1e-6)
    m = panel.result.table_model
    assert m.data(m.index(1, 0)) == f"{(1 - h) ** 2 + v:.6g}"


def test_graph_panel_shows_iris_resized_mismatch(qtbot, window, open_dir, iris_resized_dir):
    open_dir(iris_resized_dir)
    panel = window.view("graph")
    with qtbot.waitSignal(panel.overview_ready, timeout=TIMEOUT):
        window.show_tab("graph")
    bad = {k: (d, s) for k, d, s in panel.mismatched_rows()}
    assert bad["dnn/hiddenlayer_0/kernel"] == ("[4, 20]", "[4, 10]")
    assert len(bad) == 10
    assert "declared with other shapes" in panel.status.text()


def test_graph_panel_without_meta_says_so(qtbot, window, open_dir, written, quadratic):
    # First a graph on show, so that the message below is the panel's answer, not its start text.
    open_dir(quadratic)
    panel = window.view("graph")
    with qtbot.waitSignal(panel.overview_ready, timeout=TIMEOUT):
        window.show_tab("graph")
    assert panel.variable_model.rowCount() > 0
    open_dir(written["object"])  # a tf.train.Checkpoint: no .meta
    qtbot.waitUntil(lambda: "Select a checkpoint with a .meta file" in panel.status.text(), timeout=TIMEOUT)
    assert panel.variable_model.rowCount() == 0 and panel.placeholder_model.rowCount() == 0


def test_saved_model_signatures_run(qtbot, window, open_dir, written):
    open_dir(written["saved_model"])
    panel = window.view("graph")
    with qtbot.waitSignal(panel.signatures_ready, timeout=TIMEOUT) as s:
        window.show_tab("graph")
    (sig,) = s.args[0]
    assert sig.name == "serving_default" and [(i.key, i.dtype, i.shape) for i in sig.inputs] == [
        ("x", "float32", (None, 2))
    ]
    assert panel.signature_model.rows()[0][1] == "x: float32 [?, 2]"
    panel.feed_edits["x"].setText("[[1, 0], [0, 1]]")
    with qtbot.waitSignal(panel.evaluated, timeout=TIMEOUT) as e:
        panel.run_evaluate()
    np.testing.assert_array_equal(e.args[0], [[1.0, 2.0], [3.0, 4.0]])  # x @ w with x = I
