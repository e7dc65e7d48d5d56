"""Calls in a training script: its own functions (followed, with their arguments), the Estimators
(each call a candidate), tf.feature_column and optimizer calls, argparse and absl flags, a few
safe builtins and list/dict/str methods. Anything else -- pandas, tf.data, eval, open -- is never
called: its result is an Unknown naming it."""

from __future__ import annotations

import ast
import inspect
from typing import Any, Protocol

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.checks.feature_columns import CALLS as COLUMN_CALLS
from ckpt_browser.core.checks.optimizers import keras_optimizer, v1_optimizer
from ckpt_browser.core.checks.script_bounds import (
    MAX_ITEMS,
    deep_count,
    format_fits,
    join_fits,
    replace_fits,
    small,
    sum_fits,
)
from ckpt_browser.core.checks.script_classes import BoundMethod, Classes, ClassValue, Instance
from ckpt_browser.core.checks.script_data import DataFiles, OpenFile, PathValue
from ckpt_browser.core.checks.script_eval import Expressions, flag_result
from ckpt_browser.core.checks.script_flags import Flags
from ckpt_browser.core.checks.script_names import NEVER_RUN, NOT_HANDLED, Attr, Builtin
from ckpt_browser.core.checks.script_opaque import opaque_kind, settle, taints
from ckpt_browser.core.checks.script_state import PathState, Return
from ckpt_browser.core.checks.script_values import (
    ArgParser,
    Candidate,
    DataKeys,
    EstimatorObject,
    External,
    Flag,
    FlagValues,
    Function,
    Namespace,
    Scope,
    Unknown,
    plain,
)
from ckpt_browser.core.checks.spec import ESTIMATOR_PARAMS

MAX_DEPTH = 40  # nested calls of the script's own functions
_LIST_METHODS = {"append", "extend", "insert", "copy", "index", "count", "pop", "remove", "reverse", "sort"}
_DICT_METHODS = {"get", "keys", "values", "items", "copy", "update", "pop", "setdefault"}
_STR_METHODS = {"join", "lower", "upper", "split", "strip", "lstrip", "rstrip", "replace", "startswith", "endswith",
                "format", "title", "capitalize"}  # fmt: skip
_SIZES = {"vocabulary_list": "the vocabulary", "hash_bucket_size": "the hash size",
          "num_buckets": "the number of buckets", "vocabulary_size": "the vocabulary size",
          "dimension": "the embedding dimension"}  # fmt: skip
_DATA_METHODS = {"unique", "tolist", "to_list", "drop_duplicates", "dropna", "astype", "pop", "copy", "values"}


def _str_fits(text: str, name: str, a: list, k: dict) -> bool:
    """A str method's result stays within the limits (predicted before calling it)."""
    if name == "join":
        return join_fits(text, a[0] if a else None)
    if name == "format":
        return format_fits(text, [*a, *k.values()])
    if name == "replace":
        return len(a) >= 2 and replace_fits(text, a[0], a[1])
    return True


class BodyRunner(Protocol):
    def run_body(self, body: list[ast.stmt], scope: Scope) -> None: ...


class Calls:
    """What a call does: the script's own functions are run by the body runner
    (script_statements.Statements); the arguments are the expressions' values; flags, data files and
    classes are asked about the objects they make."""

    def __init__(self, state: PathState, expressions: Expressions, flags: Flags, data: DataFiles, classes: Classes):
        self.state, self.expressions, self.flags, self.data, self.classes = state, expressions, flags, data, classes
        self.value = expressions.value
        self.where, self.source, self.unknown, self.charge = state.where, state.source, state.unknown, state.charge

    def connect(self, runner: BodyRunner) -> None:
        self.runner = runner

    def arguments(self, node: ast.Call, scope: Scope) -> tuple[list, dict] | None:
        args: list = []
        for a in node.args:
            if isinstance(a, ast.Starred):
                inner = plain(self.value(a.value, scope))
                if not isinstance(inner, (list, tuple)):
                    return None
                args.extend(inner)
            else:
                args.append(self.value(a, scope))
        kwargs: dict = {}
        for k in node.keywords:
            v = self.value(k.value, scope)
            if k.arg is None:
                if not isinstance(plain(v), dict):
                    return None
                kwargs.update(plain(v))
            else:
                kwargs[k.arg] = v
        return args, kwargs

    def call(self, node: ast.Call, scope: Scope) -> Any:
        func = self.value(node.func, scope)
        if isinstance(func, Flag):  # set_defaults(func=train): args.func(args)
            func = func.value
        if isinstance(func, Builtin) and func.name == "open":
            return self.open_call(node, scope)
        if isinstance(func, Builtin) and func.name in NEVER_RUN:  # never run, arguments not even read
            return self.never_run(node, func.name, scope)
        got = self.arguments(node, scope)
        if got is None:
            return self.unknown(node)
        args, kwargs = got
        if isinstance(func, Function):
            return self.invoke(func, args, kwargs, node)
        if isinstance(func, BoundMethod):
            return self.invoke(func.function, [func.obj, *args], kwargs, node)
        if isinstance(func, ClassValue):
            return self.classes.instantiate(node, func, args, kwargs)
        if isinstance(func, External):
            return self.external(node, func, args, kwargs, scope)
        if isinstance(func, Attr):
            return self.method(node, func.obj, func.name, args, kwargs)
        if isinstance(func, Builtin):
            return self.builtin(node, func.name, args, kwargs)
        if isinstance(func, Unknown):
            if func.why.endswith(".keys"):  # train_x.keys(): the data's feature keys, wherever train_x is from
                return DataKeys(self.where(node))
            self.taint_arguments(node, args, kwargs)
            if func.data and func.why.rsplit(".", 1)[-1] in _DATA_METHODS:
                return Unknown(self.source(node), self.where(node), True, func.key)
            return Unknown(self.source(node), self.where(node), func.data, func.key)
        return self.unknown(node)

    def open_call(self, node: ast.Call, scope: Scope) -> Any:
        """open(path) of a data file for reading; any other open is never run."""
        got = self.arguments(node, scope)
        if got is not None and got[0]:
            args, kwargs = got
            path, mode = plain(args[0]), plain(args[1] if len(args) > 1 else kwargs.get("mode", "r"))
            if isinstance(path, PathValue):
                path = path.path
            if isinstance(path, str) and mode in ("r", "rt", "rb"):
                return OpenFile(path)
        return self.unknown(node, f"{self.source(node)}, which is not run")

    def never_run(self, node: ast.Call, name: str, scope: Scope) -> Unknown:
        """eval, exec, setattr, vars ...: not run; what they are given by name is unknown from here on."""
        made = self.unknown(node, f"{self.source(node)}, which is not run")
        if name in ("setattr", "delattr", "vars") and node.args and isinstance(node.args[0], (ast.Name, ast.Attribute)):
            self.state.taint(self.value(node.args[0], scope), made)
        if name in ("exec", "eval", "globals", "locals", "setattr", "delattr", "vars"):
            note = f"{self.where(node)}: {self.source(node)} is not run: what it would change is not known"
            if note not in self.state.notes:
                self.state.notes.append(note)
        return made

    def taint_arguments(self, node: ast.AST, args: list, kwargs: dict) -> None:
        """A configuration (a dict, the flags, an object of the script) handed to code we do not
        follow may come back changed: from here on it is unknown."""
        for a in [*args, *kwargs.values()]:
            if isinstance(a, (dict, Namespace, FlagValues, Instance)):
                self.state.taint(a, self.unknown(node, f"what {self.source(node)} may have changed (not followed)"))

    def extend_list(self, node: ast.AST, target: list, extra: Any) -> None:
        if len(target) + len(extra) > MAX_ITEMS:
            self.state.taint(target, self.unknown(node, f"{self.source(node)}, a list too large to read"))
            return
        self.charge(node, extra)
        target.extend(extra)

    def invoke(self, func: Function, args: list, kwargs: dict, node: ast.AST) -> Any:
        """The script's own function, run over its body with the arguments given."""
        state = self.state
        if state.depth >= MAX_DEPTH:
            return self.unknown(node, f"{func.name}(...) nested more than {MAX_DEPTH} deep")
        a = func.node.args
        local: dict = {}
        positional = [p.arg for p in a.posonlyargs + a.args]
        defaults = dict(zip(positional[len(positional) - len(func.defaults) :], func.defaults))
        for name, value in zip(positional, args):
            local[name] = value
        if a.vararg is not None:
            local[a.vararg.arg] = tuple(args[len(positional) :])
        extra = {}
        for name, value in kwargs.items():
            if name in positional or name in [k.arg for k in a.kwonlyargs]:
                local[name] = value
            else:
                extra[name] = value
        if a.kwarg is not None:
            local[a.kwarg.arg] = extra
        for name in positional:
            local.setdefault(name, defaults.get(name, Unknown(f"{func.name}'s argument {name}", self.where(node))))
        for k, d in zip(a.kwonlyargs, func.kw_defaults):
            local.setdefault(k.arg, d if d is not None else Unknown(f"{func.name}'s argument {k.arg}", ""))
        scope = Scope(func.module, func.scope, local)
        state.depth += 1
        try:
            with state.reading(func.module):
                if isinstance(func.node, ast.Lambda):
                    return self.value(func.node.body, scope)
                self.runner.run_body(func.node.body, scope)
                return None
        except Return as ret:
            return ret.value
        finally:
            state.depth -= 1

    def method(self, node: ast.Call, obj: Any, name: str, args: list, kwargs: dict) -> Any:
        for hook in (self.flags.flag_method, self.data.data_method):
            got = hook(node, obj, name, args, kwargs)
            if got is not NOT_HANDLED:
                return got
        o = plain(obj)
        if isinstance(o, list) and name in _LIST_METHODS:
            if name in ("append", "extend", "insert") and isinstance(obj, list):
                if name == "append" and len(args) == 1:
                    self.extend_list(node, obj, [args[0]])
                elif name == "extend" and len(args) == 1 and isinstance(plain(args[0]), (list, tuple)):
                    self.extend_list(node, obj, plain(args[0]))
                elif name == "insert" and len(args) == 2 and isinstance(plain(args[0]), int):
                    obj.insert(plain(args[0]), args[1])
                else:
                    obj.append(self.unknown(node))
                return None
            if name == "copy":
                return list(o)
        if isinstance(o, dict) and name in _DICT_METHODS:
            if name == "keys":
                return list(o)
            if name == "values":
                return list(o.values())
            if name == "items":
                return list(o.items())
            if name == "get" and args and small(args[0]):
                return o.get(plain(args[0]), args[1] if len(args) > 1 else None)
            if name == "update" and isinstance(obj, dict):
                extra = plain(args[0]) if args else {}
                if not isinstance(extra, dict):
                    self.state.taint(obj, self.unknown(node, f"{self.source(node)} (not followed)"))
                    return None
                obj.update(extra, **kwargs)
                return None
            if name == "copy":
                return dict(o)
        if isinstance(o, str) and name in _STR_METHODS:
            a, k = plain(args), plain(kwargs)
            if all(isinstance(x, (str, int, float, list, tuple)) for x in [*a, *k.values()]) and _str_fits(
                o, name, a, k
            ):
                try:
                    result = getattr(o, name)(*a, **k)
                except (TypeError, ValueError, IndexError, KeyError):
                    return self.unknown(node)
                if not isinstance(result, (str, list)) or len(result) <= MAX_ITEMS:
                    return flag_result(result, obj)
        if isinstance(o, EstimatorObject):
            return self.unknown(node, f"{self.source(node)} (what {o.kind} computes)", data=True)
        if isinstance(o, (dict, list)):  # a method we do not follow (dict.clear, list.sort(key=...))
            self.state.taint(obj, self.unknown(node, f"{self.source(node)} (not followed)"))
        return self.unknown(node)

    def builtin(self, node: ast.Call, name: str, args: list, kwargs: dict) -> Any:
        a = plain(args)
        if name not in ("len", "print", "range", "list", "tuple", "enumerate", "zip") and not small(a):
            return self.unknown(node, f"{self.source(node)}, values too large to read")  # sorted, set, max compare
        if any(isinstance(x, Unknown) for x in a) or name in ("isinstance", "map", "filter"):
            first = next((x for x in a if isinstance(x, Unknown)), None)
            return Unknown(self.source(node), self.where(node), bool(first and first.data))
        if name == "print":
            return None
        if name == "range":
            try:
                if not all(isinstance(x, int) for x in a) or len(range(*a)) > MAX_ITEMS:
                    return self.unknown(node)
            except (TypeError, ValueError, OverflowError):
                return self.unknown(node)
            return self.charge(node, list(range(*a)))
        if name == "sum" and not sum_fits(a[0] if a else None, a[1] if len(a) > 1 else plain(kwargs).get("start", 0)):
            return self.unknown(node, f"{self.source(node)}, a value too large to read")
        if name == "zip" and sum(len(x) if hasattr(x, "__len__") else 0 for x in a) > MAX_ITEMS:
            return self.unknown(node, f"{self.source(node)}, a value too large to read")
        if name in ("str", "print") and deep_count(a) > MAX_ITEMS:
            return None if name == "print" else self.unknown(node, f"{self.source(node)}, a value too large to read")
        if name in ("list", "tuple", "set", "sorted", "reversed") and len(a) == 1 and isinstance(a[0], DataKeys):
            return a[0]
        fn: Any = {"len": len, "list": list, "tuple": tuple, "dict": dict, "int": int, "float": float, "str": str,
              "bool": bool, "sorted": sorted, "zip": lambda *x: list(zip(*x)), "sum": sum, "min": min, "max": max,
              "enumerate": lambda *x: list(enumerate(*x)), "set": set, "abs": abs, "round": round,
              "reversed": lambda x: list(reversed(x)), "any": any, "all": all}[name]  # fmt: skip
        try:
            result = fn(*a, **plain(kwargs))
        except (TypeError, ValueError, OverflowError, RecursionError):
            return self.unknown(node)
        return flag_result(self.charge(node, result), *args)

    # -- what is not the script's: Estimators, feature columns, optimizers, flags --------------

    def external(self, node: ast.Call, func: External, args: list, kwargs: dict, scope: Scope) -> Any:
        path, last = func.path, func.last
        if last in ESTIMATOR_PARAMS and "estimator" in path:
            return self.estimator(node, last, ".v1." in path + ".", args, kwargs, scope)
        if last in COLUMN_CALLS and "feature_column" in path:
            return self.column(node, last, args, kwargs)
        if "optimizers" in path or "keras" in path or last.endswith("Optimizer"):
            made = (keras_optimizer(last, plain(kwargs)) if "optimizers" in path else None) or v1_optimizer(
                last, plain(kwargs)
            )
            if made is not None:
                return made
        what = opaque_kind(path, self.source(node), {k.arg: self.source(k.value) for k in node.keywords if k.arg})
        if what is not None:
            return self.state.opaque(node, what)
        for hook in (self.data.data_call, self.flags.absl_call):
            got = hook(node, func, args, kwargs)  # type: ignore[operator]
            if got is not NOT_HANDLED:
                return got
        if last == "ArgumentParser":
            return ArgParser()
        if last == "run" and ".app" in path + ".":
            main = args[0] if args else kwargs.get("main")
            if isinstance(main, Function):
                return self.invoke(main, [Unknown("the command line (sys.argv)", self.where(node))], {}, node)
            return None
        if last in ("mark_flag_as_required", "mark_flags_as_required", "set_verbosity", "disable_eager_execution"):
            return None
        if taints(path):
            self.taint_arguments(node, args, kwargs)
        return self.unknown(node, f"{self.source(node)}", data=True)

    def estimator(self, node: ast.Call, kind: str, v1: bool, args: list, kwargs: dict, scope: Scope) -> Any:
        params = ESTIMATOR_PARAMS[kind]
        given = dict(kwargs)
        source = {k.arg: self.source(k.value) for k in node.keywords if k.arg is not None}
        for name, value, arg_node in zip(params, args, node.args):
            given.setdefault(name, value)
            source[name] = self.source(arg_node)
        for name in ("optimizer", "dnn_optimizer", "linear_optimizer"):  # a lambda or function making one
            if isinstance(given.get(name), Function):
                given[name] = self.invoke(given[name], [], {}, node)
        state = self.state
        given = {k: settle(v, f"{k}={source.get(k, '...')}", self.where(node), state.tainted) for k, v in given.items()}
        conditions = tuple(c for _, c in state.conditions)
        state.candidates.append(
            Candidate(
                kind, v1, given, source, state.file, node.lineno, conditions, state.on_default_path, self.where(node)
            )
        )
        return EstimatorObject(kind)

    def column(self, node: ast.Call, name: str, args: list, kwargs: dict) -> Any:
        """A feature column; a size only the data gives (a vocabulary from df[col].unique(), a flag
        without a default) stays unknown inside the column, for the checkpoint to settle."""
        fn = COLUMN_CALLS[name]
        try:
            bound = inspect.signature(fn).bind(*plain(args), **plain(kwargs))
        except TypeError:
            return self.unknown(node, f"{self.source(node)}: arguments {name} does not take, or too few")
        key = bound.arguments.get("key")
        for param, v in list(bound.arguments.items()):
            if isinstance(v, Unknown):
                what = _SIZES.get(param, param) + (f" of {key!r}" if isinstance(key, str) else "")
                bound.arguments[param] = Unknown(f"{what} comes from {v.why}", v.where or self.where(node), True)
        try:
            return fn(*bound.args, **bound.kwargs)
        except CheckpointError as exc:
            return self.unknown(node, f"{self.source(node)}: {exc}")
        except TypeError:
            return self.unknown(node, f"{self.source(node)}: arguments {name} does not take, or too few")
