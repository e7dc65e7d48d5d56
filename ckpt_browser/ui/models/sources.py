"""Tree model of the open sources (model_dirs) and their checkpoints."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from ckpt_browser.core.formats.variables import human_bytes
from ckpt_browser.core.model_dir.contents import Source
from ckpt_browser.core.model_dir.scan import CheckpointInfo, ModelDir
from ckpt_browser.ui.models.base import FixedColumns, Index
from ckpt_browser.ui.palette import colours

COLUMNS = ("Checkpoint", "Step", "Saved", "Size", "Shards", "Meta", "Flags")
_TOP = 0  # internalId of a source row; a checkpoint row carries its source's uid (1, 2, ...)
# A uid, not the source's row: rows shift when a source above is closed or re-opened, and the
# view's persistent child indexes keep the internalId they were made with.


class SourcesModel(FixedColumns, QAbstractItemModel):
    COLUMNS = COLUMNS

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._sources: list[Source] = []
        self._uids: dict[int, int] = {}  # id(source) -> uid
        self._by_uid: dict[int, Source] = {}
        self._next_uid = 1
        self._mismatched: set[Path] = set()  # prefixes whose own graph disagrees with them
        self._corrupt: dict[Path, str] = {}  # prefix -> what Verify found wrong

    def set_corrupt(self, corrupt: dict[Path, str]) -> None:
        """Flag the checkpoints Verify found corrupt (the app state's results: prefix -> what is wrong)."""
        self._corrupt = dict(corrupt)
        self._changed_all()

    def set_mismatched(self, prefixes: frozenset[Path]) -> None:
        """Mark the checkpoints found not to fit their own graph (the app state's results)."""
        self._mismatched = set(prefixes)
        self._changed_all()

    def _changed_all(self) -> None:
        for srow in range(len(self._sources)):
            parent = self.index(srow, 0)
            n = self.rowCount(parent)
            if n:
                self.dataChanged.emit(self.index(0, 0, parent), self.index(n - 1, len(COLUMNS) - 1, parent))

    # -- our API ---------------------------------------------------------------
    def sources(self) -> list[Source]:
        return list(self._sources)

    def add_source(self, source: Source) -> QModelIndex:
        """Add a model_dir, or replace the one already open at the same path."""
        for row, existing in enumerate(self._sources):
            if existing.model_dir.path == source.model_dir.path:
                self._forget(row)
                break
        row = len(self._sources)
        self.beginInsertRows(QModelIndex(), row, row)
        self._sources.append(source)
        uid, self._next_uid = self._next_uid, self._next_uid + 1
        self._uids[id(source)] = uid
        self._by_uid[uid] = source
        self.endInsertRows()
        return self.index(row, 0)

    def _uid(self, source: Source) -> int:
        return self._uids[id(source)]

    def _child_source(self, index: Index) -> Source | None:
        source = self._by_uid.get(index.internalId())
        return source if source is not None and any(s is source for s in self._sources) else None

    def _row_of(self, source: Source) -> int:
        return next(i for i, s in enumerate(self._sources) if s is source)

    def update_source(self, model_dir: ModelDir) -> Source | None:
        """A re-scanned model_dir: rows are inserted and removed in place (no reset), so the
        current checkpoint stays selected while a training job adds and prunes checkpoints."""
        row = next((i for i, s in enumerate(self._sources) if s.model_dir.path == model_dir.path), None)
        if row is None:
            return None
        source = self._sources[row]
        parent = self.index(row, 0)
        old = source.model_dir.checkpoints
        new_names = [c.name for c in model_dir.checkpoints]
        for i in reversed(range(len(old))):
            if old[i].name not in new_names:
                self.beginRemoveRows(parent, i, i)
                del old[i]
                self.endRemoveRows()
        for j, info in enumerate(model_dir.checkpoints):
            if j < len(old) and old[j].name == info.name:
                old[j] = info
                continue
            if info.name in [c.name for c in old]:  # the order changed: rebuild this source
                self.beginResetModel()
                old[:] = model_dir.checkpoints
                self.endResetModel()
                break
            self.beginInsertRows(parent, j, j)
            old.insert(j, info)
            self.endInsertRows()
        md = source.model_dir
        md.latest, md.notes, md.state_error, md.has_state = (
            model_dir.latest, model_dir.notes, model_dir.state_error, model_dir.has_state,
        )  # fmt: skip
        if old:
            self.dataChanged.emit(self.index(0, 0, parent), self.index(len(old) - 1, len(COLUMNS) - 1, parent))
        self.dataChanged.emit(parent, self.index(row, len(COLUMNS) - 1))
        return source

    def remove_source(self, row: int) -> None:
        self._forget(row)

    def _forget(self, row: int) -> None:
        self.beginRemoveRows(QModelIndex(), row, row)
        source = self._sources.pop(row)
        self._by_uid.pop(self._uids.pop(id(source), -1), None)
        self.endRemoveRows()

    def source_at(self, index: Index) -> Source | None:
        if not index.isValid():
            return None
        if index.internalId() == _TOP:
            return self._sources[index.row()] if 0 <= index.row() < len(self._sources) else None
        return self._child_source(index)

    def checkpoint_at(self, index: Index) -> CheckpointInfo | None:
        if not index.isValid() or index.internalId() == _TOP:
            return None
        source = self._child_source(index)
        if source is None or not 0 <= index.row() < len(source.model_dir.checkpoints):
            return None
        return source.model_dir.checkpoints[index.row()]

    def checkpoint_index(self, source: Source, name: str) -> QModelIndex:
        for srow, s in enumerate(self._sources):
            if s is source:
                for crow, c in enumerate(s.model_dir.checkpoints):
                    if c.name == name:
                        return self.index(crow, 0, self.index(srow, 0))
        return QModelIndex()

    def blank(self, column: int) -> bool:
        """No checkpoint of any source has a cell in this column (Shards, Meta of formats without)."""
        return not any(
            _checkpoint_cell(c, column, s.model_dir.has_state) for s in self._sources for c in s.model_dir.checkpoints
        )

    # -- Qt ----------------------------------------------------------------------
    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, _TOP)
        return self.createIndex(row, column, self._uid(self._sources[parent.row()]))

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]
        if not index.isValid() or index.internalId() == _TOP:
            return QModelIndex()
        source = self._child_source(index)
        if source is None:
            return QModelIndex()
        return self.createIndex(self._row_of(source), 0, _TOP)

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        if not parent.isValid():
            return len(self._sources)
        if parent.internalId() == _TOP and parent.column() == 0:
            return len(self._sources[parent.row()].model_dir.checkpoints)
        return 0

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        if index.internalId() == _TOP:
            return self._source_data(self._sources[index.row()], index.column(), role)
        source = self._child_source(index)
        info = self.checkpoint_at(index)
        if source is None or info is None:
            return None
        return self._checkpoint_data(source, info, index.column(), role)

    def _source_data(self, source: Source, column: int, role: int):
        md = source.model_dir
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return md.path.name or str(md.path)
            if column == 6 and (md.notes or md.state_error):
                return "see note"
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [str(md.path)] + md.notes + ([md.state_error] if md.state_error else [])
            return "\n".join(lines)
        return None

    def _checkpoint_data(self, source: Source, info: CheckpointInfo, column: int, role: int):
        mismatched = info.prefix in self._mismatched
        corrupt = self._corrupt.get(info.prefix)
        if role == Qt.ItemDataRole.DisplayRole:
            text = _checkpoint_cell(info, column, source.model_dir.has_state)
            if column == 6 and mismatched:
                text = ", ".join(filter(None, [text, "shape mismatch"]))
            if column == 6 and corrupt:
                text = ", ".join(filter(None, [text, "corrupt"]))
            return text
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [str(info.prefix)]
            if info.problem:
                lines.append(info.problem)
            if mismatched:
                lines.append("Its own graph declares other shapes or dtypes than it stores: see the Check tab.")
            if corrupt:
                lines.append(f"Verify: {corrupt}")
            if column == 2 and info.timestamp:
                # deferred: start-up: loads numpy (+97 modules)
                from ckpt_browser.core.model_dir.timeline import TIME_SOURCES

                lines.append(f"Saved: from {TIME_SOURCES.get(info.time_source, info.time_source)}")
            return "\n".join(lines)
        if role == Qt.ItemDataRole.ForegroundRole and (info.problem or not info.on_disk or mismatched or corrupt):
            return QBrush(QColor(colours().bad))
        if role == Qt.ItemDataRole.FontRole and info.latest:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (1, 3, 4):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


def _checkpoint_cell(info: CheckpointInfo, column: int, state_known: bool) -> str:
    if column == 0:
        return Path(info.name).name if info.name.startswith("variables/") else info.name
    if column == 1:
        return "" if info.step is None else str(info.step)
    if column == 2:
        return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(info.timestamp)) if info.timestamp else ""
    if column == 3:
        return human_bytes(info.bytes) if info.on_disk else ""
    if column == 4:
        return info.shards_cell() if info.shards else ""
    if column == 5:
        return info.meta_cell()
    if column == 6:
        return ", ".join(info.flags(state_known))
    return ""
