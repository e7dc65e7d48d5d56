"""The checkpoint list in the width its dock has (issue 31): Checkpoint and Flags (latest, not in
state, mismatch, corrupt) always show; narrower, Shards, Meta and Size are hidden, Saved keeps its
time of day, the names elide on the left (the step is what tells model.ckpt-250 from
model.ckpt-300), then Saved and Step are hidden. A wider dock brings them back. The current checkpoint is kept in
view as rows come in and the list is resized. Shards and Meta are left out whatever the width when no
checkpoint listed has them (their formats store none: a .safetensors, a model.json, an Orbax step);
Step too when no checkpoint listed has one (a folder of weight files), so that Saved is not cut."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QHeaderView, QTreeView

from ckpt_browser.ui.models.sources import COLUMNS

NAME, STEP, SAVED, SIZE, SHARDS, META, FLAGS = range(len(COLUMNS))
HIDE_FIRST = (SHARDS, META, SIZE)  # in this order, before Saved narrows
SAVED_LEAST = "23:59:59"  # what Saved keeps of "2026-12-31 23:59:59" before it is hidden
NAME_LEAST = "-100000"  # the step, which tells checkpoints apart (elided on the left)


class CheckpointColumns(QObject):
    def __init__(self, view: QTreeView) -> None:
        super().__init__(view)
        self.view = view
        view.setTextElideMode(Qt.TextElideMode.ElideLeft)
        header = view.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)  # Flags takes what is left over
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.fit)
        model = view.model()
        for signal in (model.rowsInserted, model.rowsRemoved, model.modelReset, model.layoutChanged, model.dataChanged):
            signal.connect(self._timer.start)
        view.expanded.connect(self._timer.start)
        view.viewport().installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Resize:
            self._timer.start()
        return False

    def needs(self) -> dict[int, int]:
        """Each column's width for its widest cell and its title."""
        view, header = self.view, self.view.header()
        return {c: max(view.sizeHintForColumn(c), header.sectionSizeHint(c)) for c in range(len(COLUMNS))}

    def least(self, column: int, text: str) -> int:
        fm = self.view.fontMetrics()
        extra = self.view.indentation() * 2 if column == NAME else 0
        return fm.horizontalAdvance("…" + text) + 12 + extra

    def fit(self) -> None:
        view, header = self.view, self.view.header()
        room = view.viewport().width()
        if room <= 0:
            return
        width = self.needs()
        model = view.model()
        # Shards and Meta mean nothing for a .safetensors, a model.json, an Orbax step: left out
        # when no checkpoint listed has them (the model asks each checkpoint's format)
        # (and Step for files that hold no step: a folder of .pt / .safetensors / .weights.h5 files)
        blank = [c for c in (STEP, SHARDS, META) if hasattr(model, "blank") and model.blank(c)]
        shown = [c for c in range(len(COLUMNS)) if c not in blank]

        def over() -> int:
            return sum(width[c] for c in shown) - room

        for column in HIDE_FIRST:
            if over() > 0 and column in shown:
                shown.remove(column)
        saved_least, name_least = self.least(SAVED, SAVED_LEAST), self.least(NAME, NAME_LEAST)
        if over() > 0 and over() <= width[SAVED] - saved_least + max(0, width[NAME] - name_least):
            # Saved narrows to its time of day, then the names, both elided on the left (the step stays)
            narrower = min(over(), width[SAVED] - saved_least)
            width[SAVED] -= narrower
            width[NAME] -= max(0, over())
        for column in (SAVED, STEP):
            if over() > 0 and column in shown:
                shown.remove(column)
        if over() > 0:
            width[NAME] = max(name_least, width[NAME] - over())
        for column in range(len(COLUMNS)):
            header.setSectionHidden(column, column not in shown)
            if column in shown and column != FLAGS:
                header.resizeSection(column, width[column])
        current = view.currentIndex()
        if current.isValid():
            view.scrollTo(current)
