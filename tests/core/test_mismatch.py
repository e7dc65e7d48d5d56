"""Mismatch reports: self-checks, Estimator configs, other checkpoints, and error logs --
with the layouts and the messages real TensorFlow writes."""

from __future__ import annotations

import numpy as np
import pytest

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.checks.estimators import expected_variables, parse_spec
from ckpt_browser.core.checks.logparse import parse_log, resolve
from ckpt_browser.core.checks.mismatch import check_model_dir, estimator_expected, path_expected
from ckpt_browser.core.checks.report import advice, summary
from ckpt_browser.core.formats.reader import open_checkpoint
from ckpt_browser.core.model_dir.scan import scan_model_dir
from ckpt_browser.core.storage import locate
from ckpt_browser.core.tf.tfimport import tf


def test_iris_fits_its_own_graphs(iris_dir):
    results = check_model_dir(scan_model_dir(iris_dir))
    assert [r.status for r in results] == ["ok"] * 5


def test_iris_resized_checkpoints_after_the_change(iris_resized_dir):
    results = {r.checkpoint: r for r in check_model_dir(scan_model_dir(iris_resized_dir))}
    assert {n: r.status for n, r in results.items()} == {
        "model.ckpt-200": "ok", "model.ckpt-250": "ok",
        "model.ckpt-300": "mismatch", "model.ckpt-350": "mismatch", "model.ckpt-400": "mismatch",
    }  # fmt: skip
    found = {f.variable: (f.kind, f.checkpoint, f.model) for f in results["model.ckpt-400"].findings}
    assert found["dnn/hiddenlayer_0/kernel"] == ("shape", "[4, 10] float32", "[4, 20] float32")
    assert found["training/Adagrad/dnn/hiddenlayer_1/kernel/accumulator"] == (
        "shape",
        "[10, 10] float32",
        "[20, 20] float32",
    )
    assert len(found) == 10  # every hidden/logits kernel and bias but logits/bias, and their slots
    text = summary(list(results.values()))
    assert "[10, 10]" in text and "[20, 20]" in text and "model.ckpt-300, model.ckpt-350, model.ckpt-400" in text


@pytest.mark.parametrize("units, ok", [([10, 10], True), ([20, 20], False)])
def test_dnn_classifier_config_against_the_fixture(iris_dir, units, ok):
    exp = estimator_expected(f"DNNClassifier(hidden_units={units}, n_classes=3, feature_columns=4)")
    results = check_model_dir(scan_model_dir(iris_dir), exp)
    assert len(results) == 5
    assert all((r.status == "ok") == ok for r in results)
    if not ok:
        assert "hidden_units: [10, 10] in the checkpoint, [20, 20] in the model" in summary(results)


def test_config_layout_equals_what_tf_wrote(iris_dir):
    """The derived layout is exactly the TF 2.15 DNNClassifier's, optimizer scalars included."""
    cfg = parse_spec(
        "DNNClassifier(hidden_units=[10, 10], n_classes=3, feature_columns=['SepalLength', 'SepalWidth', 'PetalLength', 'PetalWidth'])"
    )
    derived = {n: v.shape for n, v in expected_variables(cfg).items()}
    stored = {v.name: v.shape for v in open_checkpoint(iris_dir / "model.ckpt-300").variables()}
    assert derived == stored


def _write_v1(path, variables: dict[str, tuple]):
    """A name-based checkpoint with the given names and shapes, from a tf.compat.v1 graph."""
    t = tf()
    v1 = t.compat.v1
    g = t.Graph()
    with g.as_default():
        for name, (shape, dtype) in variables.items():
            v1.get_variable(name, shape, dtype=dtype, initializer=v1.zeros_initializer())
        with v1.Session(graph=g) as sess:
            sess.run(v1.global_variables_initializer())
            v1.train.Saver().save(sess, str(path))
    return path


# Each canned Estimator's layout is checked against what real Estimators wrote in
# tests/core/test_canned.py (the layouts used to be written here from the code under test).


def test_optimizer_scalars_never_count(tmp_path):
    spec = "DNNClassifier(hidden_units=[3], feature_columns=2)"
    exp = expected_variables(parse_spec(spec))
    layout = {
        n: (v.shape, tf().int64 if v.dtype == "int64" else tf().float32)
        for n, v in exp.items()
        if not n.endswith(("decay", "learning_rate"))
    }
    layout["training/Adagrad/iter"] = ((), tf().int64)
    _write_v1(tmp_path / "model.ckpt-1", layout)
    assert [r.status for r in check_model_dir(scan_model_dir(tmp_path), estimator_expected(spec))] == ["ok"]


@pytest.mark.parametrize(
    "bad, message",
    [
        ("DNNClassifier(hidden_units=__import__('os'))", "only literal values"),
        ("Foo(hidden_units=[1])", "unknown Estimator 'Foo'"),
        ("DNNClassifier(n_classes=3, feature_columns=4)", "needs hidden_units"),
        ("LinearClassifier(feature_columns=4)", "needs the feature names"),
        ("DNNClassifier(hidden_units=[2], feature_columns=4, optimizer='Lion')", "unknown optimizer"),
        ("DNNClassifier(hidden_units=[2]", "cannot parse"),
    ],
)
def test_bad_specs(bad, message):
    with pytest.raises(CheckpointError, match=message):
        estimator_expected(bad)


def test_against_another_checkpoint(iris_dir, iris_resized_dir):
    exp = path_expected(iris_resized_dir / "model.ckpt-400.meta")
    (r,) = [x for x in check_model_dir(scan_model_dir(iris_dir), exp) if x.checkpoint == "model.ckpt-300"]
    assert r.status == "mismatch" and len(r.findings) == 10
    same = path_expected(iris_dir)
    results = check_model_dir(scan_model_dir(iris_dir), same)
    assert [x.status for x in results] == ["ok"] * 5


def test_advice_keeps_exactly_the_compatible_model_variables(iris_resized_dir):
    results = check_model_dir(scan_model_dir(iris_resized_dir))
    text = advice(results[-1], iris_resized_dir)
    assert "WarmStartSettings" in text and "vars_to_warm_start='^(dnn/logits/bias)$'" in text


# -- error logs: the messages real TensorFlow prints -----------------------------------------


def _tf_error(fn) -> str:
    try:
        fn()
    except Exception as exc:  # noqa: BLE001
        return str(exc)
    raise AssertionError("TensorFlow raised nothing")


def test_log_from_ref_variable_restore(tmp_path):
    """use_resource=False: 'Assign requires shapes ... lhs shape= [4,20] rhs shape= [4,10]' at save/Assign_N."""
    t = tf()
    v1 = t.compat.v1
    _write_v1(tmp_path / "old", {"dnn/hiddenlayer_0/kernel": ((4, 10), t.float32)})
    g = t.Graph()
    with g.as_default():
        v1.get_variable("dnn/hiddenlayer_0/kernel", (4, 20), use_resource=False)
        saver = v1.train.Saver()
        with v1.Session(graph=g) as sess:
            message = _tf_error(lambda: saver.restore(sess, str(tmp_path / "old")))
            v1.train.export_meta_graph(str(tmp_path / "old.meta"))
    (f,) = parse_log(message)
    assert f.kind == "assign" and (f.model_shape, f.checkpoint_shape) == ("4, 20", "4, 10")
    stored = {v.name: v.shape for v in open_checkpoint(tmp_path / "old").variables()}
    resolve([f], stored, locate(tmp_path / "old.meta"))
    assert f.variables == ["dnn/hiddenlayer_0/kernel"]


def test_log_key_not_found_and_dtype(tmp_path):
    t = tf()
    v1 = t.compat.v1
    _write_v1(tmp_path / "old", {"w": ((2,), t.float32)})
    g = t.Graph()
    with g.as_default():
        v1.get_variable("w", (2,), dtype=t.float64)
        v1.get_variable("dnn/hiddenlayer_2/kernel", (3, 3))
        with v1.Session(graph=g) as sess:
            missing = _tf_error(
                lambda: v1.train.Saver(var_list=[v for v in v1.global_variables() if "hidden" in v.name]).restore(
                    sess, str(tmp_path / "old")
                )
            )
            dtype = _tf_error(
                lambda: v1.train.Saver(var_list=[v for v in v1.global_variables() if v.name == "w:0"]).restore(
                    sess, str(tmp_path / "old")
                )
            )
    found = parse_log(missing + "\n" + dtype)
    kinds = {f.kind: f for f in found}
    assert kinds["not_found"].named == "dnn/hiddenlayer_2/kernel"
    assert kinds["dtype"].model_shape == "double" and kinds["dtype"].checkpoint_shape == "float"


def test_log_matrix_size_incompatible_names_the_weights(iris_dir):
    t = tf()
    w = t.constant(np.zeros((4, 10), np.float32))
    message = _tf_error(lambda: t.raw_ops.MatMul(a=t.zeros((100, 3)), b=w, name="dnn/hiddenlayer_0/MatMul"))
    (f,) = parse_log(message + "\n\t [[{{node dnn/hiddenlayer_0/MatMul}}]]")
    assert f.kind == "matmul" and f.checkpoint_shape == "4, 10" and f.node == "dnn/hiddenlayer_0/MatMul"
    stored = {v.name: v.shape for v in open_checkpoint(iris_dir / "model.ckpt-300").variables()}
    resolve([f], stored)
    assert f.variables == ["dnn/hiddenlayer_0/kernel"]


def test_the_tutorials_own_message(iris_dir):
    tutorial = (
        "InvalidArgumentError (see above for traceback): tensor_name =\n"
        "dnn/hiddenlayer_1/bias/t_0/Adagrad; shape in shape_and_slice spec [10]\n"
        "does not match the shape stored in checkpoint: [20]"
    )
    (f,) = parse_log(tutorial)
    assert (f.kind, f.named, f.model_shape, f.checkpoint_shape) == (
        "shape_and_slice",
        "dnn/hiddenlayer_1/bias/t_0/Adagrad",
        "10",
        "20",
    )
    stored = {v.name: v.shape for v in open_checkpoint(iris_dir / "model.ckpt-300").variables()}
    resolve([f], stored)
    # The TF 1 slot name maps to the TF 2 Estimator's name for the same slot.
    assert f.variables == ["training/Adagrad/dnn/hiddenlayer_1/bias/accumulator"]


def test_a_changed_hash_bucket_is_advised_to_start_fresh_not_with_a_vocabulary():
    """census_hash: occupation's hash_bucket_size 20 -> 30, trained for real (tests/data/scripts).
    The oracle is TensorFlow's own listing of both model_dirs (variables.json): the snippet keeps
    exactly the model weights whose shapes both wrote the same, and no VocabInfo (a hash bucket has
    no vocabulary: warm start cannot carry its rows)."""
    import ast
    import json
    import re

    from ckpt_browser.core.checks.report import advice
    from ckpt_browser.core.checks.script import read_script_file
    from ckpt_browser.core.checks.script_check import check_script
    from ckpt_browser.core.model_dir.scan import scan_model_dir
    from tests.conftest import DATA
    from tests.snippets import snippet_code

    scripts = DATA / "scripts"
    changed = scripts / "changed" / "census_hash"
    report = check_script(
        scan_model_dir(changed / "model_dir"), read_script_file(scripts / "census" / "census_main.py")
    )
    bad = [r for r in report.results if r.findings]
    assert bad
    text = advice(bad[-1], changed / "model_dir")
    assert "VocabInfo" not in text
    assert "start fresh" in text and "occupation" in text
    assert all(len(line) <= 80 for line in text.splitlines()), [line for line in text.splitlines() if len(line) > 80]
    call = ast.parse(snippet_code(text)).body[0].value  # ws = tf.estimator.WarmStartSettings(...)
    regex = next(ast.literal_eval(k.value) for k in call.keywords if k.arg == "vars_to_warm_start")
    ours = json.loads((scripts / "census" / "variables.json").read_text())["model_dir"]
    theirs = json.loads((changed / "variables.json").read_text())["model_dir"]
    same = {n for n, shape in theirs.items() if ours.get(n) == shape}
    model = {n for n in same if not n.startswith("training/") and n != "global_step"}
    assert {n for n in theirs if re.fullmatch(regex, n)} == model
