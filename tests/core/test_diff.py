"""Checkpoint diffs, and the values shown, against numpy on what TensorFlow reads."""

from __future__ import annotations

import numpy as np
import pytest

from ckpt_browser.core.model_dir.scan import scan_model_dir
from ckpt_browser.core.tf.tfimport import tf
from ckpt_browser.core.values.diff import diff_checkpoints, pair_plots, resolve_checkpoint
from ckpt_browser.core.values.history import compare_variable, variable_history
from ckpt_browser.core.values.slicing import SliceSpec, decode_text, plot_data, to_jsonable, view2d


def test_every_status(pair):
    a, b = pair
    rows = {r.display_name: r for r in diff_checkpoints(a, b).rows}
    assert rows["same"].status == "same"
    assert rows["changed"].status == "changed"
    assert rows["gone"].status == "only_a"
    assert rows["new"].status == "only_b"
    assert rows["resized"].status == "shape" and rows["resized"].shape_b == (4,)
    assert rows["retyped"].status == "dtype" and rows["retyped"].dtype_b == "float64"
    ra, rb = tf().train.load_checkpoint(str(a)), tf().train.load_checkpoint(str(b))
    name = "changed/.ATTRIBUTES/VARIABLE_VALUE"
    delta = rb.get_tensor(name).astype(np.float64) - ra.get_tensor(name)
    assert rows["changed"].max_abs_diff == pytest.approx(np.abs(delta).max())
    assert rows["changed"].rel_change == pytest.approx(np.linalg.norm(delta) / np.linalg.norm(ra.get_tensor(name)))


def test_identical(iris_dir):
    prefix = iris_dir / "model.ckpt-300"
    assert diff_checkpoints(prefix, prefix).identical


def test_resolve_checkpoint_forms(iris_dir):
    assert resolve_checkpoint(iris_dir) == (iris_dir / "model.ckpt-300").resolve()
    assert resolve_checkpoint(iris_dir / "model.ckpt-100.index") == (iris_dir / "model.ckpt-100").resolve()


def test_pair_plots(pair):
    a, b = pair
    p = pair_plots(a, b, "changed/.ATTRIBUTES/VARIABLE_VALUE")
    np.testing.assert_allclose(p.delta.numbers, [[0, 0.5], [0, -2]])
    only = pair_plots(a, b, "gone/.ATTRIBUTES/VARIABLE_VALUE")
    assert only.b is None and only.delta is None and only.a.kind == "line"


def test_history_over_checkpoints(iris_dir):
    md = scan_model_dir(iris_dir)
    h = variable_history(md.checkpoints, "dnn/logits/bias", "L2 norm")
    assert h.x == [100, 150, 200, 250, 300]
    for name, value in zip(h.names, h.values):
        want = np.linalg.norm(tf().train.load_checkpoint(str(iris_dir / name)).get_tensor("dnn/logits/bias"))
        assert value == pytest.approx(want)
    e = variable_history(md.checkpoints, "dnn/logits/kernel", "element", (2, 1))
    assert e.values[-1] == pytest.approx(
        tf().train.load_checkpoint(str(iris_dir / "model.ckpt-300")).get_tensor("dnn/logits/kernel")[2, 1]
    )


def test_compare_with_ema_shadow(written):
    md = scan_model_dir(written["saver"])
    prefix = md.checkpoints[-1].prefix
    r = tf().train.load_checkpoint(str(prefix))
    w = r.get_tensor("dense/kernel")
    c = compare_variable(w, prefix, "dense/kernel/ExponentialMovingAverage", "shadow")
    shadow = r.get_tensor("dense/kernel/ExponentialMovingAverage")
    assert c.diff.max_abs_diff == pytest.approx(np.abs(shadow - w.astype(np.float64)).max())
    np.testing.assert_allclose(c.plot.numbers, (shadow - w).astype(np.float32), rtol=1e-6)


def test_view2d_and_labels():
    a = np.arange(2 * 3 * 4 * 5).reshape(2, 3, 4, 5)
    spec = SliceSpec.default(4)
    np.testing.assert_array_equal(view2d(a, spec), a[0, 0])
    np.testing.assert_array_equal(view2d(a, SliceSpec(3, 1, {0: 1, 2: 2})), a[1, :, 2, :].T)
    assert view2d(np.float32(3.0).reshape(()), spec).shape == (1, 1)
    p = plot_data(a, SliceSpec(0, 2, {1: 2, 3: 4}))
    np.testing.assert_array_equal(p.numbers, a[:, 2, :, 4].astype(np.float32))


def test_text_of_strings():
    assert decode_text("wörld".encode()) == "wörld"
    assert decode_text(b"\xff\xfe") == "\\xff\\xfe"
    assert to_jsonable(np.array([1.0, np.nan, np.inf], np.float32)) == [1.0, "NaN", "Infinity"]
    assert to_jsonable(np.array([1 + 2j])) == [[1.0, 2.0]]
