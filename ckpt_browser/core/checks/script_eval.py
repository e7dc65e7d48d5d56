"""Expressions of a training script, read with ast and never evaluated by Python: constants, names,
lists, dicts, arithmetic, comparisons, comprehensions, subscripts, attributes. Calls are in
script_calls.py, statements and the driver in script.py."""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from typing import Any

from ckpt_browser.core.checks.script_bounds import (
    MAX_BUILT,
    MAX_ITEMS,
    Cut,
    binop_fits,
    deep_count,
    size,
    small,
    too_big,
)
from ckpt_browser.core.checks.script_names import NOT_ITERABLE, Attr, bare_api, builtin_named
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


_LINES: dict[str, list[str]] = {}  # the text being read -> its lines (col offsets are in UTF-8 bytes)


class Expressions:
    """The expression half of the interpreter (mixed into script.Interpreter)."""

    file: str
    text: str
    flag_values: FlagValues
    touched_flag: bool
    built: int
    count_step: Callable[[ast.AST], None]  # script_statements.Interpreter: the step budget
    conditions_pop: Callable[[ast.AST], None]  # script_statements.Interpreter
    tainted: dict[int, tuple[Any, Unknown]]  # id -> (a list, dict or flags object whose contents a call
    # we do not follow may have changed, what it is now)

    def where(self, node: ast.AST) -> str:
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

    def call(self, node: ast.Call, scope: Scope) -> Any:  # script_calls.Calls
        raise NotImplementedError

    def choose(self, node: ast.AST, test: ast.expr, scope: Scope) -> bool:  # script.Interpreter
        raise NotImplementedError

    def bind(self, target: ast.AST, value: Any, scope: Scope) -> None:  # script.Interpreter
        raise NotImplementedError

    def value(self, node: ast.AST, scope: Scope) -> Any:
        self.count_step(node)
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            return self.unknown(node, f"{self.source(node)} (a {type(node).__name__} expression)")
        made = method(node, scope)
        if self.tainted and id(made) in self.tainted:
            return self.tainted[id(made)][1]
        return made

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

    def _Constant(self, node: ast.Constant, scope: Scope) -> Any:
        return node.value

    def _Name(self, node: ast.Name, scope: Scope) -> Any:
        found, value = scope.find(node.id)
        if found:
            if isinstance(value, Flag):
                self.touched_flag = True
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
            return self.flag_result(a.joinpath(b), left, right) if isinstance(b, str) else self.unknown(node)
        if not binop_fits(op.__name__, a, b):
            return self.unknown(node, f"{self.source(node)}, a value too large to read")
        try:
            result = _BINOPS[op](a, b)
        except (TypeError, ValueError, ZeroDivisionError, OverflowError, RecursionError):
            return self.unknown(node)
        return self.flag_result(self.charge(node, result), left, right)

    def flag_result(self, result: Any, *operands: Any) -> Any:
        """A result computed from a flag is still set by the flag (its conditions stay open)."""
        for o in operands:
            if isinstance(o, Flag):
                return Flag(result, o.name)
        return result

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
        return self.flag_result(result, operand)

    def _BoolOp(self, node: ast.BoolOp, scope: Scope) -> Any:
        values = []
        for element in node.values:
            value = self.value(element, scope)
            values.append(value)
            v = plain(value)
            if isinstance(v, Unknown):
                return v
            if isinstance(node.op, ast.And) and not v:
                return self.flag_result(v, *values)
            if isinstance(node.op, ast.Or) and v:
                return self.flag_result(v, *values)
        return self.flag_result(plain(values[-1]), *values)

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
        return self.flag_result(result, *seen)

    def _IfExp(self, node: ast.IfExp, scope: Scope) -> Any:
        try:
            return self.value(node.body if self.choose(node, node.test, scope) else node.orelse, scope)
        finally:
            self.conditions_pop(node)

    def _Attribute(self, node: ast.Attribute, scope: Scope) -> Any:
        obj = self.value(node.value, scope)
        return self.attribute(node, obj, node.attr)

    def attribute(self, node: ast.AST, obj: Any, name: str) -> Any:
        if isinstance(obj, External):
            if name == "FLAGS":
                return self.flag_values
            return External(f"{obj.path}.{name}")
        if isinstance(obj, Module):
            if name in obj.globals:
                return obj.globals[name]
            return self.unknown(node, f"{obj.name}.{name}, which {obj.file} does not define")
        if isinstance(obj, (Namespace, FlagValues)):
            if name in obj.values:
                self.touched_flag = True
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
                    return self.flag_result(self.charge(node, o[slice(*parts)]), obj)
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
                return self.flag_result(o[i], obj, index)
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
        self.bind(node.target, value, scope)
        return value

    def _Call(self, node: ast.Call, scope: Scope) -> Any:
        return self.call(node, scope)

    # -- comprehensions: their own scope, each generator in turn ------------------------------

    def _ListComp(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp, scope: Scope) -> Any:
        inner = Scope(scope.module, scope, {})
        items: list = []
        self.unread: Unknown | None = None
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
            self.built += 1
            return len(out) <= MAX_ITEMS
        first, rest = generators[0], generators[1:]
        iterable = self.value(first.iter, scope)
        for item in self.items(first.iter, iterable):
            if item is NOT_ITERABLE:
                self.unread = plain(iterable) if isinstance(plain(iterable), Unknown) else None
                return False
            self.bind(first.target, item, scope)
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
