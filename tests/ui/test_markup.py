"""Issue 25: text from files is shown as it is, never read as markup -- a string value "<unk>"
and a variable named "<b>bold</b>" show their angle brackets in the window."""

from __future__ import annotations

from PySide6.QtGui import QTextDocument

from ckpt_browser.core.tf.tfimport import tf
from tests.ui.conftest import TIMEOUT


def shown(label) -> str:
    """What a label shows a user: its text as Qt renders it (rich or plain)."""
    doc = QTextDocument()
    if label.textFormat().name == "PlainText":
        return label.text()
    doc.setHtml(label.text())
    return doc.toPlainText()


def test_values_and_names_with_angle_brackets_are_shown(qtbot, window, open_dir, tmp_path):
    t = tf()
    t.raw_ops.SaveV2(prefix=str(tmp_path / "model.ckpt-1"), tensor_names=["token", "<b>bold</b>"],
                     shape_and_slices=["", ""], tensors=[t.constant("<unk>"), t.constant(1.5)])  # fmt: skip
    (tmp_path / "checkpoint").write_text('model_checkpoint_path: "model.ckpt-1"\n')
    open_dir(tmp_path)
    view = window.tensor_view
    for name, words in (("token", ["token", "<unk>"]), ("<b>bold</b>", ["<b>bold</b>", "1.5"])):
        with qtbot.waitSignal(window.tensor_loaded, timeout=TIMEOUT):
            assert window.variables.select_variable(name)
        text = shown(view.header)
        for w in words:
            assert w in text, (w, text)
    assert "model.ckpt-1" in shown(window.variables.title)
