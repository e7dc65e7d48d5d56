"""The Check tab's findings, grouped as the CLI groups them: checkpoints with the same verdict and
the same findings under one heading, findings first, the variables that fit collapsed behind a
count (issue 31: 75-177 rows of "ok same" hid the few that mattered)."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QScrollArea, QTreeView

from ckpt_browser.core.checks.mismatch import CheckResult
from ckpt_browser.core.checks.run import shape_text
from ckpt_browser.ui import copying
from ckpt_browser.ui.palette import colours

COLUMNS = ("Variable", "Finding", "In checkpoint", "Model wants")
VARIABLE_ROLE = Qt.ItemDataRole.UserRole + 1
OK_LABEL = "{n} variables fit (same shape and dtype)"


def groups(results: list[CheckResult]) -> list[tuple[str, CheckResult, list[CheckResult]]]:
    """(heading, first member, members): damaged first, then mismatches, then those that fit."""
    keyed: dict[tuple, list[CheckResult]] = {}
    for r in results:
        own = r.against.startswith("its own graph")
        findings = tuple((f.variable, f.kind, f.checkpoint, f.model) for f in r.findings)
        keyed.setdefault((r.status, r.error, findings, "own" if own else r.against), []).append(r)
    out = []
    for (_status, _error, _findings, against), members in keyed.items():
        first = members[0]
        names = ", ".join(m.checkpoint for m in members)
        if len(members) > 3:  # the heading stays one readable line; the tooltip and the report name them all
            names = f"{len(members)} checkpoints ({members[0].checkpoint} … {members[-1].checkpoint})"
        where = against if against != "own" else first.against if len(members) == 1 else "their own graphs"
        count = f" ({len(first.findings)} finding{'s' if len(first.findings) != 1 else ''})" if first.findings else ""
        heading = f"{names} against {where}: {first.status}{count}" + (f" ({first.error})" if first.error else "")
        out.append((heading, first, members))
    order = {"damaged": 0, "mismatch": 1, "ok": 2}
    return sorted(out, key=lambda g: order.get(g[1].status, 3))


class CheckReport(QTreeView):
    """One heading per group of checkpoints; its findings below it; what fits behind a count."""

    variable_requested = Signal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.model_ = QStandardItemModel(0, len(COLUMNS), self)
        self.model_.setHorizontalHeaderLabels(COLUMNS)
        self.setModel(self.model_)
        self.setUniformRowHeights(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)  # names get the room
        for c in range(1, len(COLUMNS)):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        copying.install(self)
        self.doubleClicked.connect(self._double_clicked)

    def show_results(self, results: list[CheckResult]) -> None:
        self.model_.removeRows(0, self.model_.rowCount())
        bad = QBrush(QColor(colours().bad))
        bold = QFont(self.font())
        bold.setBold(True)
        for heading, first, _members in groups(results):
            head = QStandardItem(heading)
            head.setToolTip(", ".join(m.checkpoint for m in _members) + "\n" + heading)
            head.setFont(bold)
            if first.status != "ok":
                head.setForeground(bad)
            self.model_.appendRow([head] + [QStandardItem("") for _ in COLUMNS[1:]])
            self.setFirstColumnSpanned(self.model_.rowCount() - 1, self.model_.invisibleRootItem().index(), True)
            for f in first.findings:
                cells = (f.variable, f.kind.replace("_", " "), f.checkpoint or "—", f.model or "—")
                head.appendRow(self._row(cells, f.variable, bad))
            if first.compatible:
                fit = QStandardItem(OK_LABEL.format(n=len(first.compatible)))
                fit.setToolTip("Expand to list them")
                head.appendRow([fit] + [QStandardItem("") for _ in COLUMNS[1:]])
                for name in first.compatible:
                    fit.appendRow(
                        self._row((name, "ok", shape_text(first.stored_shapes.get(name)), "same"), name, None)
                    )
        root = self.model_.invisibleRootItem()
        for r in range(root.rowCount()):
            head = root.child(r)
            self.expand(head.index())  # the findings are shown; the "fit" rows stay collapsed
            for c in range(head.rowCount()):
                if head.child(c).hasChildren():
                    self.setFirstColumnSpanned(c, head.index(), True)

    def _row(self, cells: tuple[str, ...], variable: str, brush: QBrush | None) -> list[QStandardItem]:
        items = []
        for c, text in enumerate(cells):
            item = QStandardItem(text)
            item.setToolTip(text)
            item.setData(variable, VARIABLE_ROLE)
            if brush is not None and c == 1:
                item.setForeground(brush)  # the finding itself is red
            items.append(item)
        return items

    def _double_clicked(self, index) -> None:
        variable = index.data(VARIABLE_ROLE)
        if variable:
            self.variable_requested.emit(variable)

    def shown(self) -> list[tuple[str, ...]]:
        """Every row as text, headings included, depth-first (what the user sees when all is expanded)."""
        out: list[tuple[str, ...]] = []

        def walk(parent: QStandardItem, depth: int) -> None:
            for r in range(parent.rowCount()):
                cells = tuple((parent.child(r, c).text() if parent.child(r, c) else "") for c in range(len(COLUMNS)))
                out.append(("  " * depth + cells[0],) + cells[1:])
                walk(parent.child(r), depth + 1)

        walk(self.model_.invisibleRootItem(), 0)
        return out


class ProseLabel(QLabel):
    """A word-wrapped label that says when its text changed (its ProseArea then fits it)."""

    text_set = Signal()

    def setText(self, text: str) -> None:  # noqa: N802 - Qt override
        super().setText(text)
        self.text_set.emit()


class ProseArea(QScrollArea):
    """The summary above the findings: as tall as its text, up to `lines` lines, then it scrolls."""

    def __init__(self, label, lines: float, parent=None) -> None:
        super().__init__(parent)
        self.label = label
        self.lines = lines
        self.setWidget(label)
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        label.text_set.connect(self.text_changed)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        most = int(self.fontMetrics().lineSpacing() * self.lines)
        width = max(self.viewport().width(), 200)
        return QSize(super().sizeHint().width(), min(most, self.label.heightForWidth(width) + 4))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(0, min(self.sizeHint().height(), self.fontMetrics().lineSpacing() * 2))

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self.text_changed()

    def text_changed(self) -> None:
        height = self.sizeHint().height()
        if height != self.maximumHeight():
            self.setMaximumHeight(height)
            self.updateGeometry()
