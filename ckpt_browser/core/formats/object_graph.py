"""Names and kinds of a TF2 checkpoint's variables from its object graph (`_CHECKPOINTABLE_OBJECT_GRAPH`).

A tf.train.Checkpoint stores each variable once, under the first path a breadth-first walk of the
objects finds; with a Keras 3 model and its optimizer that path often runs through the optimizer
(`optimizer/_trainable_variables/0` is the first Dense kernel). The graph, a TrackableObjectGraph
proto stored beside the variables, holds every path to every object, the name the writer gave each
variable (`full_name`: Keras 3's `variable.path`, e.g. `seq/hidden/kernel`), TF's slot_variables
records (Keras 2 optimizers) and the Keras 3 optimizer's own lists: `_trainable_variables`, and one
list per slot kind (`_momentums`, `_velocities`, ...) holding, in the same order, that slot of each
trainable variable. docs/object-graph.md says how the rules below use them.

Read with the wire decoder (formats/wire.py), not the protobuf runtime: TrackableObjectGraph
(tensorflow/core/protobuf/trackable_object_graph.proto) is
    nodes = 1 (TrackableObject): children = 1 (ObjectReference: node_id = 1, local_name = 2),
    attributes = 2 (SerializedTensor: name = 1, full_name = 2, checkpoint_key = 3),
    slot_variables = 3 (SlotVariableReference: original_variable_node_id = 1, slot_name = 2,
    slot_variable_node_id = 3).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import NamedTuple

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.formats import wire
from ckpt_browser.core.formats.variables import GLOBAL_STEP, MODEL, OBJECT_GRAPH, OPTIMIZER, OTHER, display_name

VARIABLE_VALUE = "VARIABLE_VALUE"
MAX_ALIASES = 8  # other paths kept per variable (the details pane lists them)
# The Keras 3 optimizer's children that are not per-variable slot lists.
_NOT_SLOT_LISTS = {"_variables", "_trainable_variables", "_trainable_variables_indices"}


@dataclass
class Node:
    children: list[tuple[str, int]] = field(default_factory=list)
    attributes: list[tuple[str, str, str]] = field(default_factory=list)  # (name, full_name, checkpoint key)
    slots: list[tuple[int, str, int]] = field(default_factory=list)  # (original node, slot name, slot node)


class Role(NamedTuple):
    """What the graph says of one stored key."""

    kind: str  # formats.variables' kinds
    slot_of: str | None  # the shown path of the weight this is a slot of
    path: str  # the path shown for it
    aliases: tuple[str, ...] = ()  # its other paths, the stored key's first
    slot: str | None = None  # the slot's name: "m", "momentums", ...


def _message(value: int | bytes) -> bytes:
    if not isinstance(value, bytes):
        raise ValueError("a message field is not length-delimited")
    return value


def _text(value: int | bytes) -> str:
    return _message(value).decode("utf-8", "replace")


def parse(buf: bytes) -> list[Node]:
    """The nodes of a serialized TrackableObjectGraph; ValueError when it is not one."""
    nodes = []
    for number, _, value in wire.fields(buf):
        if number != 1:
            continue
        node = Node()
        for n, _, v in wire.fields(_message(value)):
            if n == 1:  # ObjectReference
                node_id, name = -1, ""
                for a, _, c in wire.fields(_message(v)):
                    if a == 1 and isinstance(c, int):
                        node_id = c
                    elif a == 2:
                        name = _text(c)
                node.children.append((name, node_id))
            elif n == 2:  # SerializedTensor
                texts = {1: "", 2: "", 3: ""}
                for a, _, c in wire.fields(_message(v)):
                    if a in texts:
                        texts[a] = _text(c)
                node.attributes.append((texts[1], texts[2], texts[3]))
            elif n == 3:  # SlotVariableReference
                original, slot_name, slot = -1, "", -1
                for a, _, c in wire.fields(_message(v)):
                    if a == 1 and isinstance(c, int):
                        original = c
                    elif a == 2:
                        slot_name = _text(c)
                    elif a == 3 and isinstance(c, int):
                        slot = c
                node.slots.append((original, slot_name, slot))
        nodes.append(node)
    n = len(nodes)
    for node in nodes:
        node.children = [(name, i) for name, i in node.children if 0 <= i < n]
        node.slots = [s for s in node.slots if 0 <= s[0] < n and 0 <= s[2] < n]
    return nodes


def _display(key: str) -> str:
    return display_name(key)


def _walk(nodes: list[Node], skip: set[int]) -> dict[int, tuple[str, ...]]:
    """The first path to each node breadth-first from the root, children in stored order (as
    TensorFlow names keys), not entering the nodes in skip."""
    paths: dict[int, tuple[str, ...]] = {0: ()}
    queue = deque([0])
    while queue:
        i = queue.popleft()
        for name, j in nodes[i].children:
            if j not in paths and j not in skip:
                paths[j] = (*paths[i], name)
                queue.append(j)
    return paths


def _optimizers(nodes: list[Node], variable: dict[int, str]) -> set[int]:
    """Optimizer objects: those with TF slot_variables records, Keras 3's (and tf_keras' new
    optimizer's) with an `_iterations` variable and a `_variables` list, Keras 2's with `iter`."""
    out = set()
    for i, node in enumerate(nodes):
        names = {name: j for name, j in node.children}
        if node.slots:
            out.add(i)
        elif "_variables" in names and names.get("_iterations") in variable:
            out.add(i)
        elif names.get("iter") in variable and i != 0:
            out.add(i)
    return out


def _keras_slot_lists(nodes: list[Node], opt: int, variable: dict[int, str]) -> dict[int, tuple[int, str]]:
    """slot node -> (weight node, slot name) from a Keras 3 optimizer's lists: element i of
    `_momentums` is the momentum of element i of `_trainable_variables`."""
    names = dict(nodes[opt].children)
    owners_node = names.get("_trainable_variables")
    if owners_node is None:
        return {}
    owners = {name: j for name, j in nodes[owners_node].children if j in variable}
    out: dict[int, tuple[int, str]] = {}
    for name, j in nodes[opt].children:
        if name in _NOT_SLOT_LISTS or j in variable:
            continue
        items = nodes[j].children
        if not items or not all(k.isdigit() and v in variable for k, v in items):
            continue
        for k, v in items:
            if k in owners and v not in out:
                out[v] = (owners[k], name.lstrip("_"))
    return out


def roles(buf: bytes, shapes: dict[str, tuple[int, ...]]) -> dict[str, Role]:
    """key -> Role for every key the graph names. shapes: the stored keys' shapes."""

    nodes = parse(buf)
    if not nodes:
        return {}
    variable: dict[int, str] = {}  # node -> its key
    full: dict[int, str] = {}
    for i, node in enumerate(nodes):
        for name, full_name, key in node.attributes:
            if name == VARIABLE_VALUE and key in shapes:
                variable[i] = key
                full[i] = full_name.removesuffix(":0")
    optimizers = _optimizers(nodes, variable)
    model_side = _walk(nodes, optimizers)
    anywhere = _walk(nodes, set())
    slot_of: dict[int, tuple[int, str]] = {}
    weights: set[int] = set()  # the optimizers' _trainable_variables: the model's, wherever stored
    for opt in optimizers:
        for original, slot_name, slot in nodes[opt].slots:
            slot_of[slot] = (original, slot_name)
        slot_of.update(_keras_slot_lists(nodes, opt, variable))
        tv = dict(nodes[opt].children).get("_trainable_variables")
        if tv is not None:
            weights.update(j for _, j in nodes[tv].children if j in variable)
    opt_paths = {o: anywhere[o] for o in optimizers if o in anywhere}

    kinds: dict[int, str] = {}
    # Candidate paths for each variable, best first; the first one no other variable wants wins.
    candidates: dict[int, list[str]] = {}
    for i, key in variable.items():
        primary = model_side.get(i) or anywhere.get(i)
        if primary is None:  # a TF slot: reached only through its record; its key says whose it is
            primary = tuple(_display(key).split("/"))
        if i in slot_of or (i not in model_side and i not in weights):
            kind, prefix = OPTIMIZER, _owner_prefix(primary, opt_paths)
        elif len(primary) == 1 and i in model_side and shapes[key] == ():
            # A scalar on the checkpoint itself: its own save counter, or the user's step counter.
            kind, prefix = (OTHER if primary[0] == "save_counter" else GLOBAL_STEP), primary[:1]
        else:
            kind, prefix = MODEL, primary[:1]
        kinds[i] = kind
        mine = []
        if any(p.startswith("_") for p in primary) and i in anywhere:
            if full.get(i):  # the writer's own name: Keras 3's variable.path, the optimizer's slot names
                mine.append("/".join((*prefix, full[i])))
            if i in model_side:  # the attributes the user wrote, without Keras' leading underscores
                mine.append("/".join(p.lstrip("_") or p for p in primary))
        mine.append("/".join(primary))
        candidates[i] = mine
    shown = _unique(candidates, {i: _display(k) for i, k in variable.items()})

    parents: dict[int, list[str]] = {}
    for i, node in enumerate(nodes):
        base = model_side.get(i) if i in model_side else anywhere.get(i)
        if base is None:
            continue
        for name, j in node.children:
            if j in variable:
                parents.setdefault(j, []).append("/".join((*base, name)))
    out: dict[str, Role] = {}
    for i, key in variable.items():
        others = [_display(key), *parents.get(i, ())]
        aliases = tuple(dict.fromkeys(p for p in others if p != shown[i]))[:MAX_ALIASES]
        owner = slot_of.get(i)
        out[key] = Role(kinds[i], shown.get(owner[0]) if owner else None, shown[i], aliases,
                        owner[1] if owner else None)  # fmt: skip
    return out


def _unique(candidates: dict[int, list[str]], last: dict[int, str]) -> dict[int, str]:
    """Each variable's first candidate that no other variable also has at that rank (a name the
    writer gave twice, as Adafactor names a weight's r and c alike, falls to the next)."""
    shown: dict[int, str] = {}
    rank = 0
    left = set(candidates)
    while left:
        wanted: dict[str, list[int]] = {}
        for i in left:
            opts = candidates[i]
            wanted.setdefault(opts[rank] if rank < len(opts) else last[i], []).append(i)
        taken = set(shown.values())
        for text, who in wanted.items():
            if len(who) == 1 and text not in taken:
                shown[who[0]] = text
                left.discard(who[0])
        if rank >= max((len(candidates[i]) for i in left), default=0):
            for i in left:  # the stored key's path: unique, since keys are
                shown[i] = last[i]
            break
        rank += 1
    return shown


def _owner_prefix(path: tuple[str, ...], opt_paths: dict[int, tuple[str, ...]]) -> tuple[str, ...]:
    """The path of the optimizer a variable's path runs through (else its first part)."""
    best: tuple[str, ...] = path[:1]
    for p in opt_paths.values():
        if p and path[: len(p)] == p and len(p) >= len(best):
            best = p
    return best


def read_roles(reader) -> dict[str, Role] | None:
    """Roles of a bundle reader's keys from its object graph, or None without one (or when it
    cannot be read: the names are then read off the keys, as before)."""

    try:
        reader.entry_info(OBJECT_GRAPH)  # an index lookup: no list of every variable for a TF1 checkpoint
    except CheckpointError:
        return None
    entries = reader.variables()
    try:
        value = reader.read(OBJECT_GRAPH)
        buf = value.reshape(-1)[0] if getattr(value, "size", 0) else b""
        if isinstance(buf, str):
            buf = buf.encode("latin-1")
        return roles(bytes(buf), {e.name: tuple(e.shape) for e in entries}) or None
    except (CheckpointError, ValueError, IndexError, TypeError, RecursionError):
        return None


def stored_key(reader, name: str, path: str | None = None) -> str:
    """The key a reader stores a variable under: name itself when it holds it, else the key whose
    object-graph path (or one of its other paths) is path or name -- a Keras 3 weight is stored
    under another key once its optimizer is built. Else name (the caller's read says it is missing)."""

    try:
        reader.entry_info(name)
        return name
    except (CheckpointError, AttributeError):
        pass
    roles = reader.kinds() if hasattr(reader, "kinds") and hasattr(reader, "entry_info") else None
    for want in (path, name, _display(name)):
        if want and roles:
            found = [k for k, r in roles.items() if want == r.path or want in r.aliases]
            if len(found) == 1:
                return found[0]
    return name


def path_of(reader, key: str) -> str | None:
    """The object-graph path of a stored key, if the reader has a graph naming it."""
    roles = reader.kinds() if hasattr(reader, "kinds") and hasattr(reader, "entry_info") else None
    role = (roles or {}).get(key)
    return role.path if role is not None and len(role) > 2 else None
