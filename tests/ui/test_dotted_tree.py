"""A PyTorch file's dotted names as a tree in the window (registry.Format.separators): bert > encoder >
layer > 0 > ..., and selecting a variable by its name finds its row."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex

from tests.conftest import DATA

QUERY = "bert.encoder.layer.0.attention.self.query.weight"


def test_dotted_names_nest_in_the_window(qtbot, qtmodeltester, window, open_dir):
    # bert_pt/pytorch_model.bin: transformers' save_pretrained (tests/data/torch/make_fixtures.py)
    open_dir(DATA / "torch" / "bert_pt" / "pytorch_model.bin")
    model = window.variables.model
    qtmodeltester.check(model)
    top = [model.index(r, 0, QModelIndex()).data() for r in range(model.rowCount(QModelIndex()))]
    assert top == ["bert", "cls"]
    assert window.variables.select_variable(QUERY)
    index = window.variables.tree.currentIndex()
    chain = []
    while index.isValid():
        chain.append(index.data())
        index = index.parent()
    assert chain[::-1] == ["bert", "encoder", "layer", "0", "attention", "self", "query", "weight"]
    assert window.variables.selected_variable().name == QUERY


def test_a_bare_bin_opens_in_the_window_by_its_bytes(qtbot, window, open_dir, tmp_path):
    import shutil

    shutil.copy(DATA / "torch" / "bare" / "weights.bin", tmp_path / "weights.bin")  # torch.save's, a bare name
    contents = open_dir(tmp_path / "weights.bin")
    assert contents.checkpoint.name == "weights.bin" and len(contents.variables) == 4
    model = window.variables.model
    top = [model.index(r, 0, QModelIndex()).data() for r in range(model.rowCount(QModelIndex()))]
    assert top == ["encoder", "head"]
    assert window.variables.select_variable("encoder.layer.1.dense.weight")
