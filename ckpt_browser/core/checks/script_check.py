"""A model_dir against a training script: every Estimator call the script can reach (checks/script.py)
is a candidate; each checkpoint is reported against the call that fits it, or the closest one.
What only the data decides -- feature keys from train_x.keys(), a vocabulary from df[col].unique(),
a hash size from a flag without a default -- is taken from the checkpoint, and said; what neither
the script nor the checkpoint settles is refused, naming the line."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.checks.estimators import (
    OPTIONAL_SCALARS,
    EstimatorConfig,
    _config,
    expected_variables,
    vocabulary_variables,
)
from ckpt_browser.core.checks.feature_columns import INPUT_LAYER, Column, numeric_column
from ckpt_browser.core.checks.mismatch import CheckResult, Expected, compare, damaged, stored_variables
from ckpt_browser.core.checks.optimizers import Optimizer
from ckpt_browser.core.checks.report import script_notes
from ckpt_browser.core.checks.script import Reading
from ckpt_browser.core.checks.script_values import NO_VARIABLES, Candidate, DataKey, Unknown, plain
from ckpt_browser.core.model_dir.scan import CheckpointInfo, ModelDir
from ckpt_browser.core.storage import is_file, locate

_LINEAR = "linear/linear_model/"


@dataclass
class Setup:
    """A candidate made into an Estimator config, or why it cannot be."""

    candidate: Candidate
    config: EstimatorConfig | None = None
    refusal: str = ""


@dataclass
class ScriptCheck:
    reading: Reading
    setups: list[Setup]
    results: list[CheckResult] = field(default_factory=list)

    @property
    def refusals(self) -> list[str]:
        return [s.refusal for s in self.setups if s.refusal]


def _unsettled(value: object) -> Unknown | None:
    """The first value the script leaves open, outside feature columns (whose sizes the checkpoint settles)."""
    if isinstance(value, Unknown):
        return value
    if isinstance(value, (list, tuple)):
        for v in value:
            if (found := _unsettled(v)) is not None:
                return found
    if isinstance(value, dict):
        for v in value.values():
            if (found := _unsettled(v)) is not None:
                return found
    return None


def setup(candidate: Candidate) -> Setup:
    args = {k: plain(v) for k, v in candidate.args.items() if k not in NO_VARIABLES}
    for name, value in args.items():
        if isinstance(value, (Column, Optimizer)):
            continue
        found = _unsettled(value)
        if found is not None:
            return Setup(candidate, refusal=(
                f"{candidate.label}: {name}={candidate.source.get(name, '...')} is settled by neither the script "
                f"nor the checkpoint: it comes from {found.describe()}"
            ))  # fmt: skip
    try:
        return Setup(candidate, _config(candidate.kind, args, candidate.v1))
    except CheckpointError as exc:
        return Setup(candidate, refusal=f"{candidate.label}: {exc}")


def check_script(md: ModelDir, reading: Reading, infos: list[CheckpointInfo] | None = None) -> ScriptCheck:
    """Each checkpoint (default: every one of the model_dir) against every candidate of the script."""
    if not reading.candidates:
        raise CheckpointError(nothing_found(reading))
    report = ScriptCheck(reading, [setup(c) for c in reading.candidates])
    usable = [s for s in report.setups if s.config is not None]
    if not usable:
        first = report.refusals[0]
        more = f" (and {len(report.refusals) - 1} more calls)" if len(report.refusals) > 1 else ""
        raise CheckpointError(first + more)
    default = next((s.candidate.label for s in report.setups if s.candidate.by_default), None)
    notes = script_notes(reading, [s.candidate.label for s in report.setups], default, report.refusals)
    notes += [f"Not followed: {u}." for u in reading.unfollowed]
    for info in md.checkpoints if infos is None else infos:
        if infos is None and not info.on_disk and not info.in_state:
            continue
        if not info.files_ok:
            report.results.append(damaged(info, reading.name, info.problem or "its files are incomplete"))
            continue
        try:
            report.results.append(_best(info, usable))
        except CheckpointError as exc:
            report.results.append(damaged(info, reading.name, str(exc)))
        report.results[-1].notes = notes
    _never_wrong(report)
    return report


def nothing_found(reading: Reading) -> str:
    """Why no Estimator call can be checked: what the script builds that only building can tell,
    where the reading stopped, or (only when it was read whole) that it builds none."""
    if reading.unfollowed:
        more = len(reading.unfollowed) - 1
        return reading.unfollowed[0] + (f" (and {more} more place{'s' if more > 1 else ''})" if more else "")
    if reading.stopped:
        return f"{reading.stopped}, before any Estimator call was reached: use --build"
    if reading.gaps:
        gap = reading.gaps[0]
        return f"no Estimator call found in {reading.name} where static reading can follow it ({gap}): use --build"
    return (
        f"no Estimator call found in {reading.name}: it builds no tf.estimator.DNNClassifier, LinearClassifier, "
        "... that can be reached"
    )


def _never_wrong(report: ScriptCheck) -> None:
    """A checkpoint that fits none of the calls read is a mismatch only when the script was read whole:
    if a call was refused, a model is built where static reading cannot follow, or the reading was cut,
    the model_dir may come from that -- said, instead of a mismatch that may be wrong."""
    reading = report.reading
    doubt = reading.unfollowed + reading.gaps + [f"not checked: {r}" for r in report.refusals]
    bad = next((r for r in report.results if r.findings), None)
    if bad is None or not doubt:
        return
    closest = bad.verdict.split("; the closest is ", 1)[-1]
    raise CheckpointError(
        f"{bad.checkpoint} fits none of the calls static reading follows in {reading.name} (the closest is "
        f"{closest}), and static reading cannot tell what the script builds elsewhere: {doubt[0]}"
        + ("" if doubt[0].endswith("use --build") else "; use --build")
    )


def _best(info: CheckpointInfo, usable: list[Setup]) -> CheckResult:
    stored = stored_variables(info)
    shapes = {n: v.shape for n, v in stored.items()}
    tried = []
    for order, s in enumerate(usable):
        assert s.config is not None
        cfg, assumed = _from_checkpoint(s.config, shapes, info)
        expected, unknowns = _expected(cfg, s.candidate)
        result = compare(info, expected, stored)
        tried.append((len(result.findings), not s.candidate.by_default, order, result, assumed, unknowns, s))
    count, _, _, result, assumed, unknowns, best = min(tried, key=lambda t: t[:3])
    result.assumptions = assumed + _settled(unknowns, shapes)
    label = best.candidate.label
    if count == 0:
        others = [t[6].candidate.label for t in tried if t[0] == 0 and t[6] is not best]
        result.verdict = f"fits {label}" + (f" (also {', '.join(others)})" if others else "")
        if not best.candidate.by_default and len(usable) > 1:
            result.verdict += "; not the call the flags' defaults reach"
    else:
        result.verdict = f"fits no call of the script; the closest is {label} ({count} findings)"
    return result


def _from_checkpoint(cfg: EstimatorConfig, shapes: dict, info: CheckpointInfo) -> tuple[EstimatorConfig, list[str]]:
    """Feature keys that come from the data: a linear model's are named by its weights; a DNN's only
    count in its input layer's width (named by its .meta graph when there is one)."""
    assumed = []
    keyed = [c for c in cfg.linear_columns if isinstance(c.name, DataKey)]
    if keyed:
        known = {c.name for c in cfg.linear_columns if not isinstance(c.name, DataKey)}
        found = sorted(
            n[len(_LINEAR) : -len("/weights")] for n, s in shapes.items()
            if n.startswith(_LINEAR) and n.endswith("/weights") and n.count("/") == 3 and len(s) == 2 and s[0] == 1
            and n[len(_LINEAR) : -len("/weights")] not in known
        )  # fmt: skip
        cols = [c for c in cfg.linear_columns if not isinstance(c.name, DataKey)] + [numeric_column(n) for n in found]
        cfg = dataclasses.replace(cfg, linear_columns=cols)
        assumed.append(f"feature keys come from the data ({keyed[0].name.where}): the checkpoint's "  # type: ignore[attr-defined]
                       f"{', '.join(found) or 'none'} were used")  # fmt: skip
    keyed = [c for c in cfg.dnn_columns if isinstance(c.name, DataKey)]
    if keyed:
        where = keyed[0].name.where  # type: ignore[attr-defined]
        unknown = Unknown("feature keys from the data", where)
        cols = [c for c in cfg.dnn_columns if not isinstance(c.name, DataKey)]
        cols.append(Column(keyed[0].name, "numeric", dense_dim=unknown, rows=unknown))  # type: ignore[arg-type]
        kernel = shapes.get("dnn/hiddenlayer_0/kernel")
        width = sum(c.dense_dim or 0 for c in cols[:-1] if isinstance(c.dense_dim, int))
        names = [n for n in _input_names(info) if n not in {c.name for c in cols}]
        if names:
            assumed.append(f"feature keys come from the data ({where}): the checkpoint's {', '.join(names)} were used")
        elif kernel:
            assumed.append(f"feature keys come from the data ({where}): the checkpoint's input layer takes "
                           f"{kernel[0] - width} of them (no file here names them)")  # fmt: skip
        cfg = dataclasses.replace(cfg, dnn_columns=cols)
    return cfg, assumed


def _input_names(info: CheckpointInfo) -> list[str]:
    """The feature columns a DNN's input layer reads, from the checkpoint's .meta graph if it has one."""
    meta = locate(info.prefix).plus(".meta")
    if not is_file(meta):
        return []
    from ckpt_browser.core.tf.graph import read_meta

    try:
        ops = read_meta(meta).ops
    except CheckpointError:
        return []
    prefix = f"dnn/{INPUT_LAYER}/"
    names: list[str] = []
    for name, _ in ops:
        if name.startswith(prefix):
            part = name[len(prefix) :].split("/")[0]
            if "/" in name[len(prefix) :] and part not in names and not part.startswith("concat"):
                names.append(part)
    # TF 2's feature columns build their ops in a second, uniquified scope (PetalLength_1): when every
    # name has such a suffix, it is that, not the feature's name
    if names and all(re.search(r"_\d+$", n) for n in names):
        names = [re.sub(r"_\d+$", "", n) for n in names]
    return names


def _expected(cfg: EstimatorConfig, candidate: Candidate) -> tuple[Expected, list[tuple[Unknown, str, int]]]:
    """What the config writes; sizes the data decides are unknown dims, matched by any stored size."""
    ev = expected_variables(cfg)
    unknowns: list[tuple[Unknown, str, int]] = []
    for n, v in ev.items():
        dims: tuple = v.shape  # ints, and Unknown sizes the data decides
        unknowns += [(d, n, i) for i, d in enumerate(dims) if isinstance(d, Unknown)]
    variables: dict[str, tuple[tuple | None, str]] = {
        n: (tuple(None if isinstance(d, Unknown) else d for d in v.shape), v.dtype) for n, v in ev.items()
    }
    optional = {n for n, v in ev.items() if v.optimizer_scalar}
    for opt in cfg.optimizers():
        if not opt.v1:
            optional |= {f"training/{opt.scope}/{s}" for s in OPTIONAL_SCALARS}
    args = {k: v for k, v in candidate.source.items()}
    expected = Expected(candidate.label, variables, optional, cfg.describe(), cfg.kind, args)
    expected.vocabularies = vocabulary_variables(cfg)  # the advice's VocabInfo: vocabulary columns only
    return expected, unknowns


def _settled(unknowns: list[tuple[Unknown, str, int]], shapes: dict) -> list[str]:
    """Each size the data decides, and what the checkpoint says it is."""
    out: dict[int, str] = {}
    for u, name, dim in unknowns:
        if u.derived or u.why.startswith("feature keys from the data"):
            continue
        stored = shapes.get(name)
        if stored is not None and dim < len(stored):
            out[id(u)] = f"{u.why} ({u.where}): the checkpoint says {stored[dim]}"
        else:
            out.setdefault(id(u), f"{u.why} ({u.where}): the checkpoint does not say (it has no {name})")
    return list(dict.fromkeys(out.values()))


def is_script(spec: str) -> bool:
    """--against: a .py / .ipynb file, or text that is no existing path (a pasted script or call)."""
    import os

    from ckpt_browser.core.storage import is_remote

    if "\n" not in spec and spec.strip().endswith((".py", ".ipynb")):
        return True
    if is_remote(spec) or os.path.exists(spec) or os.path.exists(spec + ".index"):
        return False
    return True


def read_against(spec: str) -> Reading:
    """--against a .py / .ipynb file, or pasted text (a whole script or just the call): read in the
    script reader's worker process, under its time and memory limits (checks/script_worker.py)."""
    from ckpt_browser.core.checks.script_worker import read_isolated

    if spec.endswith((".py", ".ipynb")) and "\n" not in spec:
        p = Path(spec)
        if not p.is_file():
            raise CheckpointError(f"{spec}: no such file")
        return read_isolated(str(p.absolute()), True)
    return read_isolated(spec, False)
