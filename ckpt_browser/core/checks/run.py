"""What the Check tab runs and shows, without Qt: a model_dir against its own graphs or another
expectation, an error log explained, and both as rows of a report table."""

from __future__ import annotations

from typing import NamedTuple

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.checks.logparse import LogFinding, parse_log, resolve
from ckpt_browser.core.checks.mismatch import CheckResult, against, check_model_dir
from ckpt_browser.core.formats.reader import open_checkpoint
from ckpt_browser.core.model_dir.scan import ModelDir
from ckpt_browser.core.storage import locate

OWN, CONFIG, PATH, LOG = (
    "its own graph",
    "a training script or Estimator call",
    "another checkpoint, model_dir or .meta",
    "an error log",
)
RESULT_COLUMNS = ("Checkpoint", "Variable", "Finding", "In checkpoint", "Model wants")
LOG_COLUMNS = ("Message", "Variable", "Explanation")
LONG = 48  # a damaged checkpoint's reason is shortened in its cell (whole in the tooltip)


class ReportRow(NamedTuple):
    cells: tuple[str, ...]  # as shown (long texts shortened)
    full: tuple[str, ...]  # whole texts, for tooltips and copying
    bad: bool  # a finding, not an "ok": shown in red
    variable: str  # what a double-click selects in the tree ("" for none)


def run_check(model_dir: ModelDir, mode: str, text: str) -> list[CheckResult]:
    """The model_dir's checkpoints against their own graphs (OWN) or against what text names."""
    if mode == CONFIG:  # a script file, or pasted text (a whole script or just the call): every call it reaches
        from ckpt_browser.core.checks.script_check import check_script, read_against

        return check_script(model_dir, read_against(text.strip())).results
    expected = None if mode == OWN else against(text.strip())
    return check_model_dir(model_dir, expected)


def explain_log(prefix, text: str) -> list[LogFinding]:
    """TensorFlow's error messages in text, resolved against the checkpoint's variables."""
    stored = {v.name: v.shape for v in open_checkpoint(prefix).variables()}
    findings = resolve(parse_log(text), stored, locate(prefix).plus(".meta"))
    if not findings:
        raise CheckpointError("no TensorFlow shape, dtype or missing-key message found in this text")
    return findings


def shape_text(shape) -> str:
    return "—" if shape is None else "[" + ", ".join(str(d) for d in shape) + "]"


def result_rows(results: list[CheckResult]) -> list[ReportRow]:
    """Damaged checkpoints first, then each finding, then what is compatible."""
    full = [(r.checkpoint, "—", "damaged", r.error or "", "—") for r in results if r.error]
    full += [(r.checkpoint, f.variable, f.kind.replace("_", " "), f.checkpoint or "—", f.model or "—")
             for r in results for f in r.findings]  # fmt: skip
    full += [(r.checkpoint, name, "ok", shape_text(r.stored_shapes.get(name)), "same")
             for r in results for name in r.compatible]  # fmt: skip
    return [
        ReportRow(
            tuple(v if c != 3 or len(v) <= LONG else v[: LONG - 1] + "…" for c, v in enumerate(row)),
            row,
            row[2] != "ok",
            row[1] if row[1] != "—" else "",
        )
        for row in full
    ]


def log_rows(findings: list[LogFinding]) -> list[ReportRow]:
    out = []
    for f in findings:
        for v in f.variables or [""]:
            row = (f.kind.replace("_", " "), v, f.explain())
            out.append(ReportRow(row, row, False, v))
    return out
