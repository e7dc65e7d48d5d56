"""The words around a check's findings: a plain-language summary, what to do (a WarmStartSettings
snippet for the Estimator that was checked, VocabInfo where a vocabulary changed), a Markdown report."""

from __future__ import annotations

import re
from pathlib import Path

from ckpt_browser.core.mismatch import CheckResult
from ckpt_browser.core.variables import OPTIMIZER, classify


def dnn_layout(shapes: dict[str, tuple | None]) -> dict | None:
    """hidden_units, input features and logits read off dnn/... shapes, if it is a DNN."""
    units, inputs, i = [], None, 0
    while (k := shapes.get(f"dnn/hiddenlayer_{i}/kernel")) is not None and len(k) == 2:
        if i == 0:
            inputs = k[0]
        units.append(k[1])
        i += 1
    logits = shapes.get("dnn/logits/kernel")
    if not units or logits is None or len(logits) != 2:
        return None
    return {"hidden_units": units, "inputs": inputs, "logits": logits[1]}


def _layout_text(layout: dict) -> str:
    classes = layout["logits"] if layout["logits"] > 1 else 2
    return (
        f"hidden_units={layout['hidden_units']} and {layout['inputs']} input features "
        f"({layout['logits']} logits, i.e. {classes} classes or outputs)"
    )


def summary(results: list[CheckResult]) -> str:
    broken = [r for r in results if r.error]
    note = (
        f" {len(broken)} could not be checked, being damaged: "
        + "; ".join(f"{r.checkpoint} ({r.error})" for r in broken)
        + "."
        if broken
        else ""
    )
    results = [r for r in results if not r.error]
    bad = [r for r in results if r.findings]
    if not results:
        return (
            "Nothing to check: no checkpoint here has a graph (.meta or graph.pbtxt) to compare with." + note
        ).strip()
    if not bad:
        n = len(results)
        return f"All {n} readable checkpoint{'s' if n != 1 else ''} are compatible with {_against(results)}.{note}"
    lines = []
    first = bad[0]
    stored = dnn_layout(first.stored_shapes)
    wanted = dnn_layout({n: s for n, (s, _) in first.expected.variables.items()})
    if stored and wanted and stored != wanted:
        changes = []
        if stored["hidden_units"] != wanted["hidden_units"]:
            changes.append(
                f"hidden_units: {stored['hidden_units']} in the checkpoint, {wanted['hidden_units']} in the model"
            )
        if stored["inputs"] != wanted["inputs"]:
            changes.append(f"input features: {stored['inputs']} vs {wanted['inputs']}")
        if stored["logits"] != wanted["logits"]:
            changes.append(f"logits (n_classes or label_dimension): {stored['logits']} vs {wanted['logits']}")
        lines.append(
            f"The checkpoint was trained with {_layout_text(stored)}; the model asks for "
            f"hidden_units={wanted['hidden_units']} and {wanted['inputs']} input features. "
            + "Changed: "
            + "; ".join(changes)
            + "."
        )
    elif first.expected.description:
        lines.append(f"The model is {first.expected.description}.")
    kinds = {f.kind for r in bad for f in r.findings}
    count = sum(len(r.findings) for r in bad)
    lines.append(
        f"{len(bad)} of {len(results)} checkpoints do not fit {_against(results)}: "
        f"{', '.join(r.checkpoint for r in bad)} ({count} findings: {', '.join(sorted(kinds))})."
    )
    ok = [r.checkpoint for r in results if not r.findings]
    if ok:
        lines.append(f"Compatible: {', '.join(ok)}.")
    if any(r.expected.label.startswith("its own graph") for r in bad):
        lines.append(
            "A checkpoint whose own graph declares other shapes than it stores was written by a "
            "model that changed after it restored older values: TensorFlow 2 raised no error and "
            "kept training the old shapes."
        )
    return " ".join(lines) + note


def _against(results: list[CheckResult]) -> str:
    labels = {r.against for r in results}
    if all(label.startswith("its own graph") for label in labels):
        return "their own graphs"
    return labels.pop() if len(labels) == 1 else "the model"


def advice(result: CheckResult, model_dir: Path) -> str:
    """What to do, as text with a snippet to copy."""
    if not result.findings:
        return "Nothing to do: the checkpoint fits."
    stored = set(result.stored_shapes)
    keep = sorted(
        n for n in result.compatible
        if n in stored and classify(n, stored)[0] not in (OPTIMIZER,) and n != "global_step"
    )  # fmt: skip
    regex = "^(" + "|".join(re.escape(n) for n in keep) + ")$" if keep else None
    lines = [
        "Either train the changed model in a new model_dir (the old checkpoints stay as they are),",
        "or start a new model_dir warm-started from this checkpoint, keeping exactly the variables",
        "that still fit (optimizer state and global_step start fresh):",
        "",
    ]
    if regex:
        lines += [
            "ws = tf.estimator.WarmStartSettings(",
            f"    ckpt_to_initialize_from={str(result.prefix)!r},",
            f"    vars_to_warm_start={regex!r},",
            ")",
            "estimator = tf.estimator.DNNClassifier(..., model_dir=NEW_MODEL_DIR, warm_start_from=ws)",
        ]
    else:
        lines.append("(no model variable of the checkpoint fits the model: warm-starting would keep nothing)")
    return "\n".join(lines)


def markdown_report(results: list[CheckResult], model_dir: Path) -> str:
    out = [f"# Checkpoint check: {model_dir}", "", summary(results), ""]
    for r in results:
        out += [f"## {r.checkpoint} against {r.against}: {r.status}", ""]
        if r.findings:
            out += ["| variable | finding | checkpoint | model |", "|---|---|---|---|"]
            out += [f"| `{f.variable}` | {f.kind} | {f.checkpoint or '—'} | {f.model or '—'} |" for f in r.findings]
            out += ["", "```python", advice(r, model_dir), "```", ""]
    return "\n".join(out)
