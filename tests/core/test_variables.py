"""Kinds, display names, the scope tree and totals, on names real TensorFlow writes."""

from __future__ import annotations

import re

import pytest

from ckpt_browser.core.formats.variables import VariableFilter, build_tree, classify
from ckpt_browser.core.model_dir.contents import open_source, read_contents


def _contents(path):
    source = open_source(path)
    return read_contents(source.checkpoint())


def test_estimator_kinds_and_totals(iris_dir):
    c = _contents(iris_dir)
    kinds = {v.name: v.kind for v in c.variables}
    assert kinds["dnn/hiddenlayer_0/kernel"] == "model"
    assert kinds["training/Adagrad/dnn/hiddenlayer_0/kernel/accumulator"] == "optimizer"
    assert kinds["training/Adagrad/learning_rate"] == "optimizer"
    assert kinds["global_step"] == "global_step"
    slot = next(v for v in c.variables if v.name.endswith("hiddenlayer_0/kernel/accumulator"))
    assert slot.slot_of == "dnn/hiddenlayer_0/kernel"
    # 4*10+10 + 10*10+10 + 10*3+3 = 193 model parameters; the same again in accumulators + 2 scalars
    assert c.totals.model == 193 and c.totals.optimizer == 195 and c.totals.other == 1


def test_tf1_saver_kinds(written):
    c = _contents(written["saver"])
    kinds = {v.name: (v.kind, v.slot_of) for v in c.variables}
    assert kinds["dense/kernel"] == ("model", None)
    assert kinds["dense/kernel/Adam"] == ("optimizer", "dense/kernel")
    assert kinds["dense/kernel/Adam_1"] == ("optimizer", "dense/kernel")
    assert kinds["dense/kernel/ExponentialMovingAverage"] == ("ema", "dense/kernel")
    assert kinds["beta1_power"][0] == "optimizer"
    assert kinds["global_step"] == ("global_step", None)


def test_object_based_names(written):
    c = _contents(written["object"])
    by_display = {v.display_name: v for v in c.variables}
    assert by_display["model/kernel"].name == "model/kernel/.ATTRIBUTES/VARIABLE_VALUE"
    assert by_display["model/kernel"].kind == "model"
    assert by_display["_CHECKPOINTABLE_OBJECT_GRAPH"].kind == "object_graph"
    opt = [v for v in c.variables if v.display_name.startswith("optimizer/")]
    assert opt and all(v.kind == "optimizer" for v in opt)
    assert by_display["save_counter"].kind == "other"


@pytest.mark.parametrize(
    "name, kind, slot_of",
    [
        (
            "model/dense/kernel/.OPTIMIZER_SLOT/optimizer/m/.ATTRIBUTES/VARIABLE_VALUE",
            "optimizer",
            "model/dense/kernel",
        ),
        ("dnn/hiddenlayer_1/bias/t_0/Adagrad", "optimizer", None),
        ("training/Ftrl/linear/linear_model/x/weights/linear", "optimizer", "linear/linear_model/x/weights"),
        ("training/Adam/dnn/logits/kernel/m", "optimizer", "dnn/logits/kernel"),
        ("w/Momentum", "optimizer", "w"),
    ],
)
def test_documented_slot_forms(name, kind, slot_of):
    names = {"model/dense/kernel", "linear/linear_model/x/weights", "dnn/logits/kernel", "w"}
    assert classify(name, names) == (kind, slot_of)


def test_filter_and_tree(written):
    c = _contents(written["saver"])
    hide = VariableFilter(hide_optimizer=True).compile()
    shown = [v.name for v in c.variables if hide(v)]
    assert "dense/kernel/Adam" not in shown and "dense/kernel" in shown
    rx = VariableFilter(text=r"kernel$", regex=True).compile()
    assert [v.name for v in c.variables if rx(v)] == ["dense/kernel"]
    with pytest.raises(re.error):
        VariableFilter(text="(", regex=True).compile()
    tree = build_tree(c.variables)
    kernel = tree.find("dense/kernel")
    assert kernel.variable.name == "dense/kernel"
    assert {ch.name for ch in kernel.children} == {"Adam", "Adam_1", "ExponentialMovingAverage"}
    assert tree.find("dense").params == sum(v.size for v in c.variables if v.name.startswith("dense/"))
    assert tree.params == sum(v.size for v in c.variables)


def test_object_graph_hidden_unless_asked(written):
    c = _contents(written["object"])
    default = VariableFilter().compile()
    assert not any(v.kind == "object_graph" for v in c.variables if default(v))
    shown = VariableFilter(show_object_graph=True).compile()
    assert any(v.kind == "object_graph" for v in c.variables if shown(v))


def test_filtered_tree_reuses_a_known_tree_only_for_the_same_variables():
    from ckpt_browser.core.formats.variables import VariableFilter, VariableInfo, filtered_tree

    names = ["a/x", "a/y", "b/x"]
    variables = [VariableInfo(n, (2,), "float32", "model", n) for n in names]
    whole = filtered_tree(variables, VariableFilter())
    same = filtered_tree(variables, VariableFilter(text="/"), whole)  # every name has a "/"
    assert same.root is whole.root and same.filter == VariableFilter(text="/")
    fewer = filtered_tree(variables, VariableFilter(text="a/"), whole)
    assert fewer.root is not whole.root
    assert [v.name for v in fewer.shown] == ["a/x", "a/y"]
    assert [c.name for c in fewer.root.children] == ["a"]
