"""Read a training script (a .py file, a notebook's code cells, or pasted text) the way Python would
run it -- but only ever with ast, never importing or evaluating it -- to find every Estimator call
it can reach, with its arguments. Branches the text does not decide (on a flag, on the data) are
each followed: the script is read once per path through them, so every reachable call is a
candidate, labelled with the conditions that reach it. Modules of the script's own folder that it
imports are read the same way."""

from __future__ import annotations

import ast
import time
from dataclasses import dataclass, field
from pathlib import Path

from ckpt_browser.core.checks.script_bounds import MAX_SECONDS, MAX_TOTAL, Cut
from ckpt_browser.core.checks.script_files import Loader, notebook_code, read_text
from ckpt_browser.core.checks.script_interpreter import Interpreter
from ckpt_browser.core.checks.script_state import Break, Continue, PathEnd, Return
from ckpt_browser.core.checks.script_values import Candidate, Function, Module, count_work

MAX_PATHS = 64  # paths through undecided branches followed
_ALIASES = {"tf": "tensorflow", "pd": "pandas", "np": "numpy"}


@dataclass
class Reading:
    """What reading a script found: its reachable Estimator calls, what it builds that only building
    can tell (a custom model_fn, a Keras model), where the reading was cut, and notes."""

    name: str
    candidates: list[Candidate] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # the script, the modules of its folder and data files read
    unfollowed: list[str] = field(default_factory=list)  # "train.py:40: ...: use --build", one per place
    gaps: list[str] = field(default_factory=list)  # not followed, and may hold the call: a cut, a while loop
    stopped: str = ""  # "reading stopped at train.py:120 after 100,000 steps", when it was cut


def _call_uncalled(interp: Interpreter, main: Module) -> None:
    """The script's functions that nothing reached, each called with its arguments unknown (their
    defaults where they have them): an Estimator built there is a candidate too."""
    state = interp.state
    state.file, state.text = main.file, main.text
    for name, value in list(main.globals.items()):
        if isinstance(value, Function) and not isinstance(value.node, ast.Lambda):
            before = len(state.candidates)
            try:
                interp.invoke(value, [], {}, value.node)
            except (PathEnd, Return, Break, Continue):
                pass
            if len(state.candidates) > before:
                note = f"{name}() is called nowhere in the script: it was read with its arguments unknown"
                state.notes.append(f"{state.where(value.node)}: {note}")


def read_script_file(path: str | Path) -> Reading:
    """A training script or notebook on disk; modules of its folder that it imports are read too."""
    p = Path(path)
    text = read_text(p)
    if p.suffix == ".ipynb":
        text, cells = notebook_code(text, p.name)
        return read_script(text, p.name, p.parent, cells)
    return read_script(text, p.name, p.parent)


def read_script(
    text: str,
    name: str = "the pasted script",
    folder: Path | None = None,
    cells: dict[int, tuple[int, int]] | None = None,
) -> Reading:
    """Every Estimator call the script can reach, one per distinct call and arguments.
    cells: a notebook's lines -> (cell, line in cell), for naming places as the notebook shows them."""
    loader = Loader(name, text, folder)
    loader.cells = cells or {}
    reading = Reading(name, files=[name])
    pending: list[list[bool]] = [[]]
    seen: dict[tuple, Candidate] = {}
    count_work(True)
    try:
        _read_paths(reading, loader, text, pending, seen)
    finally:
        count_work(False)
    reading.candidates = sorted(seen.values(), key=lambda c: (not c.by_default, c.file != name, c.line))
    return reading


def _read_paths(reading: Reading, loader: Loader, text: str, pending: list, seen: dict) -> None:
    name = reading.name
    runs = total = 0
    deadline = time.monotonic() + MAX_SECONDS
    uncalled = False
    while pending:
        if total > MAX_TOTAL or time.monotonic() > deadline:
            _stop(reading, f"reading stopped after {runs} paths through the script's branches ({total:,} steps)")
            break
        if runs == MAX_PATHS:
            _stop(reading, f"only the first {MAX_PATHS} paths through the script's branches were followed")
            break
        choices = pending.pop()
        runs += 1
        interp = Interpreter(loader, choices, deadline)
        state = interp.state
        main = Module("__main__", name, text, {"__name__": "__main__", "__file__": name})
        try:
            interp.run_module(main, loader.tree)
            if uncalled:  # no path calls the function that builds it (a pasted def, a library): call it
                _call_uncalled(interp, main)
        except (PathEnd, Return, Break, Continue):
            pass
        except Cut as cut:
            _stop(reading, cut.why if cut.where else f"reading stopped at {state.where(state.at)}: {cut.why}")
        except RecursionError:
            _stop(reading, f"reading stopped in {state.file or name}: it is nested too deeply to read further")
        except MemoryError:  # the bounds keep values small; this is the last guard, never a crash
            _stop(reading, f"reading stopped in {state.file or name}: its values grew too large")
        total += state.steps
        for candidate in state.candidates:
            seen.setdefault(candidate.key(), candidate)
        pending.extend(state.taken[:j] + [True] for j in range(len(choices), len(state.taken)))
        for mine, theirs in ((reading.notes, state.notes), (reading.unfollowed, state.unfollowed),
                             (reading.gaps, state.gaps), (reading.files, [m.file for m in state.modules.values()]),
                             (reading.files, state.data_files)):  # fmt: skip
            mine.extend(x for x in theirs if x not in mine)
        if reading.stopped or uncalled:
            break
        defs = any(isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) for s in loader.tree.body)
        if not pending and not seen and not reading.unfollowed and defs:
            pending, uncalled = [[]], True  # the default path once more, then the functions it did not call


def _stop(reading: Reading, why: str) -> None:
    reading.stopped = reading.stopped or why
    if why not in reading.gaps:
        reading.gaps.append(why)
