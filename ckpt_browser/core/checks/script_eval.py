"""Expressions of a training script, read with ast and never evaluated by Python: constants, names,
lists, dicts, arithmetic, comparisons, comprehensions, subscripts, attributes. Calls are in
script_calls.py, statements in script_statements.py, the driver in script.py."""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from typing import Any, Protocol

from ckpt_browser.core.checks.script_bounds import MAX_ITEMS, binop_fits, deep_count, small, too_big
from ckpt_browser.core.checks.script_names import NOT_HANDLED, NOT_ITERABLE, Attr, bare_api, builtin_named
from ckpt_browser.core.checks.script_state import PathState
from ckpt_browser.core.checks.script_values import (
    DataKey,
    DataKeys,
    External,
    Flag,
    FlagValues,
    Function,
    Module,
    Namespace,
    Scope,
    Unknown,
    plain,
)

_BINOPS = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow,
}  # fmt: skip
_COMPARE = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt,
    ast.GtE: operator.ge, ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b,
    ast.Is: operator.is_, ast.IsNot: operator.is_not,
}  # fmt: skip


AttributeHook = Callable[[ast.AST, Any, str], Any]  # obj.name of the objects it knows; NOT_HANDLED for others


class Caller(Protocol):
    def call(self, node: ast.Call, scope: Scope) -> Any: ...


class Binder(Protocol):
    def choose(self, node: ast.AST, test: ast.expr, scope: Scope) -> bool: ...

    def bind(self, target: ast.AST, value: Any, scope: Scope) -> None: ...


def flag_result(result: Any, *operands: Any) -> Any:
    """A result computed from a flag is still set by the flag (its conditions stay open)."""
    for o in operands:
        if isinstance(o, Flag):
            return Flag(result, o.name)
    return result


class Expressions:
    """The value of an expression; a call it holds goes to the caller (script_calls.Calls), a branch
    or a binding (`x if c else y`, `(n := ...)`, a comprehension's target) to the binder
    (script_statements.Statements), obj.name first to the hooks of the objects other parts make."""

    def __init__(self, state: PathState) -> None:
        self.state = state
        self.where, self.source, self.unknown, self.charge = state.where, state.source, state.unknown, state.charge
        self.unread: Unknown | None = None  # what a comprehension could not loop over

    def connect(self, caller: Caller, binder: Binder, attribute_hooks: tuple[AttributeHook, ...]) -> None:
        """The parts this one hands work to, made after it (they hand expressions back to it)."""
        self.caller, self.binder, self.attribute_hooks = caller, binder, attribute_hooks

    def value(self, node: ast.AST, scope: Scope) -> Any:
        self.state.count_step(node)
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            return self.unknown(node, f"{self.source(node)} (a {type(node).__name__} expression)")
        made = method(node, scope)
        tainted = self.state.tainted
        if tainted and id(made) in tainted:
            return tainted[id(made)][1]
        return made

    def _Constant(self, node: ast.Constant, scope: Scope) -> Any:
        return node.value

    def _Name(self, node: ast.Name, scope: Scope) -> Any:
        found, value = scope.find(node.id)
        if found:
            if isinstance(value, Flag):
                self.state.touched_flag = True
            return value
        builtin = builtin_named(node.id)
        if builtin is not None:
            return builtin
        api = bare_api(node.id)
        if api is not None:  # a pasted call without its imports: DNNClassifier(...), numeric_column('x')
            return api
        return self.unknown(node, f"{node.id!r}, which the script does not define")

    def _List(self, node: ast.List | ast.Tuple | ast.Set, scope: Scope) -> Any:
        out: list = []
        for element in node.elts:
            if isinstance(element, ast.Starred):
                inner = self.value(element.value, scope)
                if not isinstance(plain(inner), (list, tuple)):
                    return self.unknown(node)
                out.extend(plain(inner))
            else:
                out.append(self.value(element, scope))
            if len(out) > MAX_ITEMS:
                return self.unknown(node, f"{self.source(node)}, a value too large to read")
        if isinstance(node, ast.Set):
            if not small(out):  # hashing tuples walks every path through them
                return self.unknown(node, f"{self.source(node)}, a value too large to read")
            try:
                return self.charge(node, set(out))
            except TypeError:  # unhashable members (a dict, a call we do not follow)
                return self.unknown(node)
        return self.charge(node, out if isinstance(node, ast.List) else tuple(out))

    _Tuple = _Set = _List

    def _Dict(self, node: ast.Dict, scope: Scope) -> Any:
        out: dict = {}
        for k, v in zip(node.keys, node.values):
            if k is None:
                inner = plain(self.value(v, scope))
                if not isinstance(inner, dict):
                    return self.unknown(node)
                out.update(inner)
                continue
            key = plain(self.value(k, scope))
            if not isinstance(key, (str, int, float, bool, tuple)) or isinstance(key, Unknown) or not small(key):
                return self.unknown(node, f"{self.source(node)}, a dict whose keys are not all plain values")
            out[key] = self.value(v, scope)
            if len(out) > MAX_ITEMS:
                return self.unknown(node, f"{self.source(node)}, a value too large to read")
        return self.charge(node, out)

    def _BinOp(self, node: ast.BinOp, scope: Scope) -> Any:
        left, right = self.value(node.left, scope), self.value(node.right, scope)
        return self.arithmetic(node, type(node.op), left, right)

    def arithmetic(self, node: ast.AST, op: type, left: Any, right: Any) -> Any:
        a, b = plain(left), plain(right)
        if isinstance(a, Unknown) or isinstance(b, Unknown) or op not in _BINOPS:
            return a if isinstance(a, Unknown) else b if isinstance(b, Unknown) else self.unknown(node)
        if op is ast.Div and hasattr(a, "joinpath"):  # pathlib: Path(__file__).parent / "hparams.json"
            return flag_result(a.joinpath(b), left, right) if isinstance(b, str) else self.unknown(node)
        if not binop_fits(op.__name__, a, b):
            return self.unknown(node, f"{self.source(node)}, a value too large to read")
        try:
            result = _BINOPS[op](a, b)
        except (TypeError, ValueError, ZeroDivisionError, OverflowError, RecursionError):
            return self.unknown(node)
        return flag_result(self.charge(node, result), left, right)

    def _UnaryOp(self, node: ast.UnaryOp, scope: Scope) -> Any:
        operand = self.value(node.operand, scope)
        v = plain(operand)
        if isinstance(v, Unknown):
            return v
        if isinstance(v, int) and too_big(v):
            return self.unknown(node, f"{self.source(node)}, a value too large to read")
        try:
            if isinstance(node.op, ast.Not):
                result: Any = not v
            elif isinstance(node.op, ast.USub):
                result = -v
            elif isinstance(node.op, ast.UAdd):
                result = +v
            else:
                result = ~v
        except TypeError:
            return self.unknown(node)
        return flag_result(result, operand)

    def _BoolOp(self, node: ast.BoolOp, scope: Scope) -> Any:
        values = []
        for element in node.values:
            value = self.value(element, scope)
            values.append(value)
            v = plain(value)
            if isinstance(v, Unknown):
                return v
            if isinstance(node.op, ast.And) and not v:
                return flag_result(v, *values)
            if isinstance(node.op, ast.Or) and v:
                return flag_result(v, *values)
        return flag_result(plain(values[-1]), *values)

    def _Compare(self, node: ast.Compare, scope: Scope) -> Any:
        left = self.value(node.left, scope)
        seen = [left]
        result: Any = True
        for op, right_node in zip(node.ops, node.comparators):
            right = self.value(right_node, scope)
            seen.append(right)
            a, b = plain(left), plain(right)
            if isinstance(a, Unknown) or isinstance(b, Unknown):
                return a if isinstance(a, Unknown) else b
            if not small(a, b):  # comparing shared structures walks every path through them
                return self.unknown(node, f"{self.source(node)}, values too large to compare")
            try:
                if not _COMPARE[type(op)](a, b):
                    result = False
                    break
            except (TypeError, RecursionError):
                return self.unknown(node)
            left = right
        return flag_result(result, *seen)

    def _IfExp(self, node: ast.IfExp, scope: Scope) -> Any:
        try:
            return self.value(node.body if self.binder.choose(node, node.test, scope) else node.orelse, scope)
        finally:
            self.state.conditions_pop(node)

    def _Attribute(self, node: ast.Attribute, scope: Scope) -> Any:
        obj = self.value(node.value, scope)
        return self.attribute(node, obj, node.attr)

    def attribute(self, node: ast.AST, obj: Any, name: str) -> Any:
        for hook in self.attribute_hooks:
            got = hook(node, obj, name)
            if got is not NOT_HANDLED:
                return got
        if isinstance(obj, External):
            if name == "FLAGS":
                return self.state.flag_values
            return External(f"{obj.path}.{name}")
        if isinstance(obj, Module):
            if name in obj.globals:
                return obj.globals[name]
            return self.unknown(node, f"{obj.name}.{name}, which {obj.file} does not define")
        if isinstance(obj, (Namespace, FlagValues)):
            if name in obj.values:
                self.state.touched_flag = True
                return obj.values[name]
            return self.unknown(node, f"the flag {name!r}, which the script does not define")
        if isinstance(obj, Unknown):
            if obj.data and name == "columns":
                return DataKeys(self.where(node))
            return Unknown(self.source(node), self.where(node), obj.data, obj.key)
        return Attr(obj, name)

    def _Subscript(self, node: ast.Subscript, scope: Scope) -> Any:
        obj = self.value(node.value, scope)
        if isinstance(node.slice, ast.Slice):
            parts = [None if p is None else plain(self.value(p, scope)) for p in (node.slice.lower,
                     node.slice.upper, node.slice.step)]  # fmt: skip
            o = plain(obj)
            if isinstance(o, (list, tuple, str)) and all(p is None or isinstance(p, int) for p in parts):
                try:
                    return flag_result(self.charge(node, o[slice(*parts)]), obj)
                except ValueError:  # a step of 0
                    return self.unknown(node)
            return o if isinstance(o, Unknown) else self.unknown(node)
        index = self.value(node.slice, scope)
        o, i = plain(obj), plain(index)
        if isinstance(o, Unknown):
            return Unknown(self.source(node), self.where(node), o.data, i if isinstance(i, str) else None)
        if not small(i):
            return self.unknown(node, f"{self.source(node)}, a key too large to read")
        if isinstance(o, (list, tuple, str, dict)) or hasattr(o, "section"):  # not a value we do not follow
            try:
                return flag_result(o[i], obj, index)
            except (KeyError, IndexError, TypeError, RecursionError):
                pass
        return self.unknown(node)

    def _Lambda(self, node: ast.Lambda, scope: Scope) -> Any:
        defaults = [self.value(d, scope) for d in node.args.defaults]
        return Function(node, scope, scope.module, defaults, [None] * len(node.args.kwonlyargs))

    def _JoinedStr(self, node: ast.JoinedStr, scope: Scope) -> Any:
        parts = []
        for part in node.values:
            if isinstance(part, ast.Constant):
                parts.append(str(part.value))
                continue
            if not isinstance(part, ast.FormattedValue) or part.format_spec is not None:
                return self.unknown(node)
            v = plain(self.value(part.value, scope))
            if not isinstance(v, (str, int, float)) or deep_count(v) > MAX_ITEMS:
                return self.unknown(node)
            parts.append(str(v))
        return self.charge(node, "".join(parts))

    def _NamedExpr(self, node: ast.NamedExpr, scope: Scope) -> Any:
        value = self.value(node.value, scope)
        self.binder.bind(node.target, value, scope)
        return value

    def _Call(self, node: ast.Call, scope: Scope) -> Any:
        return self.caller.call(node, scope)

    # -- comprehensions: their own scope, each generator in turn ------------------------------

    def _ListComp(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp, scope: Scope) -> Any:
        inner = Scope(scope.module, scope, {})
        items: list = []
        self.unread = None
        if not self.comprehend(node, list(node.generators), inner, items):
            if self.unread is not None:  # what it loops over is what the script leaves open: say that
                return Unknown(f"{self.source(node)} over {self.unread.why}", self.unread.where, self.unread.data)
            return self.unknown(node)
        if isinstance(node, ast.SetComp) and not small(items):
            return self.unknown(node, f"{self.source(node)}, a value too large to read")
        try:
            if isinstance(node, ast.DictComp):
                return dict(items)
            return set(items) if isinstance(node, ast.SetComp) else items
        except TypeError:  # unhashable members
            return self.unknown(node)

    _SetComp = _GeneratorExp = _DictComp = _ListComp

    def comprehend(self, node: Any, generators: list[ast.comprehension], scope: Scope, out: list) -> bool:
        if not generators:
            if isinstance(node, ast.DictComp):
                key = plain(self.value(node.key, scope))
                if isinstance(key, Unknown) or not isinstance(key, (str, int, float, tuple)) or not small(key):
                    return False
                out.append((key, self.value(node.value, scope)))
            else:
                out.append(self.value(node.elt, scope))
            self.state.built += 1
            return len(out) <= MAX_ITEMS
        first, rest = generators[0], generators[1:]
        iterable = self.value(first.iter, scope)
        for item in self.items(first.iter, iterable):
            if item is NOT_ITERABLE:
                self.unread = plain(iterable) if isinstance(plain(iterable), Unknown) else None
                return False
            self.binder.bind(first.target, item, scope)
            keep = [plain(self.value(cond, scope)) for cond in first.ifs]
            if any(isinstance(k, Unknown) for k in keep):
                return False
            if all(keep) and not self.comprehend(node, rest, scope, out):
                return False
        return True

    def items(self, node: ast.AST, iterable: Any) -> list:
        """What a for loop or comprehension iterates over; the data's keys are one DataKey."""
        it = plain(iterable)
        if isinstance(iterable, DataKeys) or (isinstance(it, Unknown) and it.data and it.why.endswith(".keys()")):
            return [DataKey(self.where(node))]
        if isinstance(it, dict):
            return list(it)
        if isinstance(it, (list, tuple, str, set, range)) and len(it) <= MAX_ITEMS:
            self.charge(node, it)
            return sorted(it, key=repr) if isinstance(it, set) else list(it)
        return [NOT_ITERABLE]
