"""What the window has open and selected, without Qt: the open model_dirs, the current source,
checkpoint and variable, the variable filter, follow-latest, and what live refresh saw deleted.

The window binds to it (ui/main_window.py, ui/window_sources.py): it tells the state what the user
and the file watcher did, and shows the Choice the state answers. The rules -- which checkpoint to
show when a folder opens, when training adds or prunes checkpoints, when a source is closed --
live here so they are tested without a window (tests/core/test_app_state.py), the way napari's
ViewerModel makes a viewer's behaviour testable without Qt.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ckpt_browser.core.model_dir.scan import ModelDir
from ckpt_browser.core.storage import Location

Listener = Callable[[str], None]  # called with what changed: "sources", "checkpoint", "variable", "filter"


@dataclass(frozen=True)
class Choice:
    """Where the selection goes after an event, for the window to show."""

    source: Location
    checkpoint: str | None  # None: the source's own row (it has no checkpoint yet)
    reload: bool = False  # the same checkpoint, but its files changed (it finished writing)
    message: str | None = None  # something to tell the user (a checkpoint asked for is not there)


class AppState:
    def __init__(self) -> None:
        self._sources: dict[Location, ModelDir] = {}  # in the order they were opened
        self.source: Location | None = None
        self.checkpoint: str | None = None
        self.variable: str | None = None
        self.filter = ""
        # On while the latest checkpoint is selected: a new checkpoint then becomes the selection.
        self.follow_latest = True
        self.deleted: dict[Location, list[str]] = {}  # checkpoints live refresh saw disappear, in order
        self._pending: dict[str, tuple[str | None, str | None]] = {}  # opening key -> (checkpoint, variable)
        self._pending_variable: str | None = None  # asked for by name when opening
        self._kept_variable: str | None = None  # selected in the checkpoint shown before
        self._listeners: list[Listener] = []

    # -- observing -----------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(what)`` on each change; returns the function that unsubscribes."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _changed(self, what: str) -> None:
        for listener in list(self._listeners):
            listener(what)

    # -- sources -------------------------------------------------------------------------
    def sources(self) -> list[ModelDir]:
        return list(self._sources.values())

    def model_dir(self, path: Location | None = None) -> ModelDir | None:
        """The open model_dir at path (the current one by default)."""
        key = self.source if path is None else path
        return self._sources.get(key) if key is not None else None

    def request_open(self, key: str, checkpoint: str | None = None, variable: str | None = None) -> None:
        """An open was asked for (a path, URL or drop): what to select once it has opened."""
        self._pending[key] = (checkpoint, variable)

    def open_failed(self, key: str) -> None:
        self._pending.pop(key, None)

    def opened(self, key: str, model_dir: ModelDir, selected: str | None = None) -> Choice:
        """A source finished opening (``selected``: the checkpoint its path named). Opening the
        same folder again replaces it."""
        checkpoint, variable = self._pending.pop(key, (None, None))
        self._sources.pop(model_dir.path, None)
        self._sources[model_dir.path] = model_dir
        self.deleted.setdefault(model_dir.path, [])
        wanted = checkpoint or selected
        info = model_dir.find(wanted) if wanted else model_dir.default_checkpoint()
        message = f"No checkpoint {wanted!r} in {model_dir.path}" if wanted and info is None else None
        if info is None and model_dir.checkpoints:
            info = model_dir.default_checkpoint() or model_dir.checkpoints[-1]
        self._pending_variable = variable
        self._changed("sources")
        name = info.name if info is not None else None
        self.select(model_dir.path, name)
        return Choice(model_dir.path, name, message=message)

    def refreshed(self, model_dir: ModelDir) -> Choice | None:
        """A re-scan of an open source (training wrote or pruned checkpoints). Returns where the
        selection must go, or None when it stays."""
        old = self._sources.get(model_dir.path)
        if old is None:  # closed meanwhile
            return None
        new_names = set(model_dir.names())
        self.deleted.setdefault(model_dir.path, []).extend(n for n in old.names() if n not in new_names)
        added = [n for n in model_dir.names() if n not in set(old.names())]
        self._sources[model_dir.path] = model_dir
        self._changed("sources")
        if self.source != model_dir.path:
            return None
        before = old.find(self.checkpoint) if self.checkpoint else None
        after = model_dir.find(self.checkpoint) if self.checkpoint else None
        pick = model_dir.default_checkpoint()
        if pick is not None and (
            before is None  # nothing shown yet (opened empty), or it was pruned
            or after is None
            or (self.follow_latest and added and pick.name != self.checkpoint)
        ):
            self.select(model_dir.path, pick.name)
            return Choice(model_dir.path, pick.name)
        if (
            before is not None
            and after is not None
            and (after.files_ok, after.bytes) != (before.files_ok, before.bytes)
        ):
            return Choice(model_dir.path, after.name, reload=True)
        return None

    def close(self, path: Location) -> Choice | None:
        """Close a source; if it was the current one, the selection moves to the source that takes
        its place in the list (or the one before it)."""
        order = list(self._sources)
        if path not in self._sources:
            return None
        row = order.index(path)
        del self._sources[path]
        self.deleted.pop(path, None)
        self._changed("sources")
        if self.source != path:
            return None
        rest = list(self._sources)
        if not rest:
            self.select(None, None)
            return None
        nxt = self._sources[rest[min(row, len(rest) - 1)]]
        pick = nxt.default_checkpoint()
        self.select(nxt.path, pick.name if pick else None)
        return Choice(nxt.path, pick.name if pick else None)

    # -- selection -----------------------------------------------------------------------
    def select(self, source: Location | None, checkpoint: str | None) -> None:
        """The user (or a Choice) selected a checkpoint; follow-latest turns on when it is the
        latest and off when it is an older one."""
        md = self._sources.get(source) if source is not None else None
        if md is not None and checkpoint is not None:
            latest = md.default_checkpoint()
            self.follow_latest = latest is not None and latest.name == checkpoint
        if (source, checkpoint) != (self.source, self.checkpoint):
            # The variable on show stays on show in the next checkpoint (following training, or
            # stepping through checkpoints), if that checkpoint has it.
            self._kept_variable = self.variable or self._kept_variable
            self.source, self.checkpoint = source, checkpoint
            self._changed("checkpoint")

    def select_variable(self, name: str | None) -> None:
        if name != self.variable:
            self.variable = name
            self._changed("variable")

    def ask_variable(self, name: str) -> None:
        """A variable asked for by name (a view's click), to select once the checkpoint about to
        be shown has loaded its list."""
        self._pending_variable = name

    def variable_to_show(self) -> tuple[str | None, bool]:
        """Once a checkpoint's variables have loaded: the variable to select, and whether it was
        asked for by name (its absence is then reported) or kept from the checkpoint before."""
        asked, kept = self._pending_variable, self._kept_variable
        self._pending_variable = self._kept_variable = None
        return (asked, True) if asked else (kept, False)

    def set_filter(self, text: str) -> None:
        if text != self.filter:
            self.filter = text
            self._changed("filter")
