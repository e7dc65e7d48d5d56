"""The app state driven by a one-shot command: `ls` and `show` select what they print through
the same AppState the window renders (core/state/app_state.py), in the order the window's workers
drive it -- a path opened as the window opens it, the checkpoint on show chosen by the state's
rules, the variable list handed to it, the variable found by its one lookup rule.

Two things differ from a window, as a terminal needs: the list shows every stored variable (the
object graph's entries too, as tf.train.list_variables lists them), and what a window says in its
status bar while it shows something else (a checkpoint or a variable that is not there) is the
command's error instead.
"""

from __future__ import annotations

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.formats.variables import VariableInfo
from ckpt_browser.core.model_dir.contents import CheckpointContents, Source, open_source
from ckpt_browser.core.model_dir.scan import CheckpointInfo
from ckpt_browser.core.state.app_state import AppState
from ckpt_browser.core.storage import Location


class Headless:
    """One command's session over an AppState (a new one by default)."""

    def __init__(self, state: AppState | None = None) -> None:
        self.state = state if state is not None else AppState()
        self._said: list[str] = []
        self.state.events.message.connect(lambda event: self._said.append(event.value))
        self.state.set_filter(show_object_graph=True)

    def open(self, where: Location, checkpoint: str | None = None, variable: str | None = None) -> Source:
        """Open a path as the window does and select what it names: the checkpoint asked for,
        else the one the path named, else the latest. CheckpointError when that is not there (the
        window shows the latest instead and says so) or no checkpoint has its files."""
        key = str(where)
        self.state.request_open(key, checkpoint, variable)
        try:
            source = open_source(where)
            source.checkpoint(checkpoint)  # the terminal's error, with the checkpoints there are
        except CheckpointError:
            self.state.open_failed(key)
            raise
        self.state.opened(key, source.model_dir, source.selected)
        self._say()
        return source

    def checkpoint(self) -> CheckpointInfo:
        """The checkpoint on show."""
        info = self.state.checkpoint_info()
        if info is None:  # open() succeeded: the state has selected one
            raise CheckpointError(f"no checkpoint selected in {self.state.source}")
        return info

    def list_read(self, contents: CheckpointContents) -> None:
        """The checkpoint's variable list was read (by the caller: the API keeps it): the state
        selects the variable asked for in it, or says it is not there."""
        self.state.set_contents(contents)
        self._say()

    def variable(self) -> VariableInfo:
        """The variable selected (after list_read)."""
        info = self.state.variable_info()
        if info is None:
            raise CheckpointError(f"{self.checkpoint().name}: no variable selected")
        return info

    def _say(self) -> None:
        if self._said:
            said, self._said = self._said[0], []
            raise CheckpointError(said)
