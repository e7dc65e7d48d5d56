"""Recognise TensorFlow's restore and shape errors in a pasted log; point at checkpoint variables."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ckpt_browser.core.storage import Location, is_file
from ckpt_browser.core.tf.graph import load_meta_graph_def

# Every repetition is bounded: logs are pasted by users and can be megabytes, and an unbounded
# run before a literal that never comes makes a pattern quadratic (a 200 kB log of repeated
# "tensor_name=" took over a minute). Real messages are far shorter than these bounds.
_SHAPE = r"\[([0-9?,\s]{0,200})\]"
_SP = r"\s{0,20}"
_NAME = r"[^;\s=]{1,500}"  # graph names never hold "=", which stops a run of "tensor_name=" early
_NEAR = r"(?s:.{0,400}?)"  # "[[{{node save/Assign_1}}]]" follows soon, often on the next line
MAX_LOG_CHARS = 4 << 20  # beyond this only the end of the log is read (errors come last)


def _shape(group: str) -> str:
    return _SHAPE.replace("(", f"(?P<{group}>", 1)


def _two_shapes(head: str, first: str, middle: str, second: str, tail: str = "") -> re.Pattern:
    """A message naming two shapes: head [..] middle [..] tail, the shapes in named groups."""
    return re.compile(head + _shape(first) + middle + _shape(second) + tail)


_NODE = rf"(?:{_NEAR}node\s{{1,5}}(?P<node>[\w/.\-]{{1,500}}))?"
# fmt: off
PATTERNS = [
    ("shape_and_slice", _two_shapes(
        rf"tensor_name{_SP}={_SP}(?P<var>{_NAME});{_SP}shape in shape_and_slice spec{_SP}", "model",
        rf"{_SP}does not match the shape stored in checkpoint:{_SP}", "ckpt",
    )),
    ("assign", _two_shapes(
        rf"Assign requires shapes of both tensors to match\.{_SP}lhs shape={_SP}", "model",
        rf"{_SP}rhs shape={_SP}", "ckpt", _NODE,
    )),
    ("not_found", re.compile(r"Key (?P<var>[^\s]{1,500}) not found in checkpoint")),
    ("matmul", _two_shapes(
        rf"Matrix size-incompatible:{_SP}In\[0\]:{_SP}", "in0", rf",{_SP}In\[1\]:{_SP}", "in1", _NODE,
    )),
    (
        "dtype",
        re.compile(
            rf"(?:tensor_name{_SP}={_SP}(?P<var>{_NAME});{_SP})?"
            r"expected dtype (?P<model>\w{1,40}) does not equal original dtype (?P<ckpt>\w{1,40})",
        ),
    ),
]
# fmt: on


LOG_SUFFIXES = (".log", ".txt", ".err", ".out")


def is_log_file(path: str) -> bool:
    """A file dropped on the window that is a training log to explain, not a checkpoint file."""
    return str(path).lower().endswith(LOG_SUFFIXES) and ".tfevents." not in str(path)


@dataclass
class LogFinding:
    kind: str  # shape_and_slice, assign, not_found, matmul, dtype
    text: str  # the matched message
    named: str | None = None  # a variable or node the message names
    checkpoint_shape: str | None = None
    model_shape: str | None = None
    node: str | None = None
    variables: list[str] = field(default_factory=list)  # checkpoint variables it concerns

    def explain(self) -> str:
        where = ", ".join(self.variables) if self.variables else (self.named or self.node or "?")
        if self.kind in ("shape_and_slice", "assign"):
            return f"{where}: the model wants [{self.model_shape}], the checkpoint holds [{self.checkpoint_shape}]"
        if self.kind == "not_found":
            return f"{self.named}: the model wants a variable the checkpoint does not have"
        if self.kind == "matmul":
            return (
                f"a matrix product at {self.node or 'an unnamed node'} got inputs [{self.model_shape}] and "
                f"[{self.checkpoint_shape}]: usually the input feature count changed"
                + (f"; the weights involved: {', '.join(self.variables)}" if self.variables else "")
            )
        return f"{where}: the model wants {self.model_shape}, the checkpoint holds {self.checkpoint_shape}"


def _norm(shape: str) -> str:
    return ", ".join(p.strip() for p in shape.split(",") if p.strip())


def parse_log(text: str) -> list[LogFinding]:
    text = text[-MAX_LOG_CHARS:]
    found: list[LogFinding] = []
    seen: set[tuple] = set()
    for kind, pattern in PATTERNS:
        for m in pattern.finditer(text):
            g = m.groupdict()
            f = LogFinding(kind, " ".join(m.group(0).split())[:300], named=g.get("var"), node=g.get("node"))
            if kind == "matmul":
                f.model_shape, f.checkpoint_shape = _norm(g["in0"]), _norm(g["in1"])
            elif g.get("model") is not None:
                f.model_shape, f.checkpoint_shape = _norm(g["model"]), _norm(g["ckpt"])
            key = (f.kind, f.named, f.node, f.model_shape, f.checkpoint_shape)
            if key not in seen:
                seen.add(key)
                found.append(f)
    return found


_PART = re.compile(r"/(t_\d+|part_\d+)(?=/|$)")


def candidates(name: str, stored: dict[str, tuple]) -> list[str]:
    """Checkpoint variables a name from a message refers to: exactly, without partition parts,
    or as the Estimator's TF 2 name for a TF 1 slot (<var>/Adagrad -> training/Adagrad/<var>/accumulator)."""
    if name in stored:
        return [name]
    plain = _PART.sub("", name)
    if plain in stored:
        return [plain]
    parts = plain.split("/")
    slot_names = {"Adagrad": ["accumulator"], "Adam": ["m"], "Adam_1": ["v"], "Ftrl": ["accumulator"],
                  "Ftrl_1": ["linear"], "RMSProp": ["rms"], "Momentum": ["momentum"]}  # fmt: skip
    if len(parts) > 1 and parts[-1] in slot_names:
        base = "/".join(parts[:-1])
        opt = parts[-1].split("_")[0]
        for slot in slot_names[parts[-1]]:
            tf2 = f"training/{opt}/{base}/{slot}"
            if tf2 in stored:
                return [tf2]
        if base in stored:
            return [base]
    return []


def resolve(
    findings: list[LogFinding], stored: dict[str, tuple], meta_path: Location | None = None
) -> list[LogFinding]:
    """Fill each finding's checkpoint variables: by name, by the restore node's variable
    (through the .meta graph), or by the weight shape of a failed matrix product."""
    node_var = _assign_targets(meta_path) if meta_path and is_file(meta_path) else {}
    for f in findings:
        if f.named:
            f.variables = candidates(f.named, stored)
        if not f.variables and f.node and f.node in node_var:
            f.variables = candidates(node_var[f.node], stored) or [node_var[f.node]]
        if not f.variables and f.kind in ("assign", "matmul") and f.checkpoint_shape:
            want = tuple(int(d) for d in f.checkpoint_shape.split(", ") if d.strip().isdigit() and len(d.strip()) < 19)
            same = [n for n, s in stored.items() if tuple(s) == want]
            # A model op's scope (dnn/hiddenlayer_0/MatMul) narrows it down; save/ does not.
            scope = f.node.rsplit("/", 1)[0] + "/" if f.node and "/" in f.node else ""
            if scope and scope != "save/":
                same = [n for n in same if n.startswith(scope)] or same
            f.variables = [n for n in same if not n.startswith("training/")] or same
    return findings


def _assign_targets(meta_path: Location) -> dict[str, str]:
    """Restore node (save/Assign_1) -> the variable it assigns, from the .meta graph."""
    meta = load_meta_graph_def(meta_path)
    nodes = {n.name: n for n in meta.graph_def.node}
    out = {}
    for n in meta.graph_def.node:
        if n.op in ("Assign", "AssignVariableOp") and n.input:
            target = n.input[0].lstrip("^").split(":")[0]
            while target in nodes and nodes[target].op == "Identity" and nodes[target].input:
                target = nodes[target].input[0].split(":")[0]
            out[n.name] = target
    return out
