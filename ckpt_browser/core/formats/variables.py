"""What each stored variable is (model, optimizer slot, EMA, ...), the scope tree and totals."""

from __future__ import annotations

import math
import re
import weakref
from collections.abc import Container, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ckpt_browser.core.formats.records import VariableEntry, itemsize

OBJECT_GRAPH = "_CHECKPOINTABLE_OBJECT_GRAPH"
_ATTR_SUFFIX = "/.ATTRIBUTES/VARIABLE_VALUE"
_SLOT_MARK = "/.OPTIMIZER_SLOT/"

# Kinds, in the order the totals show them.
MODEL, OPTIMIZER, EMA, GLOBAL_STEP, OBJECT_GRAPH_KIND, OTHER = (
    "model",
    "optimizer",
    "ema",
    "global_step",
    "object_graph",
    "other",
)
KINDS = (MODEL, OPTIMIZER, EMA, GLOBAL_STEP, OBJECT_GRAPH_KIND, OTHER)

# Slot names TF1 optimizers append to the variable name: <var>/Adam, <var>/Adam_1, ...
_TF1_SLOTS = {
    "Adam", "Adam_1", "Adagrad", "AdagradDA", "AdagradDA_1", "Momentum", "RMSProp",
    "RMSProp_1", "Ftrl", "Ftrl_1", "Adadelta", "Adadelta_1", "ProximalAdagrad",
    "Adamax", "Adamax_1", "Nadam", "Nadam_1", "LazyAdam", "LazyAdam_1",
    "adam_m", "adam_v",  # Google BERT's AdamWeightDecayOptimizer
}  # fmt: skip
# TF1 optimizers' own non-slot variables.
_TF1_OPT_VARS = re.compile(r"(^|/)(beta1_power|beta2_power)(_\d+)?$")
# Keras optimizer v2 under an Estimator's "training/" scope, and its slot names.
_ESTIMATOR_OPT = re.compile(r"^training/(?P<opt>[A-Za-z]+)(_\d+)?/")
_ESTIMATOR_SLOTS = ("accumulator", "linear", "m", "v", "vhat", "momentum", "rms", "mg")
_COUNTERS = {"save_counter"}
_SPECIAL_LAST = {"ExponentialMovingAverage", "global_step", *_TF1_SLOTS}
_SPECIAL_PREFIXES = ("training/", "optimizer/", "opt/")


class VariableInfo(NamedTuple):
    """A stored variable with what we know about its role. (A named tuple, not a frozen
    dataclass: a checkpoint can hold 100,000 of them and a frozen dataclass is ~5x slower to make.)"""

    name: str  # exactly as tf.train.list_variables gives it
    shape: tuple[int, ...]
    dtype: str
    kind: str
    display_name: str  # TF2 suffix removed
    slot_of: str | None = None  # display name of the variable a slot / EMA shadow belongs to
    stored: str | None = None  # the dtype of its bytes when not dtype (a quantized TF.js weight: uint8)
    aliases: tuple[str, ...] = ()  # its other paths in the object graph (formats/object_graph.py)
    slot: str | None = None  # the slot's own name (momentums, m, ...) when slot_of is a weight's

    @property
    def size(self) -> int:
        return math.prod(self.shape)  # Python ints: no overflow, and 20x faster than np.prod here

    @property
    def nbytes(self) -> int | None:
        """Bytes as stored (a quantized weight's codes, not its dequantized values)."""
        per = itemsize(self.stored or self.dtype)
        return None if per is None else per * self.size

    @property
    def dtype_text(self) -> str:
        """float32, or "float32 ← uint8" for a weight stored as uint8 codes and read as float32."""
        return f"{self.dtype} ← {self.stored}" if self.stored else self.dtype

    def to_json(self) -> dict:
        out: dict[str, object] = {"name": self.name}
        if self.display_name != self.name:  # where the user knows it (TF2: no suffix; object graph)
            out["path"] = self.display_name
        out.update(shape=list(self.shape), dtype=self.dtype, kind=self.kind)
        if self.stored:
            out["stored_dtype"] = self.stored
        if self.slot is not None:  # known from the object graph (names alone give no slot names)
            out["slot_of"], out["slot"] = self.slot_of, self.slot
        if self.aliases:
            out["other_paths"] = list(self.aliases)
        return out


def display_name(name: str) -> str:
    if name.endswith(_ATTR_SUFFIX):
        return name[: -len(_ATTR_SUFFIX)]
    return name


def classify(name: str, all_names: Container[str], shown: str | None = None) -> tuple[str, str | None]:
    """(kind, slot_of) of one stored name; all_names are the display names of the checkpoint;
    shown is display_name(name) when the caller has it already."""
    if name == OBJECT_GRAPH:
        return OBJECT_GRAPH_KIND, None
    if shown is None:
        shown = display_name(name)
    if _SLOT_MARK in shown:
        return OPTIMIZER, shown.split(_SLOT_MARK, 1)[0]
    head, slash, last = shown.rpartition("/")
    if last == "ExponentialMovingAverage" and slash:
        return EMA, head
    if last == "global_step":
        return GLOBAL_STEP, None
    if shown in _COUNTERS:
        return OTHER, None
    m = _ESTIMATOR_OPT.match(shown) if shown.startswith("training/") else None
    if m:
        rest = shown[m.end() :]
        if "/" in rest and rest.rsplit("/", 1)[1] in _ESTIMATOR_SLOTS:
            base = rest.rsplit("/", 1)[0]
            return OPTIMIZER, base if base in all_names else None
        return OPTIMIZER, None  # the optimizer's scalars: learning_rate, decay, iter, ...
    if slash and last in _TF1_SLOTS:
        return OPTIMIZER, _slot_owner(head, all_names)
    if "_power" in last and _TF1_OPT_VARS.search(shown):
        return OPTIMIZER, None
    # TF2 object graph: the optimizer object's own variables (iter, learning_rate, ...).
    if slash and shown.split("/", 1)[0] in ("optimizer", "opt") and name.endswith(_ATTR_SUFFIX):
        return OPTIMIZER, None
    return MODEL, None


def _slot_owner(head: str, all_names: Container[str]) -> str | None:
    """The variable a TF1 slot (head/Adam) belongs to: head -- or, when the optimizer was made
    inside a variable scope, which TF1 puts before the variable's name (scope/w/Adam for w), the
    longest end of head that is a variable."""
    while True:
        if head in all_names:
            return head
        _, slash, head = head.partition("/")
        if not slash:
            return None


def shadow_of(variables: Sequence[VariableInfo], v: VariableInfo) -> VariableInfo | None:
    """The moving average a checkpoint keeps of v (ExponentialMovingAverage's shadow), if any:
    Compare offers it as the other side."""
    if hasattr(variables, "slots_of"):  # a big listing's (formats/listed_tree.py): no scan of them all
        return next((o for o in variables.slots_of(v.display_name) if o.kind == EMA), None)
    for other in variables:
        if other.kind == EMA and other.slot_of == v.display_name:
            return other
    return None


def slots_of(variables: Sequence[VariableInfo], display: str) -> list[VariableInfo]:
    """The slots and shadows of the variable of this display name."""
    if hasattr(variables, "slots_of"):
        return variables.slots_of(display)
    return [o for o in variables if o.slot_of == display]


def find_variable(variables: Sequence[VariableInfo], name: str) -> VariableInfo | None:
    """The variable a user means by this name -- the one rule of the window, the CLI and the API:
    its stored name; else the one variable it is the display name of (a TF2 name without
    /.ATTRIBUTES/VARIABLE_VALUE, or its object-graph path) or another path of in the object graph.
    None when no variable, or more than one, has it."""
    if hasattr(variables, "find"):  # a big listing's: a binary search (its names are display names)
        return variables.find(name)
    exact = next((v for v in variables if v.name == name), None)
    if exact is not None:
        return exact
    matches = [v for v in variables if name in (v.display_name, display_name(v.name)) or name in v.aliases]
    return matches[0] if len(matches) == 1 else None


def describe(entries: list[VariableEntry], kinds: dict | None = None) -> list[VariableInfo]:
    """Each stored variable with its kind. kinds: name -> (kind, slot_of) a reader knows for
    certain (a Keras file says which variables are its optimizer's), or (kind, slot_of, path,
    aliases, slot) from a checkpoint's object graph (formats/object_graph.py); the rest are read
    off names. Sorted by stored name, as tf.train.list_variables lists them."""
    if kinds:
        out_known = describe([e for e in entries if e.name not in kinds])
        known = [_known(e, kinds[e.name]) for e in entries if e.name in kinds]
        return sorted(out_known + known, key=lambda v: v.name)
    shown = [display_name(e.name) for e in entries]
    names = set(shown)
    out: list[VariableInfo] = []
    append = out.append
    special_last, special_prefixes, slot_mark = _SPECIAL_LAST, _SPECIAL_PREFIXES, _SLOT_MARK
    for e, s in zip(entries, shown):
        # A quick pass for names none of classify's rules can match (most of them), inlined:
        # this loop runs 100,000 times for a big checkpoint.
        last = s.rpartition("/")[2]
        if (
            last not in special_last
            and "_power" not in last
            and not s.startswith(special_prefixes)
            and slot_mark not in s
            and s not in _COUNTERS
            and s != OBJECT_GRAPH
        ):
            append(VariableInfo(e.name, e.shape, e.dtype, MODEL, s, None))
        else:
            kind, slot_of = classify(e.name, names, s)
            append(VariableInfo(e.name, e.shape, e.dtype, kind, s, slot_of))
    return out


def _known(e: VariableEntry, role: tuple) -> VariableInfo:
    if len(role) == 2:
        return VariableInfo(e.name, e.shape, e.dtype, role[0], e.name, role[1], e.stored)
    kind, slot_of, path, aliases, slot = role[:5]
    return VariableInfo(e.name, e.shape, e.dtype, kind, path, slot_of, e.stored, tuple(aliases), slot)


@dataclass
class Totals:
    """Parameter and byte counts per kind, like Keras' model.summary()."""

    params: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    nbytes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    variables: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))

    @property
    def model(self) -> int:
        return self.params[MODEL]

    @property
    def optimizer(self) -> int:
        return self.params[OPTIMIZER]

    @property
    def other(self) -> int:
        return sum(v for k, v in self.params.items() if k not in (MODEL, OPTIMIZER))

    def summary(self) -> str:
        total = sum(self.params.values())
        return (
            f"Model params: {self.model:,}  ·  Optimizer state: {self.optimizer:,}  ·  "
            f"Other: {self.other:,}  ·  Total: {total:,} "
            f"({human_bytes(sum(self.nbytes.values()))})"
        )


def totals(variables: list[VariableInfo]) -> Totals:
    t = Totals()
    params, nbytes, count = t.params, t.nbytes, t.variables
    prod = math.prod
    for v in variables:  # no cached properties here: 100,000 variables must add up fast
        n = prod(v.shape)
        params[v.kind] += n
        nbytes[v.kind] += n * (itemsize(v.stored or v.dtype) or 0)
        count[v.kind] += 1
    return t


def human_bytes(n: int | None) -> str:
    if n is None:
        return "–"
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{int(size)} B" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


@dataclass(frozen=True)
class VariableFilter:
    """What the variable list shows: text (substring or regex), and which kinds."""

    text: str = ""
    regex: bool = False
    hide_optimizer: bool = False
    show_object_graph: bool = False

    def compile(self):
        """A predicate over VariableInfo; raises re.error for a bad regex."""
        text = self.text.strip()
        pattern = re.compile(text, re.IGNORECASE) if (self.regex and text) else None
        needle = text.lower()

        def accept(v: VariableInfo) -> bool:
            if v.kind == OBJECT_GRAPH_KIND and not self.show_object_graph:
                return False
            if self.hide_optimizer and v.kind == OPTIMIZER:
                return False
            if pattern is not None:
                return bool(pattern.search(v.display_name))
            return needle in v.display_name.lower()

        return accept


_NO_NAMES: dict = {}  # shared by every leaf; never written to (ScopeNode.child replaces it)


class ScopeNode:
    """A scope ("dnn/hiddenlayer_0") or a variable in the tree. A variable can have children
    too: TF1 slots live under its name (bias/Adagrad). A plain class with slots: a 100,000-variable
    checkpoint makes ~110,000 of them."""

    __slots__ = ("name", "path", "_parent", "row", "children", "variable", "params", "_by_name", "separators",
                 "__weakref__")  # fmt: skip

    def __init__(self, name: str, path: str, parent: ScopeNode | None = None, row: int = 0) -> None:
        self.name = name
        self.path = path  # the name up to here, as stored: dnn/hiddenlayer_0, bert.encoder
        # A weak link up: a tree has no reference cycle, so the old one is freed the moment the
        # window lets it go, without a pass of the cyclic collector over 110,000 nodes.
        self._parent = weakref.ref(parent) if parent is not None else None
        self.row = row  # index in parent.children; children are only ever appended
        # Leaves (most nodes) share one empty tuple and dict until they get a child.
        self.children: list[ScopeNode] | tuple = ()
        self.variable: VariableInfo | None = None
        self.params = 0  # of the variables at and under this node
        self._by_name: dict[str, ScopeNode] = _NO_NAMES
        self.separators: str = parent.separators if parent is not None else "/"  # what split the names (the format's)

    @property
    def parent(self) -> ScopeNode | None:
        return self._parent() if self._parent is not None else None

    def __repr__(self) -> str:
        return f"ScopeNode({self.path!r}, {len(self.children)} children)"

    def child(self, name: str, separator: str = "/") -> ScopeNode:
        node = self._by_name.get(name)
        if node is None:
            if self._by_name is _NO_NAMES:
                self.children, self._by_name = [], {}
            node = ScopeNode(name, f"{self.path}{separator}{name}" if self.path else name, self, len(self.children))
            self.children.append(node)  # type: ignore[union-attr]  # a list from the line above
            self._by_name[name] = node
        return node

    def find(self, display: str) -> ScopeNode | None:
        node: ScopeNode | None = self
        for part in split_name(display, self.separators):
            if node is None:
                return None
            node = node._by_name.get(part)
        return node


def split_name(name: str, separators: str = "/") -> list[str]:
    """A variable's name as the tree's levels: split at each of separators (a format's, in the
    registry: "/" for TensorFlow's names, "/." for PyTorch's bert.encoder.layer.0.weight)."""
    if separators == "/":
        return name.split("/")
    return re.split(f"[{re.escape(separators)}]", name)


def build_tree(variables: Sequence[VariableInfo], separators: str = "/") -> ScopeNode:
    root = ScopeNode("", "")
    root.separators = separators
    if any(v.aliases for v in variables):  # paths from the object graph: in their order, not the keys'
        variables = sorted(variables, key=lambda v: v.display_name)
    if separators != "/":
        _build_split(root, variables, re.compile(f"([{re.escape(separators)}])"))
        return root
    for v in variables:
        size = v.size
        node = root
        for part in v.display_name.split("/"):
            nxt = node._by_name.get(part)  # node.child(part), inlined: the hot loop at 100,000
            node = nxt if nxt is not None else node.child(part)
            node.params += size
        node.variable = v
        root.params += size
    return root


def _build_split(root: ScopeNode, variables: Sequence[VariableInfo], pattern: re.Pattern) -> None:
    """build_tree's loop for names split at more than "/": each node's path keeps the separators
    the name has (bert.encoder, model/encoder.layer)."""
    for v in variables:
        size = v.size
        node = root
        pieces = pattern.split(v.display_name)  # part, separator, part, ...
        for i in range(0, len(pieces), 2):
            part = pieces[i]
            nxt = node._by_name.get(part)
            node = nxt if nxt is not None else node.child(part, pieces[i - 1] if i else "/")
            node.params += size
        node.variable = v
        root.params += size


@dataclass(frozen=True)
class FilteredTree:
    """The variables a filter shows and their scope tree: built off the UI thread, once."""

    filter: VariableFilter
    shown: Sequence[VariableInfo]  # a list, or a big listing's ListedVariables (formats/listed_tree.py)
    root: Any  # ScopeNode, or ListedNode over a ListedVariables


def filtered_tree(
    variables: Sequence[VariableInfo], flt: VariableFilter, known: FilteredTree | None = None, separators: str = "/"
) -> FilteredTree:
    """The variables flt shows and their tree. known: a tree already built for this list; when
    flt shows the same variables (typing "b" in a list where every name has one), it is reused
    rather than arranging 100,000 variables again. separators: what splits the names into the
    tree's levels (the checkpoint's format says: registry.Format.separators)."""
    if hasattr(variables, "filtered"):  # a big listing's: filtered in columns, its tree made as shown
        return variables.filtered(flt, known)
    accept = flt.compile()
    shown = [v for v in variables if accept(v)]
    if known is not None and shown == known.shown:
        return FilteredTree(flt, known.shown, known.root)
    return FilteredTree(flt, shown, build_tree(shown, separators))
