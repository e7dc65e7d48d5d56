"""The interpreter of a training script for one path through it, made of collaborating parts that share
one PathState: expressions (script_eval), statements (script_statements), calls (script_calls),
flags (script_flags), data files (script_data) and classes (script_classes). Each part is given what it
asks of the others (a Protocol in its module); the driver that follows every path is script.py."""

from __future__ import annotations

import ast
from typing import Any

from ckpt_browser.core.checks.script_calls import Calls
from ckpt_browser.core.checks.script_classes import Classes
from ckpt_browser.core.checks.script_data import DataFiles
from ckpt_browser.core.checks.script_eval import Expressions
from ckpt_browser.core.checks.script_files import Loader
from ckpt_browser.core.checks.script_flags import Flags
from ckpt_browser.core.checks.script_state import PathState
from ckpt_browser.core.checks.script_statements import Statements
from ckpt_browser.core.checks.script_values import Function, Module


class Interpreter:
    """One path through the script: `choices` says, for each undecided branch met in order, whether
    to take the branch the flags' defaults do not (True) or the one they do. What it found is in
    `state`."""

    def __init__(self, loader: Loader, choices: list[bool], deadline: float | None = None) -> None:
        self.state = state = PathState(loader, choices, deadline)
        expressions = Expressions(state)
        flags, data = Flags(state), DataFiles(state)
        classes = Classes(state, expressions)
        calls = Calls(state, expressions, flags, data, classes)
        statements = Statements(state, expressions, calls, classes)
        # The parts call each other round (a call's arguments are expressions, a function's body is
        # statements, an expression may hold a call): the later-made parts are handed to the earlier.
        expressions.connect(calls, statements, (classes.class_attribute, flags.flag_attribute, data.path_attribute))
        flags.connect(calls, statements)
        classes.connect(calls, statements)
        calls.connect(statements)
        self.statements, self.calls = statements, calls

    def run_module(self, module: Module, tree: ast.Module) -> None:
        self.statements.run_module(module, tree)

    def invoke(self, func: Function, args: list, kwargs: dict, node: ast.AST) -> Any:
        return self.calls.invoke(func, args, kwargs, node)
