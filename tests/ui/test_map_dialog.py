"""The window's mapping tool (ui/widgets/map_dialog.py): what `ckpt-browser map` answers, as rows the
user reads -- the untransposed kernel first and red, the dropped head as TF leftovers."""

from __future__ import annotations

import json

from ckpt_browser.ui.tasks import TaskRunner
from ckpt_browser.ui.widgets.map_dialog import MapDialog
from tests.conftest import DATA
from tests.ui.conftest import TIMEOUT

TORCH = DATA / "torch"
TF = str(TORCH / "bert_tf" / "bert_model.ckpt")
ORACLE = json.loads((TORCH / "bert_pairing.json").read_text())


def _mapped(qtbot, torch_file: str, rules: str | None = None) -> MapDialog:
    dialog = MapDialog(TaskRunner())
    qtbot.addWidget(dialog)
    dialog.set_checkpoint(TF)
    dialog.torch_path.setText(torch_file)
    if rules:
        dialog.rules.setCurrentText(rules)
    with qtbot.waitSignal(dialog.mapped, timeout=TIMEOUT):
        dialog.run_button.click()
    return dialog


def test_an_untransposed_kernel_is_the_first_row(qtbot, qtmodeltester):
    dialog = _mapped(qtbot, str(TORCH / "bert_untransposed.bin"), "bert")
    model = dialog.model
    assert model.rowCount() == len(ORACLE["pairs"])
    first = [model.index(0, c).data() for c in range(5)]
    assert first[:4] == ["bert/encoder/layer_1/attention/self/value/kernel",
                         "bert.encoder.layer.1.attention.self.value.weight", "yes", "untransposed"]  # fmt: skip
    assert "does not map" in dialog.summary.text() and "1 wrong" in dialog.summary.text()
    assert model.index(1, 4).data() == "equal by value"
    qtmodeltester.check(model)


def test_a_dropped_head_is_listed_and_bad_input_is_one_line(qtbot):
    dialog = _mapped(qtbot, str(TORCH / "bert_nohead.safetensors"))
    left = [dialog.model.index(r, 0).data() for r in range(dialog.model.rowCount())
            if dialog.model.index(r, 3).data() == "no PyTorch tensor"]  # fmt: skip
    assert sorted(left) == sorted(n for n in ORACLE["pairs"] if n.startswith("cls/predictions/"))
    dialog.torch_path.setText(str(TORCH / "missing.bin"))
    dialog.run_button.click()
    qtbot.waitUntil(lambda: "does not exist" in dialog.summary.text(), timeout=TIMEOUT)
    assert dialog.run_button.isEnabled()
