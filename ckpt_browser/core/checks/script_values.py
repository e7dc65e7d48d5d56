"""The values a training script is read into (checks/script.py): what the text settles is a plain
Python value; what only a run would know -- the data, a flag without a default, a call we do not
follow -- is an Unknown that says where it came from. Nothing here runs user code."""

from __future__ import annotations

import ast
import operator
import threading
from dataclasses import dataclass, field
from typing import Any

from ckpt_browser.core.checks.script_bounds import MAX_BUILT, Cut


class Unknown:
    """A value the script's text does not settle. Arithmetic on it stays unknown, so a width that
    sums a known and an unknown part is unknown, never a wrong number."""

    def __init__(self, why: str, where: str = "", data: bool = False, key: object = None, derived: bool = False):
        self.why = why  # "the data (dftrain[feature_name].unique())"
        self.where = where  # "titanic_linear.py:15"
        self.data = data  # read from the training data: the checkpoint may tell
        self.key = key  # the column a data value was taken from (df['sex'] -> 'sex')
        self.derived = derived  # computed from an unknown (a sum of widths): not itself what the data gave

    def _same(self, *_: object) -> Unknown:
        return Unknown(self.why, self.where, self.data, self.key, derived=True)

    __add__ = __radd__ = __mul__ = __rmul__ = __sub__ = __rsub__ = __floordiv__ = _same

    def __repr__(self) -> str:
        return f"<{self.why}>"

    def describe(self) -> str:
        return f"{self.why} ({self.where})" if self.where else self.why


class DataKey(str):
    """A feature key taken from the data (for key in train_x.keys()): one column per data key,
    which only the checkpoint can name."""

    where: str

    def __new__(cls, where: str) -> DataKey:
        made = super().__new__(cls, "<data key>")
        made.where = where
        return made


@dataclass(frozen=True)
class Flag:
    """A value set by a command-line flag: its default, which a run may change. Conditions on it are
    not decided by the default: both branches stay candidates."""

    value: Any
    name: str


def plain(value: Any) -> Any:
    """The value without Flag wrappers, all the way down. Shared members stay shared and cycles stay
    cycles (a list that holds itself, [[0] * 99999] * 99999): copying costs what the distinct
    containers hold, never what printing them would; nesting past MAX_DEPTH is an Unknown."""
    if isinstance(value, Flag):
        return plain(value.value)
    if not isinstance(value, (list, tuple, dict)):
        return value
    return _plain(value, {}, 0)


def count_work(reading: bool) -> None:
    """While a script is read in this thread, plain()'s copies count against its budget."""
    _WORK.reading = reading
    _WORK.items = 0


def plain_work() -> int:
    """Containers plain() copied in this thread since the last call: the interpreter counts them
    against what a path may build (copying a 100,000-item list at every use adds up)."""
    done = getattr(_WORK, "items", 0)
    _WORK.items = 0
    return done


_WORK = threading.local()


MAX_DEPTH = 200  # containers nested deeper than this are no training script's configuration


def _plain(value: Any, memo: dict[int, Any], depth: int) -> Any:
    while isinstance(value, Flag):
        value = value.value
    if not isinstance(value, (list, tuple, dict)):
        return value
    done = memo.get(id(value))
    if done is not None:
        return done[1]
    if depth > MAX_DEPTH:
        return Unknown(f"a value nested more than {MAX_DEPTH} deep")
    if isinstance(value, dict):
        if not set(map(type, value.values())) & _NESTED and not set(map(type, value)) & _NESTED:
            memo[id(value)] = (value, value)  # nothing inside to unwrap: the value itself (callers only read it)
            _count(len(value) // 16)
            return value
        out: Any = {}
        memo[id(value)] = (value, out)  # the original is held too, so that its id is not reused
        for k, v in value.items():
            out[_plain(k, memo, depth + 1)] = _plain(v, memo, depth + 1)
        _count(len(value))
        return out
    if not set(map(type, value)) & _NESTED:
        memo[id(value)] = (value, value)
        _count(len(value) // 16)  # a scan at C speed: a fraction of a copy's cost
        return value
    out = []
    memo[id(value)] = (value, out)
    _count(len(value))
    append, get = out.append, memo.get
    for v in value:  # a shared member ([x] * 99999) is looked up, not walked again
        if type(v) in _NESTED:
            done = get(id(v))
            append(done[1] if done is not None else _plain(v, memo, depth + 1))
        else:
            append(v)
    if all(map(operator.is_, out, value)):  # nothing was unwrapped: keep the original (and its sharing)
        out = value
        memo[id(value)] = (value, value)
    return out if isinstance(value, list) else tuple(out)


_NESTED = {list, tuple, dict, Flag}


def _count(items: int) -> None:
    """plain()'s work, for the interpreter's budget; past what a path may build, the reading stops."""

    if not getattr(_WORK, "reading", False):
        return
    _WORK.items = getattr(_WORK, "items", 0) + items
    if _WORK.items > MAX_BUILT:
        _WORK.items = 0
        raise Cut("", "it builds values too large to read")


@dataclass
class External:
    """A name from a module that is not the script's (tensorflow, argparse, absl, pandas): known by
    its dotted path, never imported."""

    path: str  # "tf.estimator.DNNClassifier" resolved to "tensorflow.estimator.DNNClassifier"

    @property
    def last(self) -> str:
        return self.path.rsplit(".", 1)[-1]


@dataclass(eq=False)
class Function:
    """A def or lambda of the script, called with its arguments when the script calls it."""

    node: ast.FunctionDef | ast.Lambda | ast.AsyncFunctionDef
    scope: Any  # the Scope it was defined in (closure)
    module: Any  # its Module
    defaults: list = field(default_factory=list)
    kw_defaults: list = field(default_factory=list)

    @property
    def name(self) -> str:
        return getattr(self.node, "name", "<lambda>")


@dataclass(eq=False)
class Module:
    """A module of the script's own folder (or the script itself), read the same way."""

    name: str
    file: str  # shown in reports: census_columns.py
    text: str = ""  # its source, for quoting arguments as written
    globals: dict = field(default_factory=dict)


@dataclass(eq=False)
class ArgParser:
    """argparse.ArgumentParser: the flags it defines, with their defaults."""

    defaults: dict = field(default_factory=dict)


@dataclass(eq=False)
class Namespace:
    """What parse_args() returns: each flag's default, as a Flag."""

    values: dict = field(default_factory=dict)


@dataclass(eq=False)
class FlagValues:
    """absl's flags.FLAGS (also tf.compat.v1.flags.FLAGS): the DEFINE_* defaults of every module."""

    values: dict = field(default_factory=dict)


@dataclass(eq=False)
class EstimatorObject:
    """What calling an Estimator class returns; its methods (train, evaluate) change no variable."""

    kind: str


@dataclass(eq=False)
class DataKeys:
    """train_x.keys(), df.columns: the feature names of the data."""

    where: str


@dataclass
class Candidate:
    """One Estimator call the script can reach, with its arguments read."""

    kind: str  # DNNClassifier
    v1: bool  # tf.compat.v1.estimator: takes tf.compat.v1.train optimizers, writes their layout
    args: dict  # parameter -> value (Unknown where the text does not settle it)
    source: dict  # parameter -> its text as written
    file: str
    line: int
    conditions: tuple[str, ...] = ()  # the branches taken to reach it ("model_type == 'wide'")
    by_default: bool = True  # the flags' defaults reach it
    where: str = ""  # file:line, or a notebook's "cell 6, line 1"

    @property
    def label(self) -> str:
        where = self.where or f"{self.file}:{self.line}"
        return f"{where} ({', '.join(self.conditions)})" if self.conditions else where

    def key(self) -> tuple:
        """Calls that differ only in arguments that change no variable are one candidate."""
        relevant = {k: v for k, v in self.args.items() if k not in NO_VARIABLES}
        return (self.file, self.line, self.kind, self.v1, repr(plain(relevant)))


# Estimator arguments that change no variable (docs/estimators.md): read, never checked.
NO_VARIABLES = frozenset({
    "model_dir", "config", "warm_start_from", "loss_reduction", "activation_fn", "dnn_activation_fn", "dropout",
    "dnn_dropout", "label_vocabulary", "weight_column", "input_layer_partitioner", "sparse_combiner",
    "linear_sparse_combiner",
})  # fmt: skip


def negate(test: ast.expr, text: str) -> str:
    """The condition of an else branch, as a user would write it."""
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        flipped = {ast.Eq: "!=", ast.NotEq: "==", ast.In: "not in", ast.NotIn: "in", ast.Is: "is not"}
        for op, word in flipped.items():
            if isinstance(test.ops[0], op):
                left = ast.unparse(test.left)
                return f"{left} {word} {ast.unparse(test.comparators[0])}"
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return ast.unparse(test.operand)
    return f"not {text}" if isinstance(test, (ast.Name, ast.Attribute, ast.Call)) else f"not ({text})"


class Scope:
    """Python's scopes, as far as a training script needs them: a function's locals, its enclosing
    functions' (closures), the module's globals, then builtins."""

    def __init__(self, module: Module, parent: Scope | None = None, local: dict | None = None) -> None:
        self.module = module
        self.parent = parent
        self.vars: dict = module.globals if local is None else local
        self.declared_global: set[str] = set()

    def find(self, name: str) -> tuple[bool, Any]:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.vars:
                return True, scope.vars[name]
            scope = scope.parent
        if name in self.module.globals:
            return True, self.module.globals[name]
        return False, None

    def set(self, name: str, value: Any) -> None:
        (self.module.globals if name in self.declared_global else self.vars)[name] = value
