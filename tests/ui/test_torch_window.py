"""PyTorch and safetensors files in the window (issue 36): a save_pretrained folder lists its files, a
training checkpoint's tree nests its containers, a bfloat16 tensor's values are torch.load's."""

from __future__ import annotations

import json

import numpy as np
from PySide6.QtCore import QModelIndex

from tests.conftest import DATA
from tests.ui.conftest import TIMEOUT

TORCH = DATA / "torch"
TRUTH = json.loads((TORCH / "truth.json").read_text())


def test_a_training_checkpoint_in_the_window(qtbot, qtmodeltester, window, open_dir):
    contents = open_dir(TORCH / "training.pth")
    assert sorted(v.name for v in contents.variables) == sorted(TRUTH["training.pth"])
    model = window.variables.model
    qtmodeltester.check(model)
    top = [model.index(r, 0, QModelIndex()).data() for r in range(model.rowCount(QModelIndex()))]
    assert top == ["model", "optimizer"]
    assert "Optimizer state: " in window.variables.totals.text()


def test_bfloat16_values_are_torch_loads(qtbot, window, open_dir):
    open_dir(TORCH / "state_dtypes.pt")
    with qtbot.waitSignal(window.tensor_loaded, timeout=TIMEOUT) as got:
        window.variables.select_variable("emb.bf16")
    want = np.load(TORCH / "values" / "state_dtypes.pt.npz")[TRUTH["state_dtypes.pt"]["emb.bf16"]["key"]]
    assert np.array_equal(np.asarray(got.args[0]).view(np.int16), want)
    assert window.tensor_view.table_model.rowCount() == 4


def test_tools_map_onto_pytorch_starts_from_the_checkpoint_on_show(qtbot, window, open_dir):
    open_dir(TORCH / "bert_tf")
    action = next(a for m in window.menuBar().actions() if m.text() == "&Tools" for a in m.menu().actions()
                  if a.text() == "&Map onto PyTorch…")  # fmt: skip
    action.trigger()
    dialog = window.map_dialog
    assert dialog.isVisible() and dialog.tf_path.text() == str(TORCH / "bert_tf" / "bert_model.ckpt")
    dialog.torch_path.setText(str(TORCH / "bert_untransposed.bin"))
    with qtbot.waitSignal(dialog.mapped, timeout=TIMEOUT):
        dialog.run_button.click()
    assert dialog.model.index(0, 0).data() == "bert/encoder/layer_1/attention/self/value/kernel"
    dialog.close()
