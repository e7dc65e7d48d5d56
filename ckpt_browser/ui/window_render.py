"""The main window rendering the app state (core/state/app_state.py): each of the state's events
re-renders what shows it -- the checkpoint list's current row, the variable list (its own
subscriber: widgets/variable_panel.py), the details, the Values tab, the visible view, the notes
-- and what the user does in a Qt view only tells the state. A part of MainWindow (main_window.py),
kept apart so each file stays small. docs/app-state.md lists the events."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import QModelIndex

from ckpt_browser.core.formats.variables import VariableInfo, shadow_of
from ckpt_browser.core.model_dir.contents import (
    CheckpointContents,
    Source,
    TensorRead,
    read_codes,
    read_contents,
    read_variable,
)
from ckpt_browser.core.model_dir.events import ALL, NOTHING, SAVES
from ckpt_browser.core.model_dir.scan import SAVED_MODEL_VARIABLES, CheckpointInfo
from ckpt_browser.core.state.evented import Event
from ckpt_browser.ui.theme_menu import set_theme
from ckpt_browser.ui.views import Selection


class WindowRender:
    """Mixed into MainWindow: subscribes to the state and renders it."""

    def _bind_state(self) -> None:
        events = self.state.events
        events.opened.connect(self._on_state_opened)
        events.refreshed.connect(self._on_state_refreshed)
        events.closed.connect(self._on_state_closed)
        events.checkpoint.connect(self._render_checkpoint)
        events.reload.connect(self._render_checkpoint)
        events.contents.connect(self._render_contents)
        events.variable.connect(self._render_variable)
        events.value.connect(self._render_value)
        events.message.connect(lambda e: self.status_label.setText(e.value))
        events.follow_latest.connect(lambda e: self.follow_action.setChecked(e.value))
        events.theme.connect(self._render_theme)
        found = self.state.results.events
        found.events_read.connect(self._render_events)
        found.note.connect(lambda e: self.status_label.setText(e.value))
        found.findings.connect(self._render_findings)
        found.verified.connect(lambda _e: self.sources.set_corrupt(self.state.results.corrupt()))

    # -- what the user does in a Qt view: it only changes the state ----------------------
    def current_checkpoint(self) -> CheckpointInfo | None:
        return self.state.checkpoint_info()

    def _on_checkpoint_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._rendering_sources:
            return
        source = self.sources.source_at(current)
        if source is not None:
            info = self.sources.checkpoint_at(current)
            self.state.select(source.model_dir.path, info.name if info is not None else None)

    def select_checkpoint(self, name: str) -> None:
        self.state.select_checkpoint(name)

    # -- the list of sources ---------------------------------------------------------------
    @contextmanager
    def _quiet_sources(self) -> Iterator[None]:
        """Rows change, or the current row is set, from the state: not a user's selection."""
        self._rendering_sources = True
        try:
            yield
        finally:
            self._rendering_sources = False

    def _source_row(self, path: Path | None) -> Source | None:
        return next((s for s in self.sources.sources() if s.model_dir.path == path), None)

    def _on_state_opened(self, event: Event) -> None:
        md = self.state.model_dir(event.value)
        with self._quiet_sources():
            top = self.sources.add_source(Source(md, None))
        self.sources_view.expand(top)
        self._sync_current()

    def _on_state_refreshed(self, event: Event) -> None:
        with self._quiet_sources():
            self.sources.update_source(self.state.model_dir(event.value))
        self._sync_current()
        self._forget_shown()

    def _on_state_closed(self, event: Event) -> None:
        source = self._source_row(event.value)
        if source is not None:
            with self._quiet_sources():
                self.sources.remove_source(self.sources.sources().index(source))
            for c in source.model_dir.checkpoints:  # its restored sessions go too
                self.runner.submit(self.sessions.close, c.prefix, tf=True)
        self.watcher.unwatch(event.value)
        self._forget_shown()
        if not self.sources.rowCount():
            self.variables.clear("Open a model_dir or checkpoint: File > Open, or drop it here.")
        self._sync_current()

    def _sync_current(self) -> None:
        """The list's current row: the state's source and checkpoint."""
        source = self._source_row(self.state.source)
        if source is None:
            index = QModelIndex()
        elif self.state.checkpoint is None:
            index = self.sources.index(self.sources.sources().index(source), 0)
        else:
            index = self.sources.checkpoint_index(source, self.state.checkpoint)
        if index != self.sources_view.currentIndex():
            with self._quiet_sources():
                self.sources_view.setCurrentIndex(index)

    # -- the selection -----------------------------------------------------------------------
    def _render_checkpoint(self, _event: Event | None = None) -> None:
        """The state's checkpoint on show (or the same one read again): its list is read."""
        self._sync_current()
        self._update_source_note()
        self._forget_shown()
        info = self.state.checkpoint_info()
        self._update_side_views()
        if info is None:
            md = self.state.model_dir()
            if md is not None and not md.checkpoints:  # nothing yet: the watcher fills the list in
                self.variables.clear(md.notes[-1] if md.notes else f"No checkpoint in {md.path}")
            elif md is not None:  # the source's own row
                self.variables.clear(f"{md.path.name}: select one of its {len(md.checkpoints)} checkpoints")
            return
        self.variables.clear(f"Reading {info.name} …")
        if not info.on_disk:
            self.variables.show_error(f"{info.name}: {info.problem}")
            self.variables.title.setText(info.name)
            return
        self.runner.submit(
            read_contents, info, self.state.valid_filter(), True,  # lazy: see read_contents
            key="contents",
            on_done=self._on_contents,
            on_error=lambda msg, i=info: self._on_contents_failed(i, msg),
            label=f"Reading {info.name}",
        )  # fmt: skip

    def _on_contents(self, contents: CheckpointContents) -> None:
        self.state.set_contents(contents)  # dropped if the selection moved on meanwhile
        if self.state.contents is contents:
            self.checkpoint_loaded.emit(contents)

    def _on_contents_failed(self, info: CheckpointInfo, message: str) -> None:
        now = self.state.checkpoint_info()
        if now is None or now.prefix != info.prefix:  # the selection moved on
            return
        self.variables.title.setText(info.name)
        self.variables.show_error(message)
        self.status_label.setText(message)

    def _render_contents(self, event: Event) -> None:
        contents = event.value
        self._mark_variables()
        if contents is not None:
            self.status_label.setText(f"{contents.checkpoint.name}: {len(contents.variables)} variables")

    def _render_variable(self, _event: Event | None = None) -> None:
        v, info = self.state.variable_info(), self.state.checkpoint_info()
        self.details.show_variable(v, self.state.contents)
        if v is None or info is None:
            self.tensor_view.clear()
            self._update_side_views()
            return
        self.tensor_view.clear(f"Reading {v.display_name} …")
        self.runner.submit(
            read_variable, info, v.name,
            key="value",
            on_done=lambda r, v=v, info=info: self._on_tensor(v, info, r),
            on_error=self.tensor_view.show_error,
            label=f"Reading {v.display_name}",
        )  # fmt: skip

    def _show_codes(self, codes: bool) -> None:
        """The Values tab's "Show the stored codes": the same variable, codes or values."""
        v, info = self.state.variable_info(), self.state.checkpoint_info()
        if v is None or info is None:
            return
        self.runner.submit(
            read_codes if codes else read_variable, info, v.name,
            key="value", on_done=lambda r, v=v, info=info: self._on_tensor(v, info, r),
            on_error=self.tensor_view.show_error, label=f"Reading {v.display_name}",
        )  # fmt: skip

    def _on_tensor(self, v: VariableInfo, info: CheckpointInfo, read: TensorRead) -> None:
        self.state.set_value(info.prefix, v.name, read)  # dropped if the selection moved on

    def _render_value(self, event: Event) -> None:
        read, v, info = event.value, self.state.variable_info(), self.state.checkpoint_info()
        if read is None or v is None or info is None:  # the variable changed: _render_variable cleared
            return
        self.tensor_view.set_tensor(v.display_name, read.value, info.name, warning=read.warning, note=read.note)
        self._update_side_views()
        self.tensor_loaded.emit(read.value)

    # -- background results ----------------------------------------------------------------
    def _render_events(self, _event: Event) -> None:
        self._update_source_note()

    def _render_findings(self, _event: Event) -> None:
        self.sources.set_mismatched(self.state.results.mismatched())
        self._mark_variables()

    def _mark_variables(self) -> None:
        info = self.state.checkpoint_info()
        marks = self.state.results.findings_of(info.prefix) if info is not None else {}
        if marks != self.variables.model.marks():  # a layout change of a big tree is not free
            self.variables.model.set_marks(marks)

    def _render_theme(self, event: Event) -> None:
        for action in self.theme_actions.actions():
            action.setChecked(action.data() == event.value)
        set_theme(self, event.value)

    def _update_source_note(self) -> None:
        """What is wrong with the current model_dir as a whole, under the list."""
        md = self.state.model_dir()
        notes = []
        if md is not None:
            notes = md.notes + ([md.state_error] if md.state_error else [])
            events = self.state.results.events_of(md.path)
            notes += events.notes if events is not None else []
        self.source_note.setText("\n".join(f"• {n}" for n in notes))
        self.source_note.setVisible(bool(notes))

    # -- the visible view --------------------------------------------------------------------
    def _forget_shown(self) -> None:
        for tab in self._tabs.values():
            tab.shown = None

    def _update_side_views(self) -> None:
        """Feed the view on show what it needs, when that changed (hidden views do nothing:
        several read every checkpoint)."""
        tab = self.value_tabs.currentWidget()
        spec = next((s for name, s in self._specs.items() if self._tabs[name] is tab), None)
        if spec is None:
            return
        level = _events_level(spec.needs)
        selection = self._selection(level)
        if level > NOTHING and selection.model_dir is not None:
            self.want_events(selection.model_dir.path, level, runs="runs" in spec.needs)
        key = selection.key(spec.needs)
        if key == tab.shown:
            return
        tab.shown = key
        self.view(spec.name).show_selection(selection)

    def _selection(self, events_level: int = ALL) -> Selection:
        """What is selected, with the events if they have been read as far as events_level."""
        state = self.state
        md, info, v, contents = state.model_dir(), state.checkpoint_info(), state.variable_info(), state.contents
        return Selection(
            model_dir=md.snapshot() if md is not None else None,
            checkpoint=info,
            variable=v,
            events=state.results.events_of(md.path, events_level) if md is not None else None,
            array=state.value.value if state.value is not None else None,
            shadow=shadow_of(contents.variables, v) if contents is not None and v is not None else None,
            saved_model=info is not None and info.name == SAVED_MODEL_VARIABLES,
            deleted=state.results.gone(md.path) if md is not None else (),
            runs=state.results.runs_of(md.path) if md is not None else (),
        )


def _events_level(needs: tuple[str, ...]) -> int:
    """How much of the event files a view with these needs shows."""
    if "events" in needs or "runs" in needs:
        return ALL  # the scalars
    return SAVES if "saves" in needs else NOTHING
