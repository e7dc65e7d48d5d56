"""What is known about the selected variable, without reading its values."""

from __future__ import annotations

import html

from PySide6.QtWidgets import QTextBrowser, QVBoxLayout, QWidget

from ckpt_browser.core.formats.variables import EMA, VariableInfo, human_bytes, slots_of
from ckpt_browser.core.model_dir.contents import CheckpointContents
from ckpt_browser.ui.palette import colours


class DetailsPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = QTextBrowser()
        self.text.setOpenLinks(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.text)
        self.show_variable(None, None)

    def show_variable(self, v: VariableInfo | None, contents: CheckpointContents | None) -> None:
        if v is None:
            self.text.setHtml(f"<p style='color:{colours().muted}'>Select a variable.</p>")
            return
        e = html.escape
        rows = [
            ("Stored name", v.name),
            ("Shape", "[" + ", ".join(str(d) for d in v.shape) + "]"),
            ("DType", v.dtype_text),
            ("Kind", v.kind.replace("_", " ")),
            ("Parameters", f"{v.size:,}"),
            ("Bytes", human_bytes(v.nbytes)),
        ]
        if v.slot_of:
            rows.append(("Shadow of" if v.kind == EMA else "Slot of", v.slot_of))
        if v.slot:
            rows.append(("Slot", v.slot))
        related = []
        if contents is not None:
            related = slots_of(contents.variables, v.display_name)
        body = "".join(f"<tr><td><b>{e(k)}</b></td><td>{e(str(val))}</td></tr>" for k, val in rows)
        out = f"<h3>{e(v.display_name)}</h3><table cellspacing=4>{body}</table>"
        if v.aliases:  # the object graph's other paths to it (formats/object_graph.py)
            items = "".join(f"<li>{e(p)}</li>" for p in v.aliases)
            out += f"<p><b>Also reachable as</b></p><ul>{items}</ul>"
        if related:
            items = "".join(
                f"<li>{e(o.display_name)} <span style='color:{colours().muted}'>({e(o.kind)})</span></li>"
                for o in related
            )
            out += f"<p><b>Slots and shadows</b></p><ul>{items}</ul>"
        self.text.setHtml(out)
