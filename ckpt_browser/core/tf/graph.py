"""A checkpoint's .meta graph: what it declares (read from the proto), and restore + run."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from google.protobuf.message import DecodeError

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.formats import dtypes
from ckpt_browser.core.formats.protos import protos
from ckpt_browser.core.storage import Location, local_copy, locate, read_whole
from ckpt_browser.core.tf.feeds import FeatureInput, feature_inputs, feed_array, parse_values
from ckpt_browser.core.tf.tfimport import tf

log = logging.getLogger(__name__)

_VARIABLE_OPS = {"VariableV2", "Variable", "VarHandleOp"}
_PLACEHOLDER_OPS = {"Placeholder", "PlaceholderWithDefault"}
_ASSIGN_OPS = {"Assign", "AssignVariableOp"}
# Ops that are bookkeeping, not the model: hidden from the Fit view's output candidates.
_SKIP_SCOPES = ("save/", "gradients/", "GradientDescent/", "training/", "report_uninitialized")


@dataclass(frozen=True)
class Placeholder:
    name: str  # op name; the tensor is name + ":0"
    dtype: str
    shape: tuple[int | None, ...] | None  # None: unknown rank; None dims: unknown size
    has_default: bool = False

    @property
    def shape_text(self) -> str:
        if self.shape is None:
            return "any shape"
        return "[" + ", ".join("?" if d is None else str(d) for d in self.shape) + "]"


@dataclass(frozen=True)
class DeclaredVariable:
    """A variable as the graph declares it, under the key the Saver stores it as."""

    key: str  # checkpoint key
    node: str  # graph op name (for a partitioned variable: one of its parts)
    shape: tuple[int | None, ...] | None
    dtype: str


@dataclass
class MetaInfo:
    path: Location
    placeholders: list[Placeholder] = field(default_factory=list)
    variables: dict[str, DeclaredVariable] = field(default_factory=dict)  # by checkpoint key
    ops: list[tuple[str, str]] = field(default_factory=list)  # (name, type)
    has_saver: bool = False
    tf_version: str = ""


def proto_dtype_name(enum: int) -> str:
    """Name of a graph's DataType attr; ref dtypes (VariableV2) are named after their value type."""
    return dtypes.dtype_name(enum)


def proto_shape(attr) -> tuple[int | None, ...] | None:
    if attr.unknown_rank:
        return None
    return tuple(None if d.size < 0 else int(d.size) for d in attr.dim)


def tf_errors() -> tuple[type[BaseException], ...]:
    """What TensorFlow raises on a graph or checkpoint it cannot use: its own OpError family
    (NotFound, InvalidArgument, ...) and the Python errors its graph importer raises."""
    return (tf().errors.OpError, ValueError, KeyError, TypeError, IndexError)


def load_meta_graph_def(meta_path: str | os.PathLike):
    """Parse a .meta file (a MetaGraphDef proto). Nothing is built or run."""
    path = locate(meta_path)
    data = read_whole(path, what="MetaGraphDef")
    meta = protos().MetaGraphDef()
    try:
        meta.ParseFromString(data)
    except DecodeError as exc:
        raise CheckpointError(f"{path.name} is not a MetaGraphDef ({_first(exc)})") from exc
    if not meta.graph_def.node:
        raise CheckpointError(f"{path.name} is damaged: it holds no graph")
    return meta


def read_meta(meta_path: str | os.PathLike) -> MetaInfo:
    """Placeholders, declared variables (by checkpoint key) and ops of a .meta graph."""
    meta = load_meta_graph_def(meta_path)
    info = MetaInfo(locate(meta_path), tf_version=meta.meta_info_def.tensorflow_version)
    nodes = {n.name: n for n in meta.graph_def.node}
    for n in meta.graph_def.node:
        info.ops.append((n.name, n.op))
        if n.op in _PLACEHOLDER_OPS and not n.name.startswith("save/"):
            info.placeholders.append(
                Placeholder(
                    n.name,
                    proto_dtype_name(n.attr["dtype"].type),
                    proto_shape(n.attr["shape"].shape),
                    n.op != "Placeholder",
                )
            )
    info.has_saver = bool(meta.saver_def.restore_op_name)
    info.variables = _declared_by_key(nodes)
    if not info.variables:  # no Saver restore ops: fall back to variable op names
        for n in meta.graph_def.node:
            if n.op in _VARIABLE_OPS:
                info.variables[n.name] = DeclaredVariable(
                    n.name, n.name, proto_shape(n.attr["shape"].shape), proto_dtype_name(n.attr["dtype"].type)
                )
    return info


def _declared_by_key(nodes: dict) -> dict[str, DeclaredVariable]:
    """Follow the Saver's restore ops: RestoreV2 output k (key tensor_names[k]) is assigned
    to a variable. That is how the graph will read the checkpoint, whatever the keys are
    (a partial Saver renames; a partitioned variable is restored slice by slice)."""
    out: dict[str, DeclaredVariable] = {}
    restore_keys: dict[str, tuple[list[str], list[str]]] = {}
    for n in nodes.values():
        if n.op == "RestoreV2" and len(n.input) >= 3:
            names = _const_strings(nodes.get(_node_name(n.input[1])))
            slices = _const_strings(nodes.get(_node_name(n.input[2])))
            restore_keys[n.name] = (names, slices)
    if not restore_keys:
        return out
    for n in nodes.values():
        if n.op not in _ASSIGN_OPS or len(n.input) < 2:
            continue
        source, index = _follow_identity(nodes, n.input[1])
        if source not in restore_keys:
            continue
        names, slices = restore_keys[source]
        if index >= len(names):
            continue
        var = nodes.get(_follow_identity(nodes, n.input[0])[0])
        if var is None or var.op not in _VARIABLE_OPS:
            continue
        key = names[index]
        shape = proto_shape(var.attr["shape"].shape)
        spec = slices[index] if index < len(slices) else ""
        if spec:  # "100 8 0,50:0,8": the full shape leads the slice spec
            full = spec.split()
            shape = tuple(int(d) for d in full[: len(full) - 1])
        out[key] = DeclaredVariable(key, var.name, shape, proto_dtype_name(var.attr["dtype"].type))
    return out


def _node_name(inp: str) -> str:
    return inp.lstrip("^").split(":")[0]


def _follow_identity(nodes: dict, inp: str) -> tuple[str, int]:
    name = inp.lstrip("^")
    for _ in range(10):
        base, _, idx = name.partition(":")
        node = nodes.get(base)
        if node is None or node.op != "Identity" or not node.input:
            return base, int(idx or 0)
        name = node.input[0].lstrip("^")
    base, _, idx = name.partition(":")
    return base, int(idx or 0)


def _const_strings(node) -> list[str]:
    if node is None or node.op != "Const":
        return []
    return [s.decode("utf-8", "replace") for s in node.attr["value"].tensor.string_val]


# -- restore and run ---------------------------------------------------------------------


class RestoredGraph:
    """A checkpoint restored into the graph rebuilt from its .meta, with its own session.

    Every call goes through the TensorFlow worker thread (the task runner's single TF
    worker), so the session is never used from two threads at once.
    """

    def __init__(self, prefix: str | os.PathLike, meta_path: str | os.PathLike | None = None, progress=None) -> None:
        t = tf()
        v1 = t.compat.v1
        where = locate(prefix)
        if where.is_remote:  # TensorFlow restores local files: fetch this checkpoint's first
            where = local_copy(where, progress)
        self.prefix = where.local
        self.meta_path = Path(meta_path) if meta_path else where.plus(".meta").local
        if not self.meta_path.is_file():
            raise CheckpointError(f"{self.prefix.name} has no .meta file: its graph cannot be rebuilt")
        self.info = read_meta(self.meta_path)
        self.inputs: list[FeatureInput] = []  # an Estimator's input pipeline outputs, by feature key
        self._reads: dict[str, object] = {}  # variable handle -> its ReadVariableOp tensor
        self.graph = t.Graph()
        with self.graph.as_default():
            try:
                saver = v1.train.import_meta_graph(str(self.meta_path), clear_devices=True)
            except tf_errors() as exc:  # unknown ops, bad protos, ...
                raise CheckpointError(f"cannot rebuild the graph of {self.meta_path.name}: {_first(exc)}") from exc
            if saver is None:
                raise CheckpointError(f"{self.meta_path.name} has no variables to restore")
            self.inputs = feature_inputs(self.graph.as_graph_def())
            self.session = v1.Session(graph=self.graph)
            try:
                saver.restore(self.session, str(self.prefix))
            except tf_errors() as exc:  # shape mismatches, missing keys
                self.session.close()
                cause = diagnose(self.prefix) or _first(exc)
                raise CheckpointError(f"cannot restore {self.prefix.name}: {cause}") from exc
            tables = v1.get_collection(v1.GraphKeys.TABLE_INITIALIZERS)
            if tables:  # vocabulary lookups (categorical columns): an Estimator's scaffold fills them
                try:
                    self.session.run(tables)
                except Exception as exc:  # noqa: BLE001 - a vocabulary file gone since training
                    log.info("table initializers failed: %s", _first(exc))

    def close(self) -> None:
        self.session.close()

    def _tensor(self, name: str):
        full = name if ":" in name else name + ":0"
        try:
            tensor = self.graph.get_tensor_by_name(full)
        except (KeyError, ValueError):
            raise CheckpointError(f"no tensor {name!r} in the graph of {self.prefix.name}") from None
        if tensor.op.type == "VarHandleOp":
            # A resource variable's output is a handle; what the user means is its value
            # (as sess.run('hor_estimate:0') gives for a TF1 ref variable).
            return self._read_op(tensor)
        return tensor

    def _read_op(self, handle):
        if handle.name not in self._reads:
            with self.graph.as_default():
                self._reads[handle.name] = tf().raw_ops.ReadVariableOp(
                    resource=handle, dtype=handle.op.get_attr("dtype"),
                    name=f"ckpt_browser_read/{handle.op.name}",
                )  # fmt: skip
        return self._reads[handle.name]

    def needed_placeholders(self, name: str) -> list:
        """Placeholders (without a default) the tensor depends on, in graph order, then the input
        pipeline's outputs it reads (an Estimator's features, fed by key)."""
        target = self._tensor(name)
        seen, stack, found, reads = set(), [target.op], set(), set()
        while stack:
            op = stack.pop()
            if op.name in seen:
                continue
            seen.add(op.name)
            if op.type == "Placeholder":
                found.add(op.name)
            for i in op.inputs:
                if any(i.name == f.tensor for f in self.inputs):
                    reads.add(i.name)  # fed in its place: what made it (the iterator) is not run
                else:
                    stack.append(i.op)
            stack.extend(op.control_inputs)
        return [p for p in self.info.placeholders if p.name in found] + [f for f in self.inputs if f.tensor in reads]

    def variable_values(self) -> dict[str, np.ndarray]:
        """Values of the graph's global variables as restored (shapes may differ from the
        declared ones: TF 2 does not check, see docs/formats.md)."""
        t = tf()
        with self.graph.as_default():
            variables = t.compat.v1.global_variables()
            values = self.session.run([v.value() if hasattr(v, "value") else v for v in variables])
        return {v.op.name: np.asarray(x) for v, x in zip(variables, values)}

    def run(self, fetch: str, feeds: dict[str, np.ndarray | str] | None = None) -> np.ndarray:
        """fetch with feeds by placeholder name, or by feature key for an Estimator's input
        pipeline (``SepalLength``, or ``IteratorGetNext:2``); text values are parsed for the
        dtype they feed."""
        feeds = dict(feeds or {})
        tensor = self._tensor(fetch)
        feed_dict = {}
        for name, value in feeds.items():
            feature = next((f for f in self.inputs if name in (f.key, f.tensor)), None)
            if feature is not None:
                target = self.graph.get_tensor_by_name(feature.tensor)
                feed_dict[target] = feed_array(value, feature.dtype, feature.shape, name)
                continue
            ph = self._tensor(name)
            if ph.op.type not in _PLACEHOLDER_OPS:
                keys = ", ".join(f.key for f in self.inputs)
                also = f"; the features are {keys}" if keys else ""
                raise CheckpointError(f"{name!r} is not a placeholder (it is a {ph.op.type}){also}")
            value = parse_values(value) if isinstance(value, str) else value
            feed_dict[ph] = np.asarray(value).astype(ph.dtype.as_numpy_dtype)
        fed = {t.name for t in feed_dict} | {t.op.name for t in feed_dict}
        needed = self.needed_placeholders(fetch)
        missing = [p for p in needed if p.name not in fed and getattr(p, "tensor", "") not in fed]
        if missing:
            names = ", ".join(f"{p.name} ({p.dtype}, {p.shape_text})" for p in missing)
            raise CheckpointError(f"{tensor.name} needs a value for {names}: give it with --feed NAME=VALUES")
        try:
            return np.asarray(self.session.run(tensor, feed_dict))
        except tf_errors() as exc:  # shape errors at run time and the like
            raise CheckpointError(f"running {tensor.name} failed: {_first(exc)}") from exc

    def sweep(self, fetch: str, placeholder: str, xs: np.ndarray) -> np.ndarray:
        """fetch over a sweep of one input: one run with the whole vector when the placeholder
        takes any shape, else one run per value."""
        ph = next((p for p in self.info.placeholders if p.name == placeholder.split(":")[0]), None)
        if ph is not None and ph.shape == ():
            return np.array([self.run(fetch, {placeholder: x}) for x in xs])
        return self.run(fetch, {placeholder: xs})

    def fit_candidates(self) -> tuple[list[str], list[str]]:
        """(inputs, outputs) for the Fit view: float placeholders that take a scalar or a
        vector, and the float tensors that depend on one such input and on no other
        placeholder -- the last ones of each chain first (the tutorial's y_est)."""
        inputs = [
            p.name for p in self.info.placeholders
            if not p.has_default and p.dtype.startswith("float") and (p.shape is None or len(p.shape) <= 1)
        ]  # fmt: skip
        outputs: list[str] = []
        for name in inputs:
            outputs += [o for o in self._outputs_of(name) if o not in outputs]
        return inputs, outputs

    def _outputs_of(self, placeholder: str) -> list[str]:
        ph_op = self.graph.get_operation_by_name(placeholder)
        chain, frontier = {}, [ph_op]
        while frontier:
            op = frontier.pop()
            for out in op.outputs:
                for consumer in out.consumers():
                    if consumer.name in chain or consumer.name.startswith(_SKIP_SCOPES):
                        continue
                    needs = {p.name for p in self.needed_placeholders(consumer.name)}
                    if needs != {placeholder}:
                        continue
                    if consumer.outputs and consumer.outputs[0].dtype.is_floating:
                        chain[consumer.name] = consumer
                        frontier.append(consumer)

        # Sinks first: ops whose outputs feed nothing else in the chain.
        def is_sink(op) -> bool:
            return not any(c.name in chain for o in op.outputs for c in o.consumers())

        ordered = sorted(chain.values(), key=lambda op: (not is_sink(op), op.name))
        return [op.name for op in ordered]


def _first(exc: BaseException) -> str:
    """The informative line of an error: TensorFlow's start with "Graph execution error:" and
    the like, with the cause on a later line."""
    lines = [ln.strip() for ln in str(exc).strip().splitlines() if ln.strip()]
    useful = [ln for ln in lines if not ln.endswith(":") and not ln.startswith(("Detected at node", "Traceback"))]
    text = (useful or lines or ["unreadable"])[0]
    return text[:300]


def diagnose(prefix: Path) -> str | None:
    """What is wrong with a checkpoint's files, found by the native reader: used when a restore
    fails, to name the file and the cause instead of TensorFlow's generic words."""
    from ckpt_browser.core.formats.bundle import BundleReader, ChecksumMismatch, OpaqueTensor
    from ckpt_browser.core.storage.paths import CHUNK

    try:
        reader = BundleReader(prefix)
        problem = reader.truncation()
        if problem:
            return problem
        buffer = bytearray(CHUNK)
        for v in reader.variables():
            try:
                reader.check(v.name, buffer)
            except OpaqueTensor:
                continue
    except ChecksumMismatch as exc:
        return str(exc)
    except CheckpointError as exc:
        return str(exc)
    return None
