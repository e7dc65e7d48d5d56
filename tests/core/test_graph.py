"""Restoring Saver checkpoints into their .meta graphs and running them."""

from __future__ import annotations

import numpy as np
import pytest

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.model_dir.scan import scan_model_dir
from ckpt_browser.core.tf.graph import RestoredGraph, parse_values, read_meta
from ckpt_browser.core.tf.tfimport import tf
from ckpt_browser.core.values.fit import Sessions, fit_curves, graph_overview, load_xy


def test_demo_writes_the_tutorials_folder(quadratic):
    md = scan_model_dir(quadratic)
    # max_to_keep=5: the last four passes and model_final
    assert [c.name for c in md.checkpoints] == [
        "model_iter-4",
        "model_iter-5",
        "model_iter-6",
        "model_iter-7",
        "model_final",
    ]
    assert md.latest == "model_final" and all(c.has_meta for c in md.checkpoints)
    x, y = load_xy(quadratic / "data.csv")
    assert x.shape == (201,) and x[0] == -2 and x[-1] == 4
    assert np.std(y - ((x - 1) ** 2 - 2)) == pytest.approx(0.4, abs=0.08)  # the noise


@pytest.mark.tf
def test_fitted_curve_is_the_restored_variables_formula(quadratic):
    g = RestoredGraph(quadratic / "model_final")
    h = float(g.run("hor_estimate"))
    v = float(g.run("ver_estimate:0"))
    ckpt = tf().train.load_checkpoint(str(quadratic / "model_final"))
    assert (h, v) == (ckpt.get_tensor("hor_estimate"), ckpt.get_tensor("ver_estimate"))
    xs = np.linspace(-2, 4, 201)
    ys = g.sweep("y_est", "X", xs)
    np.testing.assert_allclose(ys, (xs.astype(np.float32) - h) ** 2 + v, rtol=1e-5, atol=1e-5)
    assert abs(h - 1) < 0.3 and abs(v + 2) < 0.3  # trained towards h = 1, v = -2
    g.close()


@pytest.mark.tf
def test_fit_candidates_find_x_and_y_est(quadratic):
    g = RestoredGraph(quadratic / "model_final")
    inputs, outputs = g.fit_candidates()
    assert inputs == ["X", "Y"] and outputs[0] == "y_est"
    assert "cost" not in outputs  # it needs Y too


@pytest.mark.tf
def test_fit_curves_for_every_checkpoint(quadratic):
    sessions = Sessions()
    md = scan_model_dir(quadratic)
    result = fit_curves(sessions, md.checkpoints, "X", "y_est", np.array([0.0, 1.0, 2.0]))
    assert list(result.curves) == [c.name for c in md.checkpoints]
    for name, ys in result.curves.items():
        h, v = result.scalars[name]["hor_estimate"], result.scalars[name]["ver_estimate"]
        np.testing.assert_allclose(ys, (np.array([0.0, 1.0, 2.0]) - h) ** 2 + v, rtol=1e-5)
    sessions.close()


@pytest.mark.tf
def test_missing_placeholder_and_unknown_tensor(quadratic):
    g = RestoredGraph(quadratic / "model_final")
    with pytest.raises(CheckpointError, match=r"cost:0 needs a value for X .*Y"):
        g.run("cost", {})
    with pytest.raises(CheckpointError, match="no tensor 'nope'"):
        g.run("nope")
    with pytest.raises(CheckpointError, match="not a placeholder"):
        g.run("y_est", {"hor_estimate": 1.0, "X": 1.0})
    assert float(g.run("cost", {"X": 1.0, "Y": 0.0})) >= 0


@pytest.mark.tf
def test_no_meta(written):
    prefix = next(written["object"].glob("*.index")).with_suffix("")
    with pytest.raises(CheckpointError, match="has no .meta file"):
        RestoredGraph(prefix)


def test_parse_values():
    np.testing.assert_array_equal(parse_values("-2:4:4"), [-2, 0, 2, 4])
    np.testing.assert_array_equal(parse_values("[1, 2.5]"), [1, 2.5])
    assert parse_values("3") == 3
    for bad in ("__import__('os')", "[1,", "1:2:0"):
        with pytest.raises(CheckpointError):
            parse_values(bad)


def test_declared_vs_stored_on_iris_resized(iris_resized_dir, iris_dir):
    meta = read_meta(iris_resized_dir / "model.ckpt-400.meta")
    assert meta.variables["dnn/hiddenlayer_0/kernel"].shape == (4, 20)
    assert meta.variables["training/Adagrad/dnn/hiddenlayer_1/kernel/accumulator"].shape == (20, 20)
    info = scan_model_dir(iris_resized_dir).find("model.ckpt-400")
    o = graph_overview(Sessions(), info)
    bad = {r.key: (r.declared, r.stored) for r in o.variables if not r.ok}
    assert bad["dnn/hiddenlayer_0/kernel"] == ((4, 20), (4, 10))
    assert bad["dnn/logits/kernel"] == ((20, 3), (10, 3))
    assert len(bad) == 10  # 5 model variables + their 5 accumulators; logits/bias is [3] in both
    clean = graph_overview(Sessions(), scan_model_dir(iris_dir).find("model.ckpt-300"))
    stored = {n for n, _ in tf().train.list_variables(str(iris_dir / "model.ckpt-300"))}
    assert {r.key for r in clean.variables} == stored
    assert [r.key for r in clean.variables if not r.ok] == []


def test_partial_saver_keys_follow_restore_ops(tmp_path):
    t = tf()
    v1 = t.compat.v1
    g = t.Graph()
    with g.as_default():
        w = v1.get_variable("w", [2, 3])
        saver = v1.train.Saver({"renamed_w": w})
        with v1.Session(graph=g) as sess:
            sess.run(v1.global_variables_initializer())
            saver.save(sess, str(tmp_path / "m"))
    meta = read_meta(tmp_path / "m.meta")
    assert meta.variables["renamed_w"].node == "w" and meta.variables["renamed_w"].shape == (2, 3)


def test_partitioned_variable_full_shape(written):
    prefix = next(written["partitioned"].glob("*.meta")).with_suffix("")
    meta = read_meta(str(prefix) + ".meta")
    assert meta.variables["emb"].shape == (100, 8)


def test_sessions_keep_the_most_recently_used_and_close_the_rest(quadratic):
    md = scan_model_dir(quadratic)
    first, second, third = md.checkpoints[:3]
    sessions = Sessions(limit=2)
    g1 = sessions.get(first.prefix)
    g2 = sessions.get(second.prefix)
    assert float(g2.run("y_est", {"X": 1.0})) == pytest.approx(float(g2.run("y_est", {"X": 1.0})))
    sessions.get(first.prefix)  # used again: now the second is the oldest
    g3 = sessions.get(third.prefix)
    assert len(sessions) == 2
    assert sessions.get(first.prefix) is g1 and sessions.get(third.prefix) is g3  # kept, not restored again
    with pytest.raises(RuntimeError, match="closed Session"):  # the evicted graph's session is closed
        g2.run("y_est", {"X": 1.0})
    assert sessions.get(second.prefix) is not g2  # asked for again: restored afresh
    sessions.close()
