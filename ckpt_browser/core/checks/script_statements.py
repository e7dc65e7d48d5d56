"""Statements of a training script, read with ast along one path through its branches: assignments,
if / for / with / try, defs and classes, imports of the script's own modules. The driver that
follows every path is checks/script.py; expressions are script_eval.py, calls script_calls.py;
script_interpreter.py puts the parts together."""

from __future__ import annotations

import ast
from typing import Any

from ckpt_browser.core.checks.script_calls import Calls
from ckpt_browser.core.checks.script_classes import Classes
from ckpt_browser.core.checks.script_data import OpenFile
from ckpt_browser.core.checks.script_eval import Expressions
from ckpt_browser.core.checks.script_names import NOT_ITERABLE
from ckpt_browser.core.checks.script_state import Break, Continue, PathEnd, PathState, Return
from ckpt_browser.core.checks.script_values import (
    External,
    Flag,
    FlagValues,
    Function,
    Module,
    Namespace,
    Scope,
    Unknown,
    negate,
    plain,
)


class Statements:
    """Running statements along one path: the branch taken at each undecided condition (the state's
    choices), bindings, loops, imports of the script's own modules. Values come from the expressions,
    calls from the calls, class and decorator definitions from the classes."""

    def __init__(self, state: PathState, expressions: Expressions, calls: Calls, classes: Classes) -> None:
        self.state, self.expressions, self.calls, self.classes = state, expressions, calls, classes
        self.value = expressions.value
        self.where, self.source, self.unknown = state.where, state.source, state.unknown

    def run_module(self, module: Module, tree: ast.Module) -> None:
        with self.state.reading(module):
            self.run_body(tree.body, Scope(module))

    # -- statements -----------------------------------------------------------------------------

    def run_body(self, body: list[ast.stmt], scope: Scope) -> None:
        for stmt in body:
            self.statement(stmt, scope)

    def statement(self, node: ast.stmt, scope: Scope) -> None:
        self.state.count_step(node)
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
            scope.set(node.name, self.define_function(node, scope))
        elif isinstance(node, ast.ClassDef):
            scope.set(node.name, self.classes.define_class(node, scope))
        elif isinstance(node, ast.Return):
            raise Return(None if node.value is None else self.value(node.value, scope))
        elif isinstance(node, ast.If):
            try:  # the condition labels the calls inside the branch only
                self.run_body(node.body if self.choose(node, node.test, scope) else node.orelse, scope)
            finally:
                self.state.conditions_pop(node)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            self.loop(node, scope)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                value = self.value(item.context_expr, scope)
                if item.optional_vars is not None:
                    entered = self.enter(item.context_expr, value)
                    self.bind(item.optional_vars, entered, scope)
            self.run_body(node.body, scope)
        elif isinstance(node, ast.Try):  # the handlers run only when something fails: not followed
            self.run_body(node.body + node.orelse + node.finalbody, scope)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            self.imports(node, scope)
        elif isinstance(node, ast.Global):
            scope.declared_global.update(node.names)
        elif isinstance(node, ast.Raise):
            raise PathEnd()
        elif isinstance(node, ast.Break):
            raise Break()
        elif isinstance(node, ast.Continue):
            raise Continue()
        elif isinstance(node, ast.While):
            self.state.gap(node, "a while loop is not followed", node.body + node.orelse)
        elif isinstance(node, ast.Match):
            self.state.gap(node, "a match statement is not followed", [s for c in node.cases for s in c.body])
        # pass, del, assert, nonlocal: nothing an Estimator's variables depend on

    def define_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, scope: Scope) -> Any:
        defaults = [self.value(d, scope) for d in node.args.defaults]
        kw = [None if d is None else self.value(d, scope) for d in node.args.kw_defaults]
        made = Function(node, scope, scope.module, defaults, kw)
        return self.classes.decorate(node, made, scope)

    def enter(self, node: ast.expr, value: Any) -> Any:
        """What `with X as name` binds: an opened data file is itself; anything else is unknown."""
        if isinstance(value, OpenFile):
            return value
        return Unknown(self.source(node), self.where(node))

    def choose(self, node: ast.AST, test: ast.expr, scope: Scope) -> bool:
        """Which branch: the text decides it, or (set by a flag, or unknown) this path's choice."""
        state = self.state
        state.touched_flag = False
        value = self.value(test, scope)
        decided = not isinstance(value, Flag) and not state.touched_flag and not isinstance(plain(value), Unknown)
        if decided:
            return bool(plain(value))
        default = plain(value)
        default_branch = True if isinstance(default, Unknown) else bool(default)
        flip = state.next_choice()
        if flip or isinstance(default, Unknown):
            state.on_default_path = False if flip else state.on_default_path and not isinstance(default, Unknown)
        branch = default_branch != flip
        text = ast.unparse(test)
        state.conditions.append((node, text if branch else negate(test, text)))  # type: ignore[arg-type]
        return branch

    def pick(self, node: ast.AST, options: list[str], what: str) -> int:
        """One of several values only the command line decides (a sub-command): each is a path."""
        for i, option in enumerate(options):
            if i == len(options) - 1 or not self.state.next_choice():
                self.state.on_default_path = False  # no sub-command is the default one
                self.state.conditions.append((node, f"{what} {option!r}"))
                return i
        return 0

    def loop(self, node: ast.For | ast.AsyncFor, scope: Scope) -> None:
        iterable = self.value(node.iter, scope)
        for item in self.expressions.items(node.iter, iterable):
            if item is NOT_ITERABLE:  # the body is skipped: what it would add is not known
                self.state.gap(node, f"the loop over {self.source(node.iter)} is not followed", node.body + node.orelse)
                return
            self.bind(node.target, item, scope)
            try:
                self.run_body(node.body, scope)
            except Break:
                return
            except Continue:
                continue
        self.run_body(node.orelse, scope)

    def augment(self, node: ast.AugAssign, scope: Scope) -> None:
        value = self.value(node.value, scope)
        if isinstance(node.target, ast.Name):
            found, current = scope.find(node.target.id)
            if found and isinstance(current, list) and isinstance(node.op, ast.Add):
                extra = plain(value)
                if isinstance(extra, (list, tuple)):
                    self.calls.extend_list(node, current, extra)  # in place, as Python does: aliases see it too
                    return
            if not found:
                current = self.unknown(node.target)
            scope.set(node.target.id, self.expressions.arithmetic(node, type(node.op), current, value))
        else:  # obj.x += 1, d[k] += 1: the target read, then written
            current = self.value(node.target, scope)
            self.bind(node.target, self.expressions.arithmetic(node, type(node.op), current, value), scope)

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
            else:
                self.classes.set_attribute(target, obj, target.attr, value)
        elif isinstance(target, ast.Subscript):
            obj, key = self.value(target.value, scope), plain(self.value(target.slice, scope))
            if isinstance(obj, dict) and isinstance(key, (str, int, tuple)):
                obj[key] = value
            elif isinstance(obj, list) and isinstance(key, int) and -len(obj) <= key < len(obj):
                obj[key] = value
            elif isinstance(obj, (dict, list)):
                self.state.taint(obj, self.unknown(target, f"{self.source(target)}, set with a key not followed"))

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
        modules = self.state.modules
        if name in modules:
            return modules[name]
        found = self.state.loader.find(name)
        if found is None:
            return None
        file, text, tree = found
        module = Module(name, file, text, {"__name__": name})
        modules[name] = module  # before running it: an import cycle finds it half-read, as Python does
        self.run_module(module, tree)
        return module
