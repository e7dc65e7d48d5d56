"""What one reading of a training script along one path holds, shared by the interpreter's parts
(script_interpreter.py wires them): where it is, what it found, its budgets, the branch choices it
takes and the conditions open; and the signals that end a path, a function or a loop."""

from __future__ import annotations

import ast
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ckpt_browser.core.checks.script_bounds import MAX_BUILT, MAX_SECONDS, MAX_STEPS, Cut, size, too_big
from ckpt_browser.core.checks.script_files import Loader
from ckpt_browser.core.checks.script_names import builtin_named
from ckpt_browser.core.checks.script_values import Candidate, FlagValues, Module, Unknown, plain_work

_BUILDERS = ("Estimator", "DNNClassifier", "DNNRegressor", "LinearClassifier", "LinearRegressor", "Sequential",
             "Model", "Checkpoint", "CheckpointManager", "Saver", "MonitoredTrainingSession", "fit", "Classifier",
             "Regressor")  # fmt: skip
_LINES: dict[str, list[str]] = {}  # the text being read -> its lines (col offsets are in UTF-8 bytes)


class PathEnd(Exception):  # noqa: N818 -- `raise` or exit(): this path through the script stops here
    pass


class Break(Exception):  # noqa: N818
    pass


class Continue(Exception):  # noqa: N818
    pass


class Return(Exception):  # noqa: N818 -- control flow of the interpreted function, not an error
    def __init__(self, value: Any) -> None:
        self.value = value


def may_build(body: list[ast.stmt]) -> bool:
    """Whether statements not followed could build a model: they call an Estimator, a Keras model,
    a saver -- or any function (which may)."""
    for stmt in body:
        for node in ast.walk(stmt):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name.endswith(_BUILDERS) or (isinstance(func, ast.Name) and builtin_named(name) is None):
                return True
    return False


class PathState:
    """One path through the script: `choices` says, for each undecided branch met in order, whether
    to take the branch the flags' defaults do not (True) or the one they do."""

    def __init__(self, loader: Loader, choices: list[bool], deadline: float | None = None) -> None:
        self.loader = loader
        self.choices = choices
        self.taken: list[bool] = []
        self.candidates: list[Candidate] = []
        self.unfollowed: list[str] = []  # "train.py:40: ...: use --build", one per place
        self.conditions: list[tuple[ast.AST, str]] = []  # (the if, the condition) of each branch taken
        self.on_default_path = True
        self.depth = 0  # nested calls of the script's own functions
        self.steps = 0
        self.at: ast.AST = ast.Pass()
        plain_work()  # what an earlier reading in this thread copied is not this one's
        self.built = 0
        self.deadline = deadline if deadline is not None else time.monotonic() + MAX_SECONDS
        self.touched_flag = False
        self.flag_values = FlagValues()
        self.modules: dict[str, Module] = {}
        # id -> (a list, dict or flags object whose contents a call we do not follow may have changed,
        # what it is now)
        self.tainted: dict[int, tuple[Any, Unknown]] = {}
        self.data_files: list[str] = []
        self.file = ""
        self.text = ""
        self.notes: list[str] = []
        self.gaps: list[str] = []  # what was not followed and may hold the call that wrote the model_dir

    @contextmanager
    def reading(self, module: Module) -> Iterator[None]:
        """Places and source text are the module's while its code runs."""
        saved = (self.file, self.text)
        self.file, self.text = module.file, module.text
        try:
            yield
        finally:
            self.file, self.text = saved

    def where(self, node: ast.AST) -> str:
        line = getattr(node, "lineno", None)
        if self.file == self.loader.name and line in self.loader.cells:
            cell, at = self.loader.cells[line]
            return f"{self.file} cell {cell}, line {at}"
        line = getattr(node, "lineno", "?")
        return f"line {line}" if " " in self.file else f"{self.file}:{line}"  # pasted text has no file name

    def source(self, node: ast.AST) -> str:
        """The node's text as written, on one line, shortened (its lines split once per text, not per call)."""
        lines = _LINES.get(self.text)
        if lines is None:
            _LINES.clear()
            lines = _LINES[self.text] = self.text.splitlines()
        start, end = getattr(node, "lineno", None), getattr(node, "end_lineno", None)
        first, last = getattr(node, "col_offset", 0), getattr(node, "end_col_offset", None)
        if start is None or end is None or last is None or end > len(lines) or end - start > 20:
            text = ast.unparse(node)[:200]
        elif start == end:
            text = lines[start - 1].encode()[first:last].decode(errors="replace")
        else:
            parts = [lines[start - 1].encode()[first:].decode(errors="replace"), *lines[start : end - 1]]
            text = "\n".join([*parts, lines[end - 1].encode()[:last].decode(errors="replace")])
        text = " ".join(text.split())
        return text if len(text) <= 80 else text[:77] + "..."

    def unknown(self, node: ast.AST, why: str | None = None, data: bool = False, key: object = None) -> Unknown:
        return Unknown(why or self.source(node), self.where(node), data, key)

    def count_step(self, node: ast.AST) -> None:
        self.at = node
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise Cut(self.where(node), f"reading stopped at {self.where(node)} after {MAX_STEPS:,} steps")
        self.built += plain_work()
        if self.built > MAX_BUILT:
            raise Cut(self.where(node), f"reading stopped at {self.where(node)}: it builds values too large to read")
        if not self.steps & 1023 and time.monotonic() > self.deadline:
            raise Cut(self.where(node), f"reading stopped at {self.where(node)} after {MAX_SECONDS:.0f} s")

    def charge(self, node: ast.AST, value: Any) -> Any:
        """A value built: too big for one value, an Unknown; past what one path may build, a cut."""
        if too_big(value):
            return self.unknown(node, f"{self.source(node)}, a value too large to read")
        self.built += size(value) + 1
        if self.built > MAX_BUILT:
            where = self.where(node)
            raise Cut(where, f"reading stopped at {where}: the script builds more than {MAX_BUILT:,} values")
        return value

    def taint(self, obj: Any, why: Unknown) -> None:
        """obj (a list, a dict, the flags) went where we do not follow it: what it holds is now unknown."""
        if isinstance(obj, (list, dict)) or hasattr(obj, "values"):
            self.tainted[id(obj)] = (obj, why)

    def gap(self, node: ast.AST, note: str, body: list[ast.stmt]) -> None:
        """Something not followed: a note, and a gap when what it skips could build a model."""
        text = f"{self.where(node)}: {note}"
        self.notes.append(text)
        if may_build(body):
            self.gaps.append(text)

    def opaque(self, node: ast.AST, what: str) -> Unknown:
        """Something whose variables only building can tell: named once per place, for --build."""
        line = f"{self.where(node)}: {what} — its variables are known only by building: use --build"
        if line not in self.unfollowed:
            self.unfollowed.append(line)
        return Unknown(what, self.where(node))

    def next_choice(self) -> bool:
        index = len(self.taken)
        flip = self.choices[index] if index < len(self.choices) else False
        self.taken.append(flip)
        return flip

    def conditions_pop(self, node: ast.AST) -> None:
        while self.conditions and self.conditions[-1][0] is node:
            self.conditions.pop()
