"""Qt's own model checks on our item models, filled from real checkpoints."""

from __future__ import annotations

from ckpt_browser.core.contents import open_source, read_contents
from ckpt_browser.ui.models.sources import SourcesModel
from ckpt_browser.ui.models.variables import VariableTreeModel


def test_sources_model(qtmodeltester, iris_dir, written):
    model = SourcesModel()
    model.add_source(open_source(iris_dir))
    model.add_source(open_source(written["saver"]))
    qtmodeltester.check(model)
    assert model.rowCount() == 2
    first = model.index(0, 0)
    assert model.rowCount(first) == 5
    assert model.index(4, 0, first).data() == "model.ckpt-300"
    assert model.index(4, 6, first).data() == "latest"
    assert model.checkpoint_at(model.index(4, 0, first)).name == "model.ckpt-300"
    # Re-opening the same folder replaces it instead of listing it twice.
    model.add_source(open_source(iris_dir))
    assert model.rowCount() == 2


def test_variable_model(qtmodeltester, written):
    c = read_contents(open_source(written["saver"]).checkpoint())
    model = VariableTreeModel()
    model.set_variables(c.variables)
    qtmodeltester.check(model)
    dense = model.index_of("dense")
    kernel = model.index_of("dense/kernel")
    assert kernel.parent() == dense
    assert model.index(kernel.row(), 1, dense).data() == "[3, 2]"
    assert model.index(kernel.row(), 2, dense).data() == "float32"
    adam = model.index_of("dense/kernel/Adam")
    assert model.index(adam.row(), 5, kernel).data() == "optimizer"
