"""Shards and Meta in the checkpoint list mean something for TensorFlow checkpoints only (and an
index.json's shards): for an Orbax step, a .safetensors, a model.json they are empty, and left out
when no checkpoint listed has them. The cells ask each checkpoint's format, never its name."""

from __future__ import annotations

from PySide6.QtWidgets import QTreeView

from ckpt_browser.core.model_dir.contents import open_source
from ckpt_browser.ui.checkpoint_columns import META, SAVED, SHARDS, STEP, CheckpointColumns
from ckpt_browser.ui.models.sources import SourcesModel
from tests.conftest import DATA, ESTIMATOR


def _list(qtbot, *paths):
    model = SourcesModel()
    view = QTreeView()
    qtbot.addWidget(view)
    view.setModel(model)
    columns = CheckpointColumns(view)
    view.resize(1600, 400)  # room for every column: only blank ones are left out
    view.show()
    for path in paths:
        model.add_source(open_source(path))
    columns.fit()
    header = view.header()
    return model, view, [header.isSectionHidden(c) for c in (SHARDS, META)]


def _cells(model, source_row: int, column: int) -> list[str]:
    parent = model.index(source_row, 0)
    return [model.index(r, column, parent).data() or "" for r in range(model.rowCount(parent))]


def test_formats_without_shards_or_meta_leave_the_columns_out(qtbot):
    for path in (DATA / "orbax" / "keras_fit", DATA / "torch" / "tensors.safetensors", DATA / "tfjs" / "graph"):
        model, _, hidden = _list(qtbot, path)
        assert model.rowCount(model.index(0, 0)) >= 1
        assert hidden == [True, True], path
        assert _cells(model, 0, SHARDS) == _cells(model, 0, META) == [""] * model.rowCount(model.index(0, 0))


def test_tensorflow_checkpoints_keep_them_and_others_beside_them_are_empty(qtbot):
    model, _, hidden = _list(qtbot, ESTIMATOR / "iris", DATA / "orbax" / "keras_fit")
    assert hidden == [False, False]
    # iris: every checkpoint one data file and its .meta (tests/data/estimator, written by TF 2.15)
    iris = open_source(ESTIMATOR / "iris").model_dir
    assert _cells(model, 0, SHARDS) == [str(c.shards) for c in iris.checkpoints] and set(_cells(model, 0, SHARDS)) == {
        "1"
    }
    assert set(_cells(model, 0, META)) == {"yes"}
    assert _cells(model, 1, SHARDS) == _cells(model, 1, META) == ["", "", ""]


def test_an_index_json_counts_its_shards(qtbot):
    model, _, hidden = _list(qtbot, DATA / "torch" / "sharded")
    assert hidden == [False, True]
    assert _cells(model, 0, SHARDS) == ["3"]  # save_pretrained's three model-0000N-of-00003 files


def test_files_without_steps_leave_the_step_column_out(qtbot):
    """A folder of weight files (torch.save and save_pretrained's files hold no step): Step, empty for
    all of them, is left out (in the default dock it took the room Saved was cut short for)."""
    model, view, _ = _list(qtbot, DATA / "torch" / "bert_pt")
    assert _cells(model, 0, STEP) == ["", ""]
    assert view.header().isSectionHidden(STEP) and not view.header().isSectionHidden(SAVED)
    iris, view, _ = _list(qtbot, ESTIMATOR / "iris")
    assert "" not in _cells(iris, 0, STEP) and not view.header().isSectionHidden(STEP)  # TensorFlow's keep it
