"""The one state the window renders, without Qt (napari's ViewerModel): the open sources, the
selected source, checkpoint and variable, the current checkpoint's variable list, the variable
filter, follow-latest, the theme -- and, as its part ``results`` (core/state/results.py), what
background work found per source (event files, deleted checkpoints, self-check and Verify).

Every change goes through a method here and emits a named event (core/state/evented.py); fields
cannot be assigned from outside. The window and its widgets subscribe and render; user actions
and finished background work only call these methods. The rules -- which checkpoint to show when
a folder opens, when training adds or prunes checkpoints, when a source is closed, which variable
stays on show -- live here, so a whole session is tested without a window
(tests/core/test_app_state*.py). docs/app-state.md lists the fields and events.
"""

from __future__ import annotations

import re
from dataclasses import replace
from operator import is_
from typing import Any

from ckpt_browser.core.formats.variables import VariableFilter, VariableInfo, find_variable
from ckpt_browser.core.model_dir.contents import CheckpointContents, TensorRead
from ckpt_browser.core.model_dir.scan import CheckpointInfo, ModelDir
from ckpt_browser.core.state.evented import Evented, Field
from ckpt_browser.core.state.results import Results
from ckpt_browser.core.storage import Location

# Events that are not a field's, with the value they carry:
EVENTS = (
    "opened",  # a source's path: it joined the list (or replaced the one open at that path)
    "refreshed",  # a source's path: re-scanned, its checkpoints changed in place
    "closed",  # a source's path: it left the list
    "reload",  # the checkpoint on show, whose files changed (or were opened again): read it again
    "message",  # text to tell the user (a checkpoint or variable asked for is not there)
)


class AppState(Evented):
    EVENTS = EVENTS
    source: Field[Location | None] = Field(None)
    checkpoint: Field[str | None] = Field(None)  # None: the source's own row (it has no checkpoint yet)
    variable: Field[str | None] = Field(None)  # its stored name
    value: Field[TensorRead | None] = Field(None, same=is_)  # the selected variable's, once read
    contents: Field[CheckpointContents | None] = Field(None, same=is_)  # the current checkpoint's list, once read
    filter: Field[VariableFilter] = Field(VariableFilter())
    # On while the latest checkpoint is selected: a new checkpoint then becomes the selection.
    follow_latest: Field[bool] = Field(True)
    theme: Field[str | None] = Field(None)  # "system", "light", "dark"; None: not chosen yet

    def __init__(self) -> None:
        super().__init__()
        self._results = Results()
        self._sources: dict[Location, ModelDir] = {}  # in the order they were opened
        self._pending: dict[str, tuple[str | None, str | None]] = {}  # opening key -> (checkpoint, variable)
        self._pending_variable: str | None = None  # asked for by name, before its list is read
        self._pending_message: str | None = None  # said once the list is shown (not under "Reading ...")
        self._kept_variable: str | None = None  # selected in the checkpoint shown before
        self._valid_filter = VariableFilter()  # the last filter that compiles: what the list shows

    @property
    def results(self) -> Results:
        """What background work found, per source: evented too (core/state/results.py)."""
        return self._results

    # -- reading ---------------------------------------------------------------------------
    def sources(self) -> list[ModelDir]:
        return list(self._sources.values())

    def model_dir(self, path: Location | None = None) -> ModelDir | None:
        """The open model_dir at path (the current one by default)."""
        key = self.source if path is None else path
        return self._sources.get(key) if key is not None else None

    def selection(self) -> tuple[Location | None, str | None, str | None]:
        return self.source, self.checkpoint, self.variable

    def checkpoint_info(self) -> CheckpointInfo | None:
        """The checkpoint on show."""
        md = self.model_dir()
        return md.find(self.checkpoint) if md is not None and self.checkpoint is not None else None

    def variable_info(self) -> VariableInfo | None:
        if self.contents is None or self.variable is None:
            return None
        return find_variable(self.contents.variables, self.variable)

    def visible_variables(self) -> list[VariableInfo]:
        """The variables the list shows: the current checkpoint's, through the filter (the last
        one that compiles, while a regex being typed does not)."""
        if self.contents is None:
            return []
        accept = self._valid_filter.compile()
        return [v for v in self.contents.variables if accept(v)]

    def valid_filter(self) -> VariableFilter | None:
        """The filter, if it compiles (a bad regex is the user's to fix, not a worker's)."""
        return self.filter if self.filter == self._valid_filter else None

    # -- opening and closing -----------------------------------------------------------------
    def request_open(self, key: str, checkpoint: str | None = None, variable: str | None = None) -> None:
        """An open was asked for (a path, URL or drop): what to select once it has opened."""
        self._pending[key] = (checkpoint, variable)

    def open_failed(self, key: str) -> None:
        self._pending.pop(key, None)

    def opened(self, key: str, model_dir: ModelDir, selected: str | None = None) -> None:
        """A source finished opening (``selected``: the checkpoint its path named). Opening the
        same folder again replaces it, and its checkpoint is read again."""
        checkpoint, variable = self._pending.pop(key, (None, None))
        wanted = checkpoint or selected
        info = model_dir.find(wanted) if wanted else model_dir.default_checkpoint()
        if info is None and model_dir.checkpoints:
            info = model_dir.default_checkpoint() or model_dir.checkpoints[-1]
        with self.events.batch():
            self._sources.pop(model_dir.path, None)
            self._sources[model_dir.path] = model_dir
            self.results.opened(model_dir.path, model_dir.names())
            self.events.opened(model_dir.path)
            self._pending_variable = variable
            name = info.name if info is not None else None
            if not self.select(model_dir.path, name) and name is not None:
                self._reload()
            if wanted and model_dir.find(wanted) is None:
                missing = f"No checkpoint {wanted!r} in {model_dir.path}"
                if name is not None:  # the latest is shown instead: said with its list
                    self._pending_message = missing
                else:
                    self.events.message(missing)

    def refreshed(self, model_dir: ModelDir) -> None:
        """A re-scan of an open source (training wrote or pruned checkpoints): the selection
        follows the latest, leaves a pruned checkpoint, or reloads one that finished writing."""
        old = self._sources.get(model_dir.path)
        if old is None:  # closed meanwhile
            return
        added = [n for n in model_dir.names() if n not in set(old.names())]
        with self.events.batch():
            self.results.rescanned(old, model_dir)
            self._sources[model_dir.path] = model_dir
            self.events.refreshed(model_dir.path)
            if self.source != model_dir.path:
                return
            before = old.find(self.checkpoint) if self.checkpoint else None
            after = model_dir.find(self.checkpoint) if self.checkpoint else None
            pick = model_dir.default_checkpoint()
            if pick is not None and (
                before is None  # nothing shown yet (opened empty), or it was pruned
                or after is None
                or (self.follow_latest and added and pick.name != self.checkpoint)
            ):
                self.select(model_dir.path, pick.name)
            elif before is not None and after is not None and _files(after) != _files(before):
                self._reload()  # it finished writing

    def close(self, path: Location) -> None:
        """Close a source; if it was the current one, the selection moves to the source that takes
        its place in the list (or the one before it)."""
        order = list(self._sources)
        if path not in self._sources:
            return
        row = order.index(path)
        with self.events.batch():
            self.results.closed(self._sources.pop(path))
            self.events.closed(path)
            if self.source != path:
                return
            rest = list(self._sources)
            if not rest:
                self.select(None, None)
                return
            nxt = self._sources[rest[min(row, len(rest) - 1)]]
            pick = nxt.default_checkpoint()
            self.select(nxt.path, pick.name if pick else None)

    # -- selection ---------------------------------------------------------------------------
    def select(self, source: Location | None, checkpoint: str | None) -> bool:
        """The user (or a rule here) selected a checkpoint; follow-latest turns on when it is the
        latest and off when it is an older one. True if the selection changed."""
        md = self.model_dir(source) if source is not None else None
        with self.events.batch():
            if md is not None and checkpoint is not None:
                latest = md.default_checkpoint()
                self._set("follow_latest", latest is not None and latest.name == checkpoint)
            if (source, checkpoint) == (self.source, self.checkpoint):
                return False
            # The variable on show stays on show in the next checkpoint (following training, or
            # stepping through checkpoints), if that checkpoint has it.
            self._kept_variable = self.variable or self._kept_variable
            self._pending_message = None  # it was about the selection before
            self._set("source", source)
            if not self._set("checkpoint", checkpoint):  # the same name in another source: news too
                self.events.checkpoint(checkpoint)
            self._set("contents", None)
            self._set_variable(None)
        return True

    def select_checkpoint(self, name: str) -> bool:
        """A checkpoint of the current source, by name (a view's click)."""
        md = self.model_dir()
        if md is None or md.find(name) is None:
            return False
        self.select(md.path, name)
        return True

    def set_follow_latest(self, on: bool) -> None:
        """Follow Latest on: the latest checkpoint is shown now (following starts there); off: stay."""
        with self.events.batch():
            self._set("follow_latest", on)
            md = self.model_dir()
            latest = md.default_checkpoint() if md is not None else None
            if on and latest is not None:
                self.select(md.path, latest.name)  # type: ignore[union-attr]

    def select_variable(self, name: str | None) -> bool:
        """Select a variable of the current checkpoint by stored or display name. Before its list
        is read, it is selected once it is (False); one the list does not show is not selected."""
        if name is None:
            self._set_variable(None)
            return True
        if self.contents is None:
            self._pending_variable = name
            return False
        v = find_variable(self.contents.variables, name)
        if v is None or not self._shows(v):
            return False
        self._set_variable(v.name)
        return True

    def ask_variable(self, name: str, checkpoint: str | None = None) -> None:
        """A variable asked for by name (a view's click), in checkpoint (the current one by
        default): selected once that checkpoint's list is read, its absence then said."""
        if checkpoint is None or checkpoint == self.checkpoint:
            if self.contents is not None:
                if not self.select_variable(name):
                    self.events.message(f"{self.checkpoint} has no variable {name!r}")
                return
        self._pending_variable = name
        if checkpoint is not None and not self.select_checkpoint(checkpoint):
            self._pending_variable = None
            self.events.message(f"No checkpoint {checkpoint!r} in {self.source}")

    def set_value(self, prefix: Location, name: str, read: TensorRead) -> bool:
        """The selected variable's value was read (its values, or a quantized weight's codes).
        A value of a variable or checkpoint no longer selected is dropped (False)."""
        info = self.checkpoint_info()
        if info is None or info.prefix != prefix or self.variable != name:
            return False
        self._set("value", read)
        return True

    def set_contents(self, contents: CheckpointContents) -> None:
        """The current checkpoint's variable list was read: the variable asked for, or the one on
        show in the checkpoint before, is selected in it. A list of another checkpoint (read
        before the selection moved on) is dropped."""
        info = self.checkpoint_info()
        if info is None or info.prefix != contents.checkpoint.prefix:
            return
        asked, kept, said = self._pending_variable, self._kept_variable, self._pending_message
        self._pending_variable = self._kept_variable = self._pending_message = None
        with self.events.batch():
            self._set("contents", contents)
            if said:
                self.events.message(said)
            wanted = asked or kept
            if wanted and not self.select_variable(wanted) and asked:
                self.events.message(f"{info.name} has no variable {wanted!r}")

    def set_filter(self, flt: VariableFilter | None = None, **changes: Any) -> None:
        """The variable filter (or some of its parts: text=, regex=, hide_optimizer=,
        show_object_graph=). A selected variable the new filter hides is no longer selected."""
        new = replace(flt if flt is not None else self.filter, **changes)
        try:
            new.compile()
        except re.error:
            pass  # shown as wrong while typed; the list keeps the last valid filter
        else:
            self._valid_filter = new
        with self.events.batch():
            self._set("filter", new)
            v = self.variable_info()
            if v is not None and not self._shows(v):
                self._set_variable(None)

    def set_theme(self, name: str) -> None:
        self._set("theme", name)

    # -- helpers -----------------------------------------------------------------------------
    def _set_variable(self, name: str | None) -> None:
        with self.events.batch():
            if self._set("variable", name):
                self._set("value", None)

    def _shows(self, v: VariableInfo) -> bool:
        return self._valid_filter.compile()(v)

    def _reload(self) -> None:
        self._kept_variable = self.variable or self._kept_variable  # on show again once read
        with self.events.batch():
            self._set("contents", None)
            self._set_variable(None)
            self.events.reload(self.checkpoint)


def _files(info: CheckpointInfo) -> tuple:
    return info.files_ok, info.bytes
