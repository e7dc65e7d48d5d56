"""A big index's variables and scope tree made from its columns as shown (formats/listed_tree.py)
are the records' (formats/variables.py) -- names as TensorFlow lists them, the same tree, filters,
slots and shadows -- on names that sort around the scope separator."""

from __future__ import annotations

import numpy as np
import pytest

from ckpt_browser.core.formats import listing_io
from ckpt_browser.core.formats import reader as reader_module
from ckpt_browser.core.formats.listed_tree import ListedVariables, listed_tree
from ckpt_browser.core.formats.variables import (
    VariableFilter,
    build_tree,
    filtered_tree,
    find_variable,
    shadow_of,
    slots_of,
)
from ckpt_browser.core.model_dir.contents import open_source, read_contents
from ckpt_browser.core.tf.tfimport import tf

# "a" is a variable and a scope; "a.x", "a-1" sort between "a" and "a/..." ('.' and '-' before '/');
# slots under their variable (TF1), an EMA shadow, Estimator optimizer slots, non-ASCII names,
# empty name parts.
NAMES = [
    "a", "a/b", "a.x", "a/b.x", "a/b/c", "a/b/Adam", "a/b/Adam_1", "a-1/z", "w/ExponentialMovingAverage", "w",
    "global_step", "beta1_power", "training/Adam/dense/kernel/m", "dense/kernel", "wärme/αβγ", "x/y/z/q", "x/y",
    "x/y!", "/lead", "trail/", "dbl//slash", "_CHECKPOINTABLE_OBJECT_GRAPH",
]  # fmt: skip


@pytest.fixture
def columns_always(monkeypatch):
    monkeypatch.setattr(listing_io, "COLUMNS_FROM", 0)
    monkeypatch.setattr(reader_module, "_cache", {})


@pytest.fixture(scope="module")
def tricky(tmp_path_factory):
    prefix = tmp_path_factory.mktemp("tricky") / "model.ckpt-1"
    t = tf()
    values = [t.constant(np.ones((i % 3 + 1,), np.float32)) for i in range(len(NAMES))]
    t.raw_ops.SaveV2(prefix=str(prefix), tensor_names=NAMES, shape_and_slices=[""] * len(NAMES), tensors=values)
    return prefix


def _same_tree(a, b) -> None:
    assert (a.name, a.path, a.params, a.variable) == (b.name, b.path, b.params, b.variable)
    assert [c.name for c in a.children] == [c.name for c in b.children], a.path
    for i, (x, y) in enumerate(zip(a.children, b.children)):
        assert y.row == i and y.parent is b
        _same_tree(x, y)


@pytest.mark.parametrize("which", ["tricky", "iris", "saver", "partitioned"])
def test_listed_variables_and_tree_are_the_records(which, tricky, iris_dir, written, columns_always):
    source = open_source({"tricky": tricky, "iris": iris_dir}.get(which) or written[which])
    records = read_contents(source.checkpoint())
    listed = read_contents(source.checkpoint(), None, True)
    assert isinstance(listed.variables, ListedVariables)  # the columns' path was taken
    prefix = str(source.checkpoint().prefix)
    want = [(n, list(s)) for n, s in tf().train.list_variables(prefix)]
    assert [(v.name, list(v.shape)) for v in listed.variables] == want
    assert list(listed.variables) == list(records.variables)
    assert listed.totals == records.totals
    _same_tree(build_tree(records.variables), listed_tree(listed.variables))
    for flt in (
        VariableFilter("b"), VariableFilter("KERNEL"), VariableFilter(r"^a.*b", regex=True), VariableFilter("zzz"),
        VariableFilter(hide_optimizer=True), VariableFilter(show_object_graph=True), VariableFilter("Ä", regex=False),
    ):  # fmt: skip
        a, b = filtered_tree(records.variables, flt), filtered_tree(listed.variables, flt)
        assert list(a.shown) == list(b.shown), flt
        _same_tree(a.root, b.root)
    root = listed_tree(listed.variables)
    for v in records.variables:
        assert root.find(v.display_name).variable == v
        assert find_variable(listed.variables, v.name) == v
        assert shadow_of(listed.variables, v) == shadow_of(records.variables, v)
        assert slots_of(listed.variables, v.display_name) == slots_of(records.variables, v.display_name)
    assert root.find("no/such") is None and find_variable(listed.variables, "no/such") is None


def test_a_shadow_and_slots_are_found_without_the_records(tricky, columns_always):
    listed = read_contents(open_source(tricky).checkpoint(), None, True).variables
    w = find_variable(listed, "w")
    assert shadow_of(listed, w).name == "w/ExponentialMovingAverage"
    assert [s.name for s in slots_of(listed, "a/b")] == ["a/b/Adam", "a/b/Adam_1"]


def test_tf2_names_take_the_records(written, columns_always):
    """Names with the TF2 suffix are shown without it, and sort differently: records, as before."""
    info = open_source(written["object"]).checkpoint()
    assert isinstance(read_contents(info, None, True).variables, list)
