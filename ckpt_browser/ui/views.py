"""The tabs of the window's right-hand pane, in one list. Qt-free: the CLI takes its --tab
names from here.

A view is a QWidget class with ``create(ctx)`` (build it from what the window shares) and
``show_selection(selection)`` (show what is selected now). It may have the signals
``variable_requested(str)`` and ``checkpoint_requested(str)``, which the window connects to
selecting that variable or checkpoint, and ``cell_requested(checkpoint, variable)``: that variable
in that checkpoint. The window builds a view the first time its tab shows,
and calls show_selection on the visible view when something it ``needs`` changed. Adding a view
is its file plus one line in VIEWS.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ckpt_browser.core.formats.variables import VariableInfo
    from ckpt_browser.core.model_dir.events import EventData
    from ckpt_browser.core.model_dir.scan import CheckpointInfo, ModelDir

# events: every record of the event files (scalars); saves: their checkpoint records (save times).
# Either is read when a view needing it first shows, off the UI thread: events is None till then.
NEEDS = ("model_dir", "checkpoint", "variable", "events", "saves", "array", "deleted", "runs")


@dataclass(frozen=True)
class ViewSpec:
    name: str  # what --tab and window.show_tab call it
    label: str  # the tab's text
    target: str  # "module:Class" under ckpt_browser.ui.widgets, imported when the tab first shows
    needs: tuple[str, ...]  # parts of the selection whose change refreshes the view

    def __post_init__(self) -> None:
        unknown = set(self.needs) - set(NEEDS)
        if unknown:
            raise ValueError(f"view {self.name!r} needs {sorted(unknown)}: not among {NEEDS}")


@dataclass(frozen=True)
class Selection:
    """What the window has selected, as the visible view gets it. model_dir is a snapshot: the
    window's own copy changes in place during live refresh."""

    model_dir: ModelDir | None = None
    checkpoint: CheckpointInfo | None = None
    variable: VariableInfo | None = None
    events: EventData | None = None
    array: Any = None  # the selected variable's value, as the Values tab read it
    shadow: VariableInfo | None = None  # its moving average, when the checkpoint has one
    saved_model: bool = False  # the checkpoint is a SavedModel's variables/
    deleted: tuple[CheckpointInfo, ...] = ()  # checkpoints training deleted while the window watched
    runs: tuple[tuple[str, EventData], ...] = ()  # a folder of runs: each run's events, by run name

    @property
    def checkpoints(self) -> list[CheckpointInfo]:
        return self.model_dir.checkpoints if self.model_dir is not None else []

    def key(self, needs: tuple[str, ...]) -> tuple:
        """What identifies this selection for a view with these needs."""
        parts = []
        for need in needs:
            if need == "model_dir":
                md = self.model_dir
                parts.append(None if md is None else (str(md.path), md.names()))
            elif need == "checkpoint":
                parts.append(None if self.checkpoint is None else str(self.checkpoint.prefix))
            elif need == "variable":
                parts.append(None if self.variable is None else self.variable.name)
            elif need == "deleted":
                parts.append(tuple(c.name for c in self.deleted))
            elif need == "runs":
                parts.append(tuple((name, id(events)) for name, events in self.runs))
            else:  # events, saves, array: a new object is new data
                parts.append(id(self.events if need == "saves" else getattr(self, need)))
        return tuple(parts)


@dataclass(frozen=True)
class ViewContext:
    """What the window shares with its views."""

    runner: Any  # TaskRunner
    sessions: Any  # fit.Sessions: restored graphs, used from the TensorFlow lane only


VIEWS = (
    ViewSpec("history", "History", "compare_view:HistoryView", ("model_dir", "variable")),
    ViewSpec("compare", "Compare", "compare_view:CompareView", ("checkpoint", "variable", "array")),
    ViewSpec("graph", "Graph", "graph_panel:GraphPanel", ("checkpoint",)),
    ViewSpec("fit", "Fit", "fit_view:FitView", ("model_dir",)),
    ViewSpec("check", "Check", "check_view:CheckView", ("model_dir", "checkpoint")),
    ViewSpec("scalars", "Scalars", "scalars_view:ScalarsView", ("model_dir", "events", "runs")),
    ViewSpec("timeline", "Timeline", "timeline_view:TimelineView", ("model_dir", "saves", "deleted")),
    ViewSpec("files", "Files", "files_view:FilesView", ("checkpoint",)),
    ViewSpec("model", "Model", "model_view:ModelView", ("checkpoint",)),
    ViewSpec("health", "Health", "health_view:HealthView", ("model_dir", "checkpoint", "variable")),
)
VALUE_TABS = ("table", "plot", "histogram")  # the Values tab's own pages
WINDOW_TABS = ("diff", "verify")  # windows of their own, opened by --tab too
TAB_NAMES = VALUE_TABS + tuple(v.name for v in VIEWS) + WINDOW_TABS


def view_class(spec: ViewSpec):
    module, _, name = spec.target.partition(":")
    return getattr(import_module(f"ckpt_browser.ui.widgets.{module}"), name)
