"""Estimator configs as users write them, against what real Estimators wrote: the seven canned
model_dirs of TF 2.15 (tests/data/estimator/canned, constructor.txt line 1 is the exact call),
and layouts written here with TensorFlow's own feature-column and v1-optimizer code."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ckpt_browser.core.checks.mismatch import compare, estimator_expected
from ckpt_browser.core.model_dir.contents import open_source
from ckpt_browser.core.tf.tfimport import tf
from tests.conftest import ESTIMATOR
from tests.snippets import snippet_code

CANNED = ESTIMATOR / "canned"
FIXTURES = sorted(p.name for p in CANNED.iterdir() if p.is_dir())


def constructor(name: str) -> str:
    return (CANNED / name / "constructor.txt").read_text().splitlines()[0]


def findings(folder: Path, spec: str) -> list[set[str]]:
    """Per checkpoint, the variables the check reports."""
    expected = estimator_expected(spec)
    md = open_source(folder).model_dir
    assert len(md.checkpoints) == 2
    return [{f.variable for f in compare(info, expected).findings} for info in md.checkpoints]


@pytest.mark.parametrize("name", FIXTURES)
def test_the_call_that_wrote_it_fits_both_checkpoints(name):
    assert findings(CANNED / name, constructor(name)) == [set(), set()]


@pytest.mark.parametrize("name", FIXTURES)
def test_the_cli_takes_the_call_as_written(name, capsys):
    from ckpt_browser.cli import main

    assert main(["check", str(CANNED / name), "--against", constructor(name)]) == 0
    assert "compatible" in capsys.readouterr().out


def _slots(opt: str, names: list[str], slots: list[str]) -> set[str]:
    return {f"training/{opt}/{n}/{s}" for n in names for s in slots}


ADAM_BN_LAYER_1 = ["dnn/hiddenlayer_1/kernel", "dnn/hiddenlayer_1/bias", "dnn/hiddenlayer_1/batchnorm_1/beta",
                   "dnn/hiddenlayer_1/batchnorm_1/gamma", "dnn/logits/kernel"]  # fmt: skip
EMB = "dnn/input_from_feature_columns/input_layer/Kind_embedding/embedding_weights"
LINEAR4 = [f"linear/linear_model/{f}/weights" for f in ("PetalLength", "PetalWidth", "SepalLength", "SepalWidth")]
LINEAR4 += ["linear/linear_model/bias_weights"]

# (fixture, what changes in the call, exactly the variables that must be reported) -- written out
# by hand from the fixture's variable list, not derived by the code under test.
CHANGES = [
    ("dnn_classifier_adam_bn", ("hidden_units=[8, 6]", "hidden_units=[8, 7]"),
     set(ADAM_BN_LAYER_1) | {"dnn/hiddenlayer_1/batchnorm_1/moving_mean", "dnn/hiddenlayer_1/batchnorm_1/moving_variance"}
     | _slots("Adam", ADAM_BN_LAYER_1, ["m", "v"])),
    ("dnn_classifier_adam_bn", ("batch_norm=True", "batch_norm=False"),
     {f"dnn/hiddenlayer_{i}/batchnorm_{i}/{p}" for i in (0, 1) for p in ("beta", "gamma", "moving_mean", "moving_variance")}
     | _slots("Adam", [f"dnn/hiddenlayer_{i}/batchnorm_{i}/{p}" for i in (0, 1) for p in ("beta", "gamma")], ["m", "v"])),
    ("dnn_classifier_embedding", ("dimension=2", "dimension=3"),
     {EMB, "dnn/hiddenlayer_0/kernel"} | _slots("Adagrad", [EMB, "dnn/hiddenlayer_0/kernel"], ["accumulator"])),
    ("dnn_classifier_embedding", ("['a', 'b', 'c']", "['a', 'b', 'c', 'd']"),
     {EMB} | _slots("Adagrad", [EMB], ["accumulator"])),
    ("dnn_classifier_embedding", ("n_classes=3", "n_classes=4"),
     {"dnn/logits/kernel", "dnn/logits/bias"} | _slots("Adagrad", ["dnn/logits/kernel", "dnn/logits/bias"], ["accumulator"])),
    ("dnn_linear_combined_classifier_4", ("n_classes=4", "n_classes=5"),
     {"dnn/logits/kernel", "dnn/logits/bias", *LINEAR4}
     | _slots("Adagrad", ["dnn/logits/kernel", "dnn/logits/bias"], ["accumulator"])
     | _slots("Ftrl", LINEAR4, ["accumulator", "linear"])),
    ("dnn_linear_combined_regressor", ("dnn_hidden_units=[7, 3]", "dnn_hidden_units=[9, 3]"),
     {"dnn/hiddenlayer_0/kernel", "dnn/hiddenlayer_0/bias", "dnn/hiddenlayer_1/kernel"}
     | _slots("Adam", ["dnn/hiddenlayer_0/kernel", "dnn/hiddenlayer_0/bias", "dnn/hiddenlayer_1/kernel"], ["m", "v"])),
    ("dnn_regressor_rmsprop", ("hidden_units=[5, 5, 5]", "hidden_units=[5, 5]"),
     {"dnn/hiddenlayer_2/kernel", "dnn/hiddenlayer_2/bias"}
     | _slots("RMSprop", ["dnn/hiddenlayer_2/kernel", "dnn/hiddenlayer_2/bias"], ["rms"])),
    ("dnn_regressor_rmsprop", ("feature_columns=[", "feature_columns=[numeric_column('SepalLength'), "),
     {"dnn/hiddenlayer_0/kernel"} | _slots("RMSprop", ["dnn/hiddenlayer_0/kernel"], ["rms"])),
    ("linear_classifier_binary_ftrl", ("n_classes=2", "n_classes=3"),
     set(LINEAR4) | _slots("Ftrl", LINEAR4, ["accumulator", "linear"])),
    ("linear_regressor_sgd", ("['a', 'b', 'c']", "['a', 'b', 'c', 'd', 'e']"),
     {"linear/linear_model/Kind/weights"}),
    ("linear_regressor_sgd", ("optimizer='SGD'", "optimizer='SGD', weight_column='w'"), set()),
    ("linear_regressor_sgd", ("feature_columns=[", "feature_columns=[numeric_column('Extra'), "),
     {"linear/linear_model/Extra/weights"}),
]  # fmt: skip


@pytest.mark.parametrize("name, change, want", CHANGES, ids=[f"{c[0]}:{c[1][1]}" for c in CHANGES])
def test_a_changed_call_reports_exactly_what_changes(name, change, want):
    old, new = change
    spec = constructor(name)
    assert old in spec
    got = findings(CANNED / name, spec.replace(old, new, 1))
    assert got == [want, want]


def test_a_pasted_script_with_assignments():
    spec = """
import tensorflow as tf
cols = [tf.feature_column.numeric_column(k) for k in ["SepalLength"]]
"""
    with pytest.raises(Exception, match="listcomp expressions are not understood"):
        estimator_expected(spec + "tf.estimator.DNNClassifier(hidden_units=[8, 6], feature_columns=cols)")
    script = """
import tensorflow as tf
numeric = tf.feature_column.numeric_column
cols = [numeric('SepalLength'), numeric('SepalWidth'), numeric('PetalLength'), numeric('PetalWidth')]
opt = tf.keras.optimizers.legacy.Adam(learning_rate=0.01)
estimator = tf.estimator.DNNClassifier(
    hidden_units=[8, 6], feature_columns=cols, n_classes=3, optimizer=opt, batch_norm=True,
    model_dir='/tmp/iris', config=tf.estimator.RunConfig(save_checkpoints_steps=10),
)
"""
    with pytest.raises(Exception, match="numeric"):
        estimator_expected(script)  # a function bound to a name is not something we read
    script = (
        script.replace("numeric = tf.feature_column.numeric_column\n", "")
        .replace("numeric(", "tf.feature_column.numeric_column(")
        .replace("config=tf.estimator.RunConfig(save_checkpoints_steps=10),", "")
    )
    assert findings(CANNED / "dnn_classifier_adam_bn", script) == [set(), set()]


def test_an_optimizer_instance_named_otherwise_moves_its_slots():
    spec = constructor("dnn_classifier_adam_bn").replace(
        "optimizer='Adam'", "optimizer=tf.keras.optimizers.legacy.Adam(name='Mine')"
    )
    got = findings(CANNED / "dnn_classifier_adam_bn", spec)[0]
    assert got and all(n.startswith(("training/Adam/", "training/Mine/")) for n in got)


def test_feature_columns_and_v1_optimizers_as_tensorflow_writes_them(tmp_path):
    """A DNNLinearCombined layout written with TensorFlow's own feature-column code and v1
    optimizers (what a canned Estimator builds), for the column kinds the fixtures lack."""
    t = tf()
    v1, fc = t.compat.v1, t.feature_column
    g = t.Graph()
    with g.as_default():
        feats = {
            "x": v1.placeholder(t.float32, [None, 2]), "k": v1.placeholder(t.string, [None, 1]),
            "h": v1.placeholder(t.string, [None, 1]), "i": v1.placeholder(t.int64, [None, 1]),
            "j": v1.placeholder(t.int64, [None, 1]), "w": v1.placeholder(t.float32, [None, 1]),
        }  # fmt: skip
        x = fc.numeric_column("x", shape=(2,))
        dnn_cols = [
            x, fc.bucketized_column(x, [0.0, 1.0]),
            fc.embedding_column(fc.categorical_column_with_vocabulary_list("k", ["a", "b", "c"], num_oov_buckets=2), 3),
            fc.indicator_column(fc.categorical_column_with_identity("i", 5)),
            fc.embedding_column(fc.crossed_column(["h", "j"], 7), 2),
        ]  # fmt: skip
        lin_cols = [
            fc.categorical_column_with_hash_bucket("h", 11), fc.bucketized_column(x, [0.5]),
            fc.weighted_categorical_column(fc.categorical_column_with_identity("j", 4), "w"),
        ]  # fmt: skip
        with v1.variable_scope("dnn"):
            with v1.variable_scope("input_from_feature_columns"):
                net = v1.feature_column.input_layer(feats, dnn_cols)
            for scope, units in (("hiddenlayer_0", 6), ("logits", 3)):  # what tf.layers.dense names
                with v1.variable_scope(scope):
                    kernel = v1.get_variable("kernel", [int(net.shape[1]), units])
                    bias = v1.get_variable("bias", [units], initializer=v1.zeros_initializer())
                net = t.matmul(net, kernel) + bias
            dnn_logits = net
        with v1.variable_scope("linear"):
            lin_logits = v1.feature_column.linear_model(feats, lin_cols, units=3)
        loss = t.reduce_sum(dnn_logits + lin_logits)
        step = v1.train.get_or_create_global_step()
        dnn_vars = [v for v in v1.trainable_variables() if v.op.name.startswith("dnn/")]
        lin_vars = [v for v in v1.trainable_variables() if v.op.name.startswith("linear/")]
        train = t.group(
            v1.train.AdamOptimizer(0.1).minimize(loss, var_list=dnn_vars, global_step=step),
            v1.train.FtrlOptimizer(0.1).minimize(loss, var_list=lin_vars),
        )
        with v1.Session(graph=g) as sess:
            sess.run(v1.global_variables_initializer())
            sess.run(v1.tables_initializer())
            n = 2
            sess.run(train, {feats["x"]: np.ones((n, 2)), feats["k"]: [[b"a"]] * n, feats["h"]: [[b"z"]] * n,
                             feats["i"]: [[1]] * n, feats["j"]: [[2]] * n, feats["w"]: [[0.5]] * n})  # fmt: skip
            v1.train.Saver().save(sess, str(tmp_path / "model.ckpt"), global_step=1)
    spec = """
x = numeric_column('x', shape=(2,))
DNNLinearCombinedClassifier(
    dnn_feature_columns=[x, bucketized_column(x, [0.0, 1.0]),
        embedding_column(categorical_column_with_vocabulary_list('k', ['a', 'b', 'c'], num_oov_buckets=2), 3),
        indicator_column(categorical_column_with_identity('i', 5)),
        embedding_column(crossed_column(['h', 'j'], 7), 2)],
    linear_feature_columns=[categorical_column_with_hash_bucket('h', 11), bucketized_column(x, [0.5]),
        weighted_categorical_column(categorical_column_with_identity('j', 4), 'w')],
    dnn_hidden_units=[6], n_classes=3,
    dnn_optimizer=tf.compat.v1.train.AdamOptimizer(0.1), linear_optimizer=tf.compat.v1.train.FtrlOptimizer(0.1))
"""
    info = open_source(tmp_path).model_dir.checkpoints[0]
    result = compare(info, estimator_expected(spec))
    assert result.findings == []
    assert len(result.compatible) > 20
    # One vocabulary word more: the embedding and its two Adam slots change, nothing else.
    changed = compare(info, estimator_expected(spec.replace("'c'], num_oov", "'c', 'd'], num_oov")))
    emb = "dnn/input_from_feature_columns/input_layer/k_embedding/embedding_weights"
    assert {f.variable for f in changed.findings} == {emb, f"{emb}/Adam", f"{emb}/Adam_1"}


def _check(name: str, old: str, new: str):
    from ckpt_browser.core.checks.mismatch import check_model_dir

    spec = constructor(name).replace(old, new, 1)
    return check_model_dir(open_source(CANNED / name).model_dir, estimator_expected(spec))


def test_the_summary_phrases_linear_changes():
    from ckpt_browser.core.checks.report import summary

    text = summary(_check("linear_regressor_sgd", "['a', 'b', 'c']", "['a', 'b', 'c', 'd', 'e']"))
    assert "feature Kind: 3 buckets vs 5" in text
    text = summary(_check("linear_classifier_binary_ftrl", "n_classes=2", "n_classes=4"))
    assert "n_classes: 2 in the checkpoint, 4 in the model" in text
    text = summary(_check("linear_regressor_sgd", "feature_columns=[", "feature_columns=[numeric_column('Extra'), "))
    assert "feature Extra: only in the model" in text
    text = summary(_check("dnn_classifier_embedding", "dimension=2", "dimension=3"))
    assert "embedding Kind: dimension 2 vs 3" in text


def test_advice_names_the_real_estimator_and_suggests_vocab_info():
    from ckpt_browser.core.checks.report import advice

    (result, _) = _check("dnn_classifier_embedding", "['a', 'b', 'c']", "['a', 'b', 'c', 'd']")
    text = snippet_code(advice(result, CANNED / "dnn_classifier_embedding"))
    assert "estimator = tf.estimator.DNNClassifier(hidden_units=[6], feature_columns=[numeric_column(" in text
    assert "model_dir=NEW_MODEL_DIR, warm_start_from=ws)" in text
    assert f"'{EMB}': tf.estimator.VocabInfo(" in text and "new_vocab_size=4" in text and "old_vocab_size=3" in text
    (result, _) = _check("dnn_linear_combined_regressor", "dnn_hidden_units=[7, 3]", "dnn_hidden_units=[9, 3]")
    text = snippet_code(advice(result, CANNED / "dnn_linear_combined_regressor"))
    assert "tf.estimator.DNNLinearCombinedRegressor(linear_feature_columns=[" in text
    assert "VocabInfo" not in text and "DNNClassifier" not in text
