"""A checkpoint against an expectation (its own graph, an Estimator config, another checkpoint)
-> findings, a plain-language summary, and advice."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.checks.estimators import OPTIONAL_SCALARS, expected_variables, parse_spec, vocabulary_variables
from ckpt_browser.core.formats.reader import open_checkpoint
from ckpt_browser.core.formats.records import VariableEntry
from ckpt_browser.core.formats.variables import OBJECT_GRAPH
from ckpt_browser.core.model_dir.scan import CheckpointInfo, ModelDir
from ckpt_browser.core.storage import Location, is_file, is_remote, locate
from ckpt_browser.core.tf.graph import read_meta

SHAPE, DTYPE, MISSING, UNEXPECTED = "shape", "dtype", "missing_in_checkpoint", "unexpected_in_checkpoint"
_HYPER = re.compile(
    r"(^|/)(learning_rate|lr|decay|iter|iterations|beta|beta_1|beta_2|beta1_power|beta2_power|rho|"
    r"momentum|epsilon|l1_regularization_strength|l2_regularization_strength|learning_rate_power)$"
)


@dataclass
class Expected:
    """What a model expects: name -> (shape, dtype); shape None = unknown."""

    label: str  # "its own graph (model.ckpt-400.meta)", "DNNClassifier(...)", ...
    variables: dict[str, tuple[tuple | None, str]]
    optional: set[str] = field(default_factory=set)  # may be absent either side (optimizer scalars)
    description: str = ""  # "hidden_units=[20, 20] and 4 input features"
    estimator: str | None = None  # the canned Estimator class, when checked against its call
    call_args: dict[str, str] = field(default_factory=dict)  # that call's arguments as written
    prefix: Location | None = None  # the checkpoint or Keras file it was read from (its names may be paired)
    vocabularies: set[str] | None = None  # variables whose rows are vocabulary words; None: not known


@dataclass
class Finding:
    variable: str
    kind: str
    checkpoint: str | None  # "[4, 10] float32" as stored, None if absent
    model: str | None

    def to_json(self) -> dict:
        return {"variable": self.variable, "kind": self.kind, "checkpoint": self.checkpoint, "model": self.model}


@dataclass
class CheckResult:
    checkpoint: str
    prefix: Location
    against: str
    findings: list[Finding]
    compatible: list[str]  # variables present in both with the same shape and dtype
    stored_shapes: dict[str, tuple]
    expected: Expected | None
    error: str | None = None  # the checkpoint or its graph is damaged: nothing was compared
    # Against a training script (checks/script_check.py): which call this is, and what was assumed
    verdict: str = ""  # "fits census_main.py:18 (model_type == 'wide')", "fits no call; closest: ..."
    assumptions: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # about the script as a whole: its calls, what was refused

    @property
    def status(self) -> str:
        return "damaged" if self.error else "mismatch" if self.findings else "ok"

    def to_json(self) -> dict:
        return {
            "name": self.checkpoint,
            "against": self.against,
            "status": self.status,
            "findings": [f.to_json() for f in self.findings],
            "error": self.error,
        } | ({"verdict": self.verdict, "assumptions": self.assumptions} if self.verdict else {})


def damaged(info: CheckpointInfo, against: str, error: str) -> CheckResult:
    return CheckResult(info.name, info.prefix, against, [], [], {}, None, error)


def _fmt(shape, dtype) -> str:
    if shape is None:
        return f"? {dtype}"
    return "[" + ", ".join("?" if d is None else str(d) for d in shape) + f"] {dtype}"


def is_optimizer_scalar(name: str, shape) -> bool:
    return shape == () and bool(_HYPER.search(name))


def stored_variables(info: CheckpointInfo) -> dict[str, VariableEntry]:
    return {v.name: v for v in open_checkpoint(info.prefix).variables() if v.name != OBJECT_GRAPH}


def compare(info: CheckpointInfo, expected: Expected, stored: dict[str, VariableEntry] | None = None) -> CheckResult:
    """Stored variables of the checkpoint vs what the model expects. Nothing is run."""
    stored = stored_variables(info) if stored is None else stored
    expected = _paired(info, expected)
    findings, compatible = [], []
    for name in sorted(set(stored) | set(expected.variables)):
        s = stored.get(name)
        e = expected.variables.get(name)
        if s is None:
            assert e is not None  # the name came from one side or the other
            if name in expected.optional or is_optimizer_scalar(name, e[0]):
                continue
            findings.append(Finding(name, MISSING, None, _fmt(*e)))
            continue
        if e is None:
            if name in expected.optional or is_optimizer_scalar(name, s.shape):
                continue
            findings.append(Finding(name, UNEXPECTED, _fmt(s.shape, s.dtype), None))
            continue
        shape, dtype = e
        if dtype != s.dtype:
            findings.append(Finding(name, DTYPE, _fmt(s.shape, s.dtype), _fmt(shape, dtype)))
        elif shape is not None and tuple(shape) != s.shape and not is_optimizer_scalar(name, s.shape):
            if None in shape and len(shape) == len(s.shape) and all(a in (None, b) for a, b in zip(shape, s.shape)):
                compatible.append(name)  # unknown dims match anything
            else:
                findings.append(Finding(name, SHAPE, _fmt(s.shape, s.dtype), _fmt(shape, dtype)))
        else:
            compatible.append(name)
    return CheckResult(
        info.name, info.prefix, expected.label, findings, compatible,
        {n: v.shape for n, v in stored.items()}, expected,
    )  # fmt: skip


# -- what to compare against -----------------------------------------------------------------


def own_graph(info: CheckpointInfo, model_dir: Location, pbtxt_cache: dict | None = None) -> Expected | None:
    """The checkpoint's .meta graph, else the model_dir's graph.pbtxt; None when neither.
    pbtxt_cache: graph.pbtxt read once for all the checkpoints of one check (or its error)."""
    meta = locate(info.prefix).plus(".meta")
    if is_file(meta):
        m = read_meta(meta)
        return Expected(
            f"its own graph ({meta.name})",
            {k: (d.shape, d.dtype) for k, d in m.variables.items()},
        )
    pbtxt = model_dir / "graph.pbtxt"
    if not is_file(pbtxt):
        return None
    if pbtxt_cache is None:
        return graph_pbtxt(pbtxt)
    if "graph" not in pbtxt_cache:
        try:
            pbtxt_cache["graph"] = graph_pbtxt(pbtxt)
        except CheckpointError as exc:
            pbtxt_cache["graph"] = exc
    if isinstance(pbtxt_cache["graph"], CheckpointError):
        raise pbtxt_cache["graph"]
    return pbtxt_cache["graph"]


def graph_pbtxt(path: Location) -> Expected:
    """Variables a text GraphDef declares (Estimators write graph.pbtxt at every train())."""
    from google.protobuf import text_format

    from ckpt_browser.core.formats.protos import protos
    from ckpt_browser.core.storage import read_whole
    from ckpt_browser.core.tf.graph import proto_dtype_name, proto_shape

    data = read_whole(path, what="GraphDef")
    g = protos().GraphDef()
    try:
        text_format.Parse(data.decode("utf-8"), g)
    except UnicodeDecodeError as exc:
        raise CheckpointError(f"{path.name} is damaged: byte {exc.start:,} is not UTF-8 text") from None
    except (text_format.ParseError, RecursionError, ValueError) as exc:
        raise CheckpointError(f"{path.name} is not a text GraphDef ({str(exc).splitlines()[0][:200]})") from None
    if not g.node:
        raise CheckpointError(f"{path.name} is damaged: it holds no graph")
    variables = {
        n.name: (proto_shape(n.attr["shape"].shape), proto_dtype_name(n.attr["dtype"].type))
        for n in g.node
        if n.op in ("VariableV2", "VarHandleOp", "Variable")
    }
    return Expected(f"the model_dir's {path.name}", variables)


def estimator_expected(spec: str) -> Expected:
    cfg = parse_spec(spec)
    ev = expected_variables(cfg)
    optional = {n for n, v in ev.items() if v.optimizer_scalar}
    for opt in cfg.optimizers():
        if not opt.v1:
            optional |= {f"training/{opt.scope}/{s}" for s in OPTIONAL_SCALARS}
    text = spec.strip()
    label = text if "\n" not in text and len(text) <= 160 else f"the {cfg.kind} call given"
    variables: dict[str, tuple[tuple | None, str]] = {n: (v.shape, v.dtype) for n, v in ev.items()}
    return Expected(
        label, variables, optional, cfg.describe(), cfg.kind, cfg.source, vocabularies=vocabulary_variables(cfg)
    )


def path_expected(path: str | os.PathLike) -> Expected:
    """Another checkpoint (prefix, file or model_dir: its latest), or a .meta file."""
    p = locate(path)
    if p.name.endswith(".meta") and is_file(p):
        m = read_meta(p)
        return Expected(f"the graph {p.name}", {k: (d.shape, d.dtype) for k, d in m.variables.items()})
    from ckpt_browser.core.values.diff import resolve_checkpoint

    prefix = resolve_checkpoint(p)
    stored = open_checkpoint(prefix).variables()
    named: dict[str, tuple[tuple | None, str]] = {v.name: (v.shape, v.dtype) for v in stored if v.name != OBJECT_GRAPH}
    return Expected(f"checkpoint {prefix}", named, prefix=prefix)


def _paired(info: CheckpointInfo, expected: Expected) -> Expected:
    """expected with the names of a Keras file paired to a Keras 3 model's tf.train.Checkpoint (or
    the other way round) put as the checkpoint names them (values/pairing.py: by the object graph)."""
    if expected.prefix is None:
        return expected
    from ckpt_browser.core.values.pairing import graph_file_pairs

    readers = open_checkpoint(info.prefix), open_checkpoint(expected.prefix)
    pairs = graph_file_pairs(*readers)
    if not pairs:
        return expected
    named = dict(expected.variables)
    for ours, theirs in pairs:
        if ours in named:
            return expected  # a name of ours means another variable there: by name, as before
        named[ours] = named.pop(theirs)
    # The checkpoint's own counters (save_counter, a step counter), which no Keras file holds.
    counters = {
        k for r in readers if hasattr(r, "kinds") and not hasattr(r, "entries")
        for k, role in (r.kinds() or {}).items() if role[0] in ("other", "global_step")
    }  # fmt: skip
    return replace(expected, variables=named, optional=expected.optional | counters)


def against(spec_or_path: str) -> Expected:
    """--against: an existing path is a checkpoint/model_dir/.meta; anything else a spec."""
    if is_remote(spec_or_path) or os.path.exists(spec_or_path) or os.path.exists(spec_or_path + ".index"):
        return path_expected(spec_or_path)
    return estimator_expected(spec_or_path)


def check_model_dir(md: ModelDir, expected: Expected | None = None) -> list[CheckResult]:
    """Every readable checkpoint against one expectation, or each against its own graph."""
    out = []
    pbtxt: dict = {}  # graph.pbtxt is the model_dir's: read it once, not once per checkpoint
    for info in md.checkpoints:
        if not info.on_disk and not info.in_state:
            continue
        against = expected.label if expected is not None else "its own graph"
        if not info.files_ok:  # a damaged checkpoint is reported as such, never skipped
            out.append(damaged(info, against, info.problem or "its files are incomplete"))
            continue
        try:
            exp = expected if expected is not None else own_graph(info, md.path, pbtxt)
            if exp is None:
                continue
            out.append(compare(info, exp))
        except CheckpointError as exc:
            out.append(damaged(info, against, str(exc)))
    return out
