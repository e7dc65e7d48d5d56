"""Read a constructor call pasted from a training script -- with the assignments above it that it
uses -- with ``ast``. Nothing is evaluated: only literals, names bound by those assignments, and a
fixed set of calls (Estimators, tf.feature_column, optimizers) are understood; anything else is
named in a message.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.checks.feature_columns import CALLS as COLUMN_CALLS
from ckpt_browser.core.checks.optimizers import Optimizer, keras_optimizer, v1_optimizer

MAX_CHARS = 20_000
MAX_DEPTH = 60

# Positional parameters, in TensorFlow 2.15's order, for calls that may be written without names.
ESTIMATOR_PARAMS = {
    "DNNClassifier": ["hidden_units", "feature_columns", "model_dir", "n_classes", "weight_column"],
    "DNNRegressor": ["hidden_units", "feature_columns", "model_dir", "label_dimension", "weight_column"],
    "LinearClassifier": ["feature_columns", "model_dir", "n_classes", "weight_column"],
    "LinearRegressor": ["feature_columns", "model_dir", "label_dimension", "weight_column"],
    "DNNLinearCombinedClassifier": ["model_dir", "linear_feature_columns", "linear_optimizer", "dnn_feature_columns"],
    "DNNLinearCombinedRegressor": ["model_dir", "linear_feature_columns", "linear_optimizer", "dnn_feature_columns"],
}


@dataclass
class EstimatorCall:
    kind: str
    args: dict = field(default_factory=dict)
    source: dict[str, str] = field(default_factory=dict)  # argument -> its text as written


class _Reader:
    def __init__(self, text: str = "") -> None:
        self.text = text
        self.env: dict[str, object] = {}
        self.depth = 0

    def statement(self, node: ast.stmt):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            value = self.value(node.value)
            self.env[node.targets[0].id] = value
            return value
        if isinstance(node, ast.Expr):
            return self.value(node.value)
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            return None  # `import tensorflow as tf` pasted along: harmless, and nothing is imported
        raise CheckpointError(
            f"line {node.lineno}: only assignments (cols = [...]) and the Estimator call are understood"
        )

    def value(self, node: ast.AST):
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise CheckpointError("the spec is nested too deeply")
            return self._value(node)
        finally:
            self.depth -= 1

    def _value(self, node: ast.AST):
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, (ast.List, ast.Tuple)):
            return [self.value(e) for e in node.elts]
        if isinstance(node, ast.Dict):
            out = {}
            for k, v in zip(node.keys, node.values):
                if k is None:
                    raise CheckpointError("**mappings inside a dict are not understood")
                key = self.value(k)
                if not isinstance(key, (str, int, float, bool)):
                    raise CheckpointError("dict keys: only literal values (strings, numbers) are understood")
                out[key] = self.value(v)
            return out
        if isinstance(node, ast.Name):
            if node.id in self.env:
                return self.env[node.id]
            raise CheckpointError(f"{node.id!r} is not defined: paste the lines that define it above the call")
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            operand = self.value(node.operand)
            if isinstance(operand, bool) or not isinstance(operand, (int, float)):
                raise CheckpointError("a sign applies to numbers only")
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.Attribute):
            return _dotted(node)  # tf.float32 and the like: a label, never looked up
        if isinstance(node, ast.Call):
            return self.call(node)
        raise CheckpointError(f"{type(node).__name__.lower()} expressions are not understood; write the values out")

    def call(self, node: ast.Call):
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
        if name is None:
            raise CheckpointError("only calls of named functions are understood")
        if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
            raise CheckpointError(f"{name}: *arguments and **arguments are not understood; give each by name")
        args = [self.value(a) for a in node.args]
        kwargs: dict[str, Any] = {k.arg: self.value(k.value) for k in node.keywords if k.arg is not None}
        if name in ESTIMATOR_PARAMS:
            params = ESTIMATOR_PARAMS[name]
            if len(args) > len(params):
                raise CheckpointError(f"{name}: give the arguments after {params[-1]} by name")
            for pname, value in zip(params, args):
                if pname in kwargs:
                    raise CheckpointError(f"{name}: {pname} is given twice")
                kwargs[pname] = value
            source = {p: ast.get_source_segment(self.text, a) or "..." for p, a in zip(params, node.args)}
            source |= {
                k.arg: ast.get_source_segment(self.text, k.value) or "..." for k in node.keywords if k.arg is not None
            }
            return EstimatorCall(name, kwargs, source)
        if name in COLUMN_CALLS:
            try:
                return COLUMN_CALLS[name](*args, **kwargs)
            except TypeError:
                raise CheckpointError(f"{name}(...): arguments it does not take, or too few") from None
        optimizer = keras_optimizer(name, kwargs) or v1_optimizer(name, kwargs)
        if optimizer is not None:
            return optimizer
        if self.depth <= 1:  # the statement itself: what the user meant as the Estimator
            raise CheckpointError(f"unknown Estimator {name!r}; known: {', '.join(ESTIMATOR_PARAMS)}")
        raise CheckpointError(
            f"{name}(...): only literal values, tf.feature_column calls and optimizers are understood as arguments"
        )


def _dotted(node: ast.AST) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


def read_call(text: str) -> EstimatorCall:
    """The last Estimator call in the pasted text (assignments above it may bind its arguments)."""
    if len(text) > MAX_CHARS:
        raise CheckpointError(f"an Estimator spec of {len(text):,} characters is too long to be one")
    text = text.strip()
    try:
        tree = ast.parse(text, mode="exec")
    except SyntaxError as exc:
        raise CheckpointError(f"cannot parse the Estimator spec: {exc.msg} (line {exc.lineno})") from None
    except (RecursionError, MemoryError, ValueError, UnicodeError):  # nesting, NUL bytes, undecodable bytes
        raise CheckpointError("cannot parse the Estimator spec: it is not a Python call") from None
    reader = _Reader(text)
    found = None
    try:
        for stmt in tree.body:
            value = reader.statement(stmt)
            if isinstance(value, EstimatorCall):
                found = value
    except RecursionError:
        raise CheckpointError("the spec is nested too deeply") from None
    if found is None:
        raise CheckpointError(
            "no Estimator call found: paste e.g. tf.estimator.DNNClassifier(hidden_units=[10, 10], ...)"
        )
    return found


__all__ = ["EstimatorCall", "Optimizer", "read_call"]
