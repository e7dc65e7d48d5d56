"""Names a training script uses without defining them: Python's builtins (the few read, the ones
never run), and a pasted call's bare TensorFlow names (DNNClassifier, numeric_column, Adam)."""

from __future__ import annotations

from typing import Any

from ckpt_browser.core.checks.feature_columns import CALLS
from ckpt_browser.core.checks.optimizers import KERAS_NAMES, V1_NAMES
from ckpt_browser.core.checks.script_values import External

NOT_ITERABLE = object()
NOT_HANDLED = object()  # a hook of one of the interpreter's parts that leaves the call or attribute to the next


class Attr:
    """obj.name on a plain value (a list's append, a dict's get): called by script_calls."""

    def __init__(self, obj: Any, name: str) -> None:
        self.obj = obj
        self.name = name


class Builtin:
    def __init__(self, name: str) -> None:
        self.name = name


_SAFE_BUILTINS = {
    "len", "list", "tuple", "dict", "range", "int", "float", "str", "bool", "sorted", "zip", "enumerate", "sum",
    "min", "max", "set", "abs", "round", "reversed", "print", "isinstance", "map", "filter", "any", "all",
}  # fmt: skip
NEVER_RUN = {
    "eval", "exec", "compile", "__import__", "open", "getattr", "setattr", "delattr", "globals", "locals", "vars",
    "input", "breakpoint", "exit", "quit", "memoryview", "type", "object", "super", "help",
}  # fmt: skip


def bare_api(name: str) -> External | None:
    from ckpt_browser.core.checks.spec import ESTIMATOR_PARAMS  # deferred: start-up: +6 modules

    if name in ("tf", "tensorflow", "keras"):
        return External("tensorflow" if name != "keras" else "tensorflow.keras")
    if name in CALLS:
        return External(f"tensorflow.feature_column.{name}")
    if name in ESTIMATOR_PARAMS:
        return External(f"tensorflow.estimator.{name}")
    if name in KERAS_NAMES:
        return External(f"tensorflow.keras.optimizers.legacy.{name}")
    if name in V1_NAMES:
        return External(f"tensorflow.compat.v1.train.{name}")
    return None


def builtin_named(name: str) -> Builtin | None:
    return Builtin(name) if name in _SAFE_BUILTINS or name in NEVER_RUN else None
