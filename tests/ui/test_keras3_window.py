"""A Keras 3 model's tf.train.Checkpoint in the window: the tree by the paths its object graph
gives, totals, Hide optimizer state and the details pane, against the writer's own account
(tests/data/keras3/*/truth.json)."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QModelIndex

DATA = Path(__file__).resolve().parents[1] / "data" / "keras3"


def _shown(window) -> dict[str, object]:
    """display path -> variable, of every variable row the tree shows."""
    model = window.variables.model
    out = {}

    def walk(parent):
        for r in range(model.rowCount(parent)):
            idx = model.index(r, 0, parent)
            v = model.variable_at(idx)
            if v is not None:
                out[v.display_name] = v
            walk(idx)

    walk(QModelIndex())
    return out


def test_tree_totals_hide_optimizer_and_details(qtbot, qtmodeltester, window, open_dir):
    folder = DATA / "sequential_adam"
    truth = json.loads((folder / "truth.json").read_text())["checkpoints"]["ckpt-3"]
    contents = open_dir(folder / "ckpt-3", variable="model/seq/hidden/kernel")
    qtmodeltester.check(window.variables.model)
    assert f"Model params: {truth['count_params']}" in window.variables.totals.text()
    rows = _shown(window)
    for w in truth["variables"]:
        if w["kind"] == "model":  # Keras' own variable.path under the checkpoint's attribute
            assert rows[f"model/{w['path']}"].name == w["key"]
    # The tree: model/seq/hidden/kernel is a row under model > seq > hidden.
    model = window.variables.model
    top = [model.index(r, 0, QModelIndex()).data() for r in range(model.rowCount(QModelIndex()))]
    assert top == ["model", "optimizer", "save_counter"]  # the object graph's own string is hidden
    seq = model.index(0, 0, model.index(0, 0, QModelIndex()))
    assert [model.index(r, 0, seq).data() for r in range(model.rowCount(seq))] == ["hidden", "norm", "out"]

    window.variables.hide_optimizer_box.setChecked(True)
    optimizer = {w["key"] for w in truth["variables"] if w["kind"] == "optimizer"}
    qtbot.waitUntil(
        lambda: {v.name for v in _shown(window).values()} == {w["key"] for w in truth["variables"]} - optimizer
    )
    window.variables.hide_optimizer_box.setChecked(False)
    qtbot.waitUntil(lambda: len(_shown(window)) == len(truth["variables"]))

    # The details pane: the stored key, the other paths, the slots Keras keeps for this weight.
    v = window.variables.selected_variable()
    assert v.display_name == "model/seq/hidden/kernel" and v in contents.variables
    text = window.details.text.toPlainText()
    kernel = next(w for w in truth["variables"] if w["path"] == "seq/hidden/kernel")
    assert kernel["key"] in text
    assert "optimizer/_trainable_variables/0" in text and "model/_functional/_operations/1/_kernel" in text
    for w in truth["variables"]:
        if w.get("owner_key") == kernel["key"]:
            assert f"optimizer/{w['path']}" in text  # adam/seq_hidden_kernel_momentum, ..._velocity
