"""Classes of a training script (a part of the interpreter): a plain class's instances, their
attributes and methods (a trainer whose method builds the Estimator: `t = Trainer(cfg); t.train()`).
A class built on TensorFlow's (tf.keras.Model, tf.Module, tf.estimator.Estimator) makes variables
only building can tell: it is named for --build. A decorated class (a dataclass) or one built on
another library's class is not followed: its instances are Unknown."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any, Protocol

from ckpt_browser.core.checks.script_eval import Expressions
from ckpt_browser.core.checks.script_names import NOT_HANDLED, Builtin
from ckpt_browser.core.checks.script_state import PathState
from ckpt_browser.core.checks.script_values import External, Function, Scope

# decorators that leave a function what it was, as far as what it builds
_TRANSPARENT = {"function", "wraps", "abstractmethod", "lru_cache", "cache", "cached_property", "property",
                "staticmethod", "classmethod", "autograph", "total_ordering"}  # fmt: skip


@dataclass(eq=False)
class ClassValue:
    name: str
    node: ast.ClassDef
    bases: list  # ClassValue of the script, or External
    attrs: dict = field(default_factory=dict)

    def lookup(self, name: str, depth: int = 0) -> tuple[bool, Any]:
        if name in self.attrs:
            return True, self.attrs[name]
        for base in self.bases:
            if isinstance(base, ClassValue) and depth < 20:
                found, value = base.lookup(name, depth + 1)
                if found:
                    return True, value
        return False, None


@dataclass(eq=False)
class Instance:
    cls: ClassValue
    attrs: dict = field(default_factory=dict)


@dataclass(eq=False)
class BoundMethod:
    function: Function
    obj: Any


def tf_base(bases: list) -> str | None:
    """The TensorFlow class a class of the script is built on, if any (directly or through its bases)."""
    for base in bases:
        if isinstance(base, External) and any(p in base.path for p in ("keras", "tensorflow", "estimator")):
            return base.path
        if isinstance(base, ClassValue):
            found = tf_base(base.bases)
            if found:
                return found
    return None


class Invoker(Protocol):
    def invoke(self, func: Function, args: list, kwargs: dict, node: ast.AST) -> Any: ...


class BodyRunner(Protocol):
    def run_body(self, body: list[ast.stmt], scope: Scope) -> None: ...


class Classes:
    """Defining classes, making instances, reading and setting their attributes. A class body is run
    by the body runner (script_statements.Statements), a method by the invoker (script_calls.Calls)."""

    def __init__(self, state: PathState, expressions: Expressions) -> None:
        self.state, self.expressions = state, expressions
        self.source, self.unknown = state.source, state.unknown

    def connect(self, invoker: Invoker, runner: BodyRunner) -> None:
        self.invoker, self.runner = invoker, runner

    def decorate(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, made: Any, scope: Scope) -> Any:
        """A def or class under decorators we do not know is not what its text says: Unknown."""
        for d in node.decorator_list:
            target = d.func if isinstance(d, ast.Call) else d
            name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
            if isinstance(node, ast.ClassDef) or name not in _TRANSPARENT:
                return self.unknown(node, f"{node.name}, decorated with @{self.source(d)} (not followed)")
            if name in ("staticmethod", "classmethod"):
                made.kind = name
        return made

    def define_class(self, node: ast.ClassDef, scope: Scope) -> Any:
        bases = [self.expressions.value(b, scope) for b in node.bases]
        if node.decorator_list:
            return self.decorate(node, None, scope)
        bases = [b for b in bases if not (isinstance(b, Builtin) and b.name == "object")]
        for b, written in zip(bases, node.bases):
            if not isinstance(b, (ClassValue, External)):
                return self.unknown(node, f"the class {node.name}, built on {self.source(written)} (not followed)")
        if node.keywords:
            return self.unknown(
                node, f"the class {node.name}, made with {self.source(node.keywords[0])} (not followed)"
            )
        cls = ClassValue(node.name, node, bases)
        body = Scope(scope.module, scope, cls.attrs)
        self.runner.run_body(node.body, body)
        for value in cls.attrs.values():  # methods see the module and enclosing functions, not the class body
            if isinstance(value, Function):
                value.scope = scope
        return cls

    def instantiate(self, node: ast.Call, cls: ClassValue, args: list, kwargs: dict) -> Any:
        base = tf_base(cls.bases)
        if base is not None:
            short = base.replace("tensorflow.", "tf.")
            kind = (
                "a Keras model" if "keras" in base else "a custom Estimator" if "estimator" in base else "a tf.Module"
            )
            return self.state.opaque(node, f"{kind} ({cls.name}, built on {short})")
        if any(isinstance(b, External) for b in cls.bases):
            return self.unknown(node, f"{self.source(node)}: {cls.name} is built on another library's class")
        obj = Instance(cls)
        found, init = cls.lookup("__init__")
        if found and isinstance(init, Function):
            self.invoker.invoke(init, [obj, *args], kwargs, node)
        return obj

    def class_attribute(self, node: ast.AST, obj: Any, name: str) -> Any:
        if isinstance(obj, Instance):
            if name in obj.attrs:
                return obj.attrs[name]
            found, value = obj.cls.lookup(name)
            if not found:
                return self.unknown(node, f"{self.source(node)}, which {obj.cls.name} does not set")
            return self.bound(node, value, obj, obj.cls)
        if isinstance(obj, ClassValue):
            found, value = obj.lookup(name)
            if not found:
                return self.unknown(node, f"{self.source(node)}, which {obj.name} does not define")
            return self.bound(node, value, None, obj)
        return NOT_HANDLED

    def bound(self, node: ast.AST, value: Any, obj: Any, cls: ClassValue) -> Any:
        if not isinstance(value, Function):
            return value
        kind = getattr(value, "kind", "")
        if kind == "staticmethod":
            return value
        if kind == "classmethod":
            return BoundMethod(value, cls)
        if obj is None:
            return value
        decorators = getattr(value.node, "decorator_list", [])
        if any(getattr(d, "id", getattr(d, "attr", "")) == "property" for d in decorators):
            return self.invoker.invoke(value, [obj], {}, node)
        return BoundMethod(value, obj)

    def set_attribute(self, node: ast.AST, obj: Any, name: str, value: Any) -> None:
        if isinstance(obj, Instance):
            obj.attrs[name] = value
        elif isinstance(obj, ClassValue):
            obj.attrs[name] = value
