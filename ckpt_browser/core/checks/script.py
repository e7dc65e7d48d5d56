"""Read a training script (a .py file, a notebook's code cells, or pasted text) the way Python would
run it -- but only ever with ast, never importing or evaluating it -- to find every Estimator call
it can reach, with its arguments. Branches the text does not decide (on a flag, on the data) are
each followed: the script is read once per path through them, so every reachable call is a
candidate, labelled with the conditions that reach it. Modules of the script's own folder that it
imports are read the same way."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ckpt_browser.core.checks.script_calls import Calls, _Return
from ckpt_browser.core.checks.script_eval import Scope
from ckpt_browser.core.checks.script_files import Loader, notebook_code, read_text
from ckpt_browser.core.checks.script_names import NOT_ITERABLE
from ckpt_browser.core.checks.script_values import (
    Candidate,
    External,
    Flag,
    FlagValues,
    Function,
    Module,
    Namespace,
    Unknown,
    negate,
    plain,
)

MAX_PATHS = 64  # paths through undecided branches followed
MAX_STEPS = 100_000  # expressions read per path: a loop that runs longer is cut, and said
MAX_TOTAL = 400_000  # over all paths: branches inside long loops multiply paths, not time
_ALIASES = {"tf": "tensorflow", "pd": "pandas", "np": "numpy"}


class _PathEnd(Exception):  # noqa: N818 -- `raise` or exit(): this path through the script stops here
    pass


class _Break(Exception):  # noqa: N818
    pass


class _Continue(Exception):  # noqa: N818
    pass


class _Budget(Exception):  # noqa: N818
    pass


@dataclass
class Reading:
    """What reading a script found: its reachable Estimator calls, and notes on what was cut."""

    name: str
    candidates: list[Candidate] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # the script and the modules of its folder read


class Interpreter(Calls):
    """One path through the script: `choices` says, for each undecided branch met in order, whether
    to take the branch the flags' defaults do not (True) or the one they do."""

    def __init__(self, loader: Loader, choices: list[bool]) -> None:
        self.loader = loader
        self.choices = choices
        self.taken: list[bool] = []
        self.candidates = []
        self.conditions = []
        self.on_default_path = True
        self.depth = 0
        self.steps = 0
        self.touched_flag = False
        self.flag_values = FlagValues()
        self.modules: dict[str, Module] = {}
        self.file = ""
        self.text = ""
        self.notes: list[str] = []

    def run_module(self, module: Module, tree: ast.Module) -> None:
        saved = (self.file, self.text)
        self.file, self.text = module.file, module.text
        try:
            self.run_body(tree.body, Scope(module))
        finally:
            self.file, self.text = saved

    def where(self, node: ast.AST) -> str:
        line = getattr(node, "lineno", None)
        if self.file == self.loader.name and line in self.loader.cells:
            cell, at = self.loader.cells[line]
            return f"{self.file} cell {cell}, line {at}"
        return super().where(node)

    def count_step(self, node: ast.AST) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise _Budget(self.where(node))

    # -- statements -----------------------------------------------------------------------------

    def run_body(self, body: list[ast.stmt], scope: Scope) -> None:
        for stmt in body:
            self.statement(stmt, scope)

    def statement(self, node: ast.stmt, scope: Scope) -> None:
        self.count_step(node)
        if isinstance(node, ast.Expr):
            self.value(node.value, scope)
        elif isinstance(node, ast.Assign):
            value = self.value(node.value, scope)
            for target in node.targets:
                self.bind(target, value, scope)
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            self.bind(node.target, self.value(node.value, scope), scope)
        elif isinstance(node, ast.AugAssign):
            self.augment(node, scope)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            defaults = [self.value(d, scope) for d in node.args.defaults]
            kw = [None if d is None else self.value(d, scope) for d in node.args.kw_defaults]
            scope.set(node.name, Function(node, scope, scope.module, defaults, kw))
        elif isinstance(node, ast.ClassDef):
            scope.set(node.name, self.unknown(node, f"the class {node.name}"))
        elif isinstance(node, ast.Return):
            raise _Return(None if node.value is None else self.value(node.value, scope))
        elif isinstance(node, ast.If):
            try:  # the condition labels the calls inside the branch only
                self.run_body(node.body if self.choose(node, node.test, scope) else node.orelse, scope)
            finally:
                self.conditions_pop(node)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            self.loop(node, scope)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                value = self.value(item.context_expr, scope)
                if item.optional_vars is not None:
                    self.bind(item.optional_vars, Unknown(self.source(item.context_expr), self.where(node)), scope)
                del value
            self.run_body(node.body, scope)
        elif isinstance(node, ast.Try):  # the handlers run only when something fails: not followed
            self.run_body(node.body + node.orelse + node.finalbody, scope)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            self.imports(node, scope)
        elif isinstance(node, ast.Global):
            scope.declared_global.update(node.names)
        elif isinstance(node, ast.Raise):
            raise _PathEnd()
        elif isinstance(node, ast.Break):
            raise _Break()
        elif isinstance(node, ast.Continue):
            raise _Continue()
        elif isinstance(node, ast.While):
            self.notes.append(f"{self.where(node)}: a while loop is not followed")
        # pass, del, assert, nonlocal, match: nothing an Estimator's variables depend on

    def conditions_pop(self, node: ast.AST) -> None:
        while self.conditions and self.conditions[-1][0] is node:
            self.conditions.pop()

    def choose(self, node: ast.AST, test: ast.expr, scope: Scope) -> bool:
        """Which branch: the text decides it, or (set by a flag, or unknown) this path's choice."""
        self.touched_flag = False
        value = self.value(test, scope)
        decided = not isinstance(value, Flag) and not self.touched_flag and not isinstance(plain(value), Unknown)
        if decided:
            return bool(plain(value))
        default = plain(value)
        default_branch = True if isinstance(default, Unknown) else bool(default)
        index = len(self.taken)
        flip = self.choices[index] if index < len(self.choices) else False
        self.taken.append(flip)
        if flip or isinstance(default, Unknown):
            self.on_default_path = False if flip else self.on_default_path and not isinstance(default, Unknown)
        branch = default_branch != flip
        text = ast.unparse(test)
        self.conditions.append((node, text if branch else negate(test, text)))  # type: ignore[arg-type]
        return branch

    def loop(self, node: ast.For | ast.AsyncFor, scope: Scope) -> None:
        iterable = self.value(node.iter, scope)
        for item in self.items(node.iter, iterable):
            if item is NOT_ITERABLE:  # the body is skipped: what it would add is not known
                self.notes.append(f"{self.where(node)}: the loop over {self.source(node.iter)} is not followed")
                return
            self.bind(node.target, item, scope)
            try:
                self.run_body(node.body, scope)
            except _Break:
                return
            except _Continue:
                continue
        self.run_body(node.orelse, scope)

    def augment(self, node: ast.AugAssign, scope: Scope) -> None:
        value = self.value(node.value, scope)
        if isinstance(node.target, ast.Name):
            found, current = scope.find(node.target.id)
            if found and isinstance(current, list) and isinstance(node.op, ast.Add):
                extra = plain(value)
                if isinstance(extra, (list, tuple)):
                    current.extend(extra)  # in place, as Python does: aliases see it too
                    return
            if not found:
                current = self.unknown(node.target)
            scope.set(node.target.id, self.arithmetic(node, type(node.op), current, value))

    def bind(self, target: ast.AST, value: Any, scope: Scope) -> None:
        if isinstance(target, ast.Name):
            scope.set(target.id, value)
        elif isinstance(target, (ast.Tuple, ast.List)):
            v = value.value if isinstance(value, Flag) else value
            names = target.elts
            if (
                isinstance(v, (list, tuple))
                and len(v) == len(names)
                and not any(isinstance(n, ast.Starred) for n in names)
            ):
                for n, item in zip(names, v):
                    self.bind(n, item, scope)
            else:
                for n in names:
                    inner = n.value if isinstance(n, ast.Starred) else n
                    unknown = v if isinstance(v, Unknown) else self.unknown(n, f"part of {self.source(target)}")
                    self.bind(inner, Unknown(unknown.why, unknown.where, unknown.data), scope)
        elif isinstance(target, ast.Attribute):
            obj = self.value(target.value, scope)
            if isinstance(obj, Module):
                obj.globals[target.attr] = value
            elif isinstance(obj, (Namespace, FlagValues)):
                obj.values[target.attr] = value
        elif isinstance(target, ast.Subscript):
            obj, key = self.value(target.value, scope), plain(self.value(target.slice, scope))
            if isinstance(obj, dict) and isinstance(key, (str, int, tuple)):
                obj[key] = value
            elif isinstance(obj, list) and isinstance(key, int) and -len(obj) <= key < len(obj):
                obj[key] = value

    def imports(self, node: ast.Import | ast.ImportFrom, scope: Scope) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                own = self.import_module(alias.name, node) if "." not in alias.name else None
                top = alias.name.split(".")[0]
                if alias.asname:
                    scope.set(alias.asname, own or External(alias.name))
                else:
                    scope.set(top, own or External(top))
            return
        if node.level == 0 and node.module:
            own = self.import_module(node.module, node) if "." not in node.module else None
        else:
            own = self.import_module(node.module or "", node) if node.module else None
        for alias in node.names:
            if alias.name == "*":
                if own is not None:
                    for k, v in own.globals.items():
                        if not k.startswith("_"):
                            scope.set(k, v)
                continue
            if own is not None:
                value = own.globals.get(alias.name, Unknown(f"{node.module}.{alias.name}", self.where(node)))
            else:
                own_sub = self.import_module(alias.name, node) if node.level else None
                value = own_sub or External(f"{node.module}.{alias.name}")
            scope.set(alias.asname or alias.name, value)

    def import_module(self, name: str, node: ast.AST) -> Module | None:
        """A module of the script's own folder (name.py or name/__init__.py), read once per path."""
        if name in self.modules:
            return self.modules[name]
        found = self.loader.find(name)
        if found is None:
            return None
        file, text, tree = found
        module = Module(name, file, text, {"__name__": name})
        self.modules[name] = module  # before running it: an import cycle finds it half-read, as Python does
        self.run_module(module, tree)
        return module


def _call_uncalled(interp: Interpreter, main: Module) -> None:
    """The script's functions that nothing reached, each called with its arguments unknown (their
    defaults where they have them): an Estimator built there is a candidate too."""
    from ckpt_browser.core.checks.script_values import Function

    interp.file, interp.text = main.file, main.text
    for name, value in list(main.globals.items()):
        if isinstance(value, Function) and not isinstance(value.node, ast.Lambda):
            before = len(interp.candidates)
            try:
                interp.invoke(value, [], {}, value.node)
            except (_PathEnd, _Break, _Continue):
                pass
            if len(interp.candidates) > before:
                note = f"{name}() is called nowhere in the script: it was read with its arguments unknown"
                interp.notes.append(f"{interp.where(value.node)}: {note}")


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
    runs = 0
    total = 0
    while pending:
        if total > MAX_TOTAL:
            reading.notes.append(f"reading stopped after {runs} paths through the script's branches ({total:,} steps)")
            break
        if runs == MAX_PATHS:
            reading.notes.append(f"only the first {MAX_PATHS} paths through the script's branches were followed")
            break
        choices = pending.pop()
        runs += 1
        interp = Interpreter(loader, choices)
        main = Module("__main__", name, text, {"__name__": "__main__", "__file__": name})
        try:
            interp.run_module(main, loader.tree)
            if not interp.candidates:  # nothing calls the function that builds it (a pasted def, a library)
                _call_uncalled(interp, main)
        except (_PathEnd, _Return, _Break, _Continue):
            pass
        except _Budget as cut:
            reading.notes.append(f"{cut}: reading stopped after {MAX_STEPS:,} steps (a very long loop?)")
        except RecursionError:
            reading.notes.append("the script is nested too deeply to read further")
        total += interp.steps
        for candidate in interp.candidates:
            seen.setdefault(candidate.key(), candidate)
        pending.extend(interp.taken[:j] + [True] for j in range(len(choices), len(interp.taken)))
        for note in interp.notes:
            if note not in reading.notes:
                reading.notes.append(note)
        for module in interp.modules.values():
            if module.file not in reading.files:
                reading.files.append(module.file)
    reading.candidates = sorted(seen.values(), key=lambda c: (not c.by_default, c.file != name, c.line))
    return reading
