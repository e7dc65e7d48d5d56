"""The window over a big index read in columns (core/formats/listed_tree.py: a record and a tree
node only for what is shown), driven as a user would: the same list, filters, selection and
details as the records give. Columns are forced here on iris (an index under 1 MB is read entry
by entry otherwise)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QModelIndex

from ckpt_browser.core.formats import listing_io
from ckpt_browser.core.formats import reader as reader_module
from ckpt_browser.core.formats.listed_tree import ListedVariables
from ckpt_browser.core.tf.tfimport import tf
from ckpt_browser.ui.models.variables import VariableTreeModel


@pytest.fixture
def columns_always(monkeypatch):
    monkeypatch.setattr(listing_io, "COLUMNS_FROM", 0)
    monkeypatch.setattr(reader_module, "_cache", {})


def _visible_names(window):
    model, out = window.variables.model, []

    def walk(parent):
        for r in range(model.rowCount(parent)):
            idx = model.index(r, 0, parent)
            v = model.variable_at(idx)
            if v is not None:
                out.append(v.name)
            walk(idx)

    walk(QModelIndex())
    return out


def test_a_listed_checkpoint_browses_as_the_records(qtbot, window, open_dir, iris_dir, columns_always, qtmodeltester):
    contents = open_dir(iris_dir / "model.ckpt-300", variable="dnn/hiddenlayer_0/bias")
    assert isinstance(contents.variables, ListedVariables)
    want = sorted(n for n, _ in tf().train.list_variables(str(iris_dir / "model.ckpt-300")))
    assert sorted(_visible_names(window)) == want
    assert "Model params: 193" in window.variables.totals.text()
    v = window.variables.selected_variable()
    assert v.name == "dnn/hiddenlayer_0/bias" and v.shape == (10,)
    details = window.details.text.toPlainText()
    assert "[10]" in details and "training/Adagrad/dnn/hiddenlayer_0/bias/accumulator" in details  # its slot
    window.variables.hide_optimizer_box.setChecked(True)
    qtbot.waitUntil(lambda: not any(n.startswith("training/") for n in _visible_names(window)), timeout=5000)
    assert "global_step" in _visible_names(window)
    window.variables.regex_box.setChecked(True)
    qtbot.keyClicks(window.variables.filter_edit, r"kernel$")
    qtbot.waitUntil(lambda: len(_visible_names(window)) == 3, timeout=5000)
    assert sorted(_visible_names(window)) == [
        "dnn/hiddenlayer_0/kernel",
        "dnn/hiddenlayer_1/kernel",
        "dnn/logits/kernel",
    ]
    assert window.variables.select_variable("dnn/logits/kernel")
    assert window.variables.selected_variable().name == "dnn/logits/kernel"
    model = VariableTreeModel()
    model.set_root(window.variables.model.root())
    qtmodeltester.check(model)
