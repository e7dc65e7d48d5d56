"""Recognise TensorFlow's restore and shape errors in a pasted log; point at checkpoint variables."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ckpt_browser.core.graph import load_meta_graph_def

_SHAPE = r"\[([0-9?,\s]*)\]"
PATTERNS = [
    (
        "shape_and_slice",
        re.compile(
            r"tensor_name\s*=\s*(?P<var>[^;\s]+);\s*shape in shape_and_slice spec\s*"
            + _SHAPE.replace("(", "(?P<model>", 1)
            + r"\s*does not match the shape stored in checkpoint:\s*"
            + _SHAPE.replace("(", "(?P<ckpt>", 1),
            re.S,
        ),
    ),
    (
        "assign",
        re.compile(
            r"Assign requires shapes of both tensors to match\.\s*lhs shape=\s*"
            + _SHAPE.replace("(", "(?P<model>", 1)
            + r"\s*rhs shape=\s*"
            + _SHAPE.replace("(", "(?P<ckpt>", 1)
            + r"(?:.*?node\s+(?P<node>[\w/.\-]+))?",
            re.S,
        ),
    ),
    ("not_found", re.compile(r"Key (?P<var>[^\s]+) not found in checkpoint")),
    (
        "matmul",
        re.compile(
            r"Matrix size-incompatible:\s*In\[0\]:\s*"
            + _SHAPE.replace("(", "(?P<in0>", 1)
            + r",\s*In\[1\]:\s*"
            + _SHAPE.replace("(", "(?P<in1>", 1)
            + r"(?:.*?node\s+(?P<node>[\w/.\-]+))?",
            re.S,
        ),
    ),  # fmt: skip
    (
        "dtype",
        re.compile(
            r"(?:tensor_name\s*=\s*(?P<var>[^;\s]+);\s*)?"
            r"expected dtype (?P<model>\w+) does not equal original dtype (?P<ckpt>\w+)",
            re.S,
        ),
    ),
]


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


def resolve(findings: list[LogFinding], stored: dict[str, tuple], meta_path: Path | None = None) -> list[LogFinding]:
    """Fill each finding's checkpoint variables: by name, by the restore node's variable
    (through the .meta graph), or by the weight shape of a failed matrix product."""
    node_var = _assign_targets(meta_path) if meta_path and meta_path.is_file() else {}
    for f in findings:
        if f.named:
            f.variables = candidates(f.named, stored)
        if not f.variables and f.node and f.node in node_var:
            f.variables = candidates(node_var[f.node], stored) or [node_var[f.node]]
        if not f.variables and f.kind in ("assign", "matmul") and f.checkpoint_shape:
            want = tuple(int(d) for d in f.checkpoint_shape.split(", ") if d.strip().isdigit())
            same = [n for n, s in stored.items() if tuple(s) == want]
            # A model op's scope (dnn/hiddenlayer_0/MatMul) narrows it down; save/ does not.
            scope = f.node.rsplit("/", 1)[0] + "/" if f.node and "/" in f.node else ""
            if scope and scope != "save/":
                same = [n for n in same if n.startswith(scope)] or same
            f.variables = [n for n in same if not n.startswith("training/")] or same
    return findings


def _assign_targets(meta_path: Path) -> dict[str, str]:
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
