"""The words around a check's findings: a plain-language summary, what to do (a WarmStartSettings
snippet for the Estimator that was checked, VocabInfo where a vocabulary changed), a Markdown report."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping
from pathlib import Path

from ckpt_browser.core.checks.mismatch import CheckResult, Expected
from ckpt_browser.core.checks.script import Reading
from ckpt_browser.core.formats.variables import OPTIMIZER, classify
from ckpt_browser.core.storage import Location


def dnn_layout(shapes: Mapping[str, tuple | None]) -> dict | None:
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


def _layout_text(layout: dict, estimator: str | None) -> str:
    k = layout["logits"]
    if estimator and estimator.endswith("Regressor"):
        head = f"{k} output{'s' if k != 1 else ''}"  # a regressor's logits are its label_dimension
    elif estimator and estimator.endswith("Classifier"):
        head = f"{k} logits, i.e. {k if k > 1 else 2} classes"
    else:
        head = f"{k} logits: {k if k > 1 else 2} classes, or {k} output{'s' if k != 1 else ''} of a regressor"
    return f"hidden_units={layout['hidden_units']} and {layout['inputs']} input features ({head})"


def summary(results: list[CheckResult]) -> str:
    if any(r.verdict for r in results):  # against a training script: which call each checkpoint fits
        return script_summary(results)
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
    if not results and broken:
        return "None of the checkpoints could be checked, being damaged: " + note.split(": ", 1)[1]
    if not results:
        return "Nothing to check: no checkpoint here has a graph (.meta or graph.pbtxt) to compare with."
    if not bad:
        n = len(results)
        return f"All {n} readable checkpoint{'s' if n != 1 else ''} are compatible with {_against(results)}.{note}"
    lines = changes(bad[0])
    kinds = {f.kind for r in bad for f in r.findings}
    count = sum(len(r.findings) for r in bad)
    lines.append(
        f"{len(bad)} of {len(results)} checkpoints do not fit {_against(results)}: "
        f"{', '.join(r.checkpoint for r in bad)} ({count} findings: {', '.join(sorted(kinds))})."
    )
    ok = [r.checkpoint for r in results if not r.findings]
    if ok:
        lines.append(f"Compatible: {', '.join(ok)}.")
    if any(r.expected is not None and r.expected.label.startswith("its own graph") for r in bad):
        lines.append(
            "A checkpoint whose own graph declares other shapes than it stores was written by a "
            "model that changed after it restored older values: TensorFlow 2 raised no error and "
            "kept training the old shapes."
        )
    return " ".join(lines) + note


def changes(first: CheckResult) -> list[str]:
    """What differs between the checkpoint and the model, in the user's words."""
    assert first.expected is not None  # a result with findings was compared with something
    lines = []
    head = None if first.expected.estimator else _head_of(first.prefix)
    estimator = first.expected.estimator or (f"DNN{head}" if head else None)
    stored = dnn_layout(first.stored_shapes)
    wanted = dnn_layout({n: s for n, (s, _) in first.expected.variables.items()})
    other = _other_changes(first, skip_logits=bool(stored and wanted and stored["logits"] != wanted["logits"]))
    if stored and wanted and stored != wanted:
        changes = []
        if stored["hidden_units"] != wanted["hidden_units"]:
            changes.append(
                f"hidden_units: {stored['hidden_units']} in the checkpoint, {wanted['hidden_units']} in the model"
            )
        if stored["inputs"] != wanted["inputs"] and wanted["inputs"] is not None:
            changes.append(f"input features: {stored['inputs']} vs {wanted['inputs']}")
        if stored["logits"] != wanted["logits"]:
            changes.append(f"logits (n_classes or label_dimension): {stored['logits']} vs {wanted['logits']}")
        changes += other
        other = []
        inputs = wanted["inputs"] or "the data's"  # feature keys taken from the data: not a number
        lines.append(
            f"The checkpoint was trained with {_layout_text(stored, estimator)}; the model asks for "
            f"hidden_units={wanted['hidden_units']} and {inputs} input features. "
            + "Changed: "
            + "; ".join(changes)
            + "."
        )
    elif first.expected.description:
        lines.append(f"The model is {first.expected.description}.")
    if other:
        lines.append("Changed: " + "; ".join(other) + ".")
    return lines


def _against(results: list[CheckResult]) -> str:
    labels = {r.against for r in results}
    if all(label.startswith("its own graph") for label in labels):
        return "their own graphs"
    return labels.pop() if len(labels) == 1 else "the model"


def _classes(logits: int, estimator: str | None) -> str:
    if estimator and estimator.endswith("Regressor"):
        return str(logits)
    return "2" if logits == 1 else str(logits)


def _other_changes(result: CheckResult, skip_logits: bool) -> list[str]:
    """Linear features, embeddings and a linear model's classes, in the user's words."""
    exp = result.expected
    if exp is None:
        return []
    wanted = {n: s for n, (s, _) in exp.variables.items()}
    stored = result.stored_shapes
    out = []
    bias = "linear/linear_model/bias_weights"
    s, w = stored.get(bias), wanted.get(bias)
    if s and w and s != w and not skip_logits:
        what = "label_dimension" if exp.estimator and exp.estimator.endswith("Regressor") else "n_classes"
        out.append(
            f"{what}: {_classes(s[0], exp.estimator)} in the checkpoint, {_classes(w[0], exp.estimator)} in the model"
        )
    for name in sorted(set(stored) | set(wanted)):
        if name.startswith("training/") or name == bias:
            continue
        s, w = stored.get(name), wanted.get(name)
        if name.startswith("linear/linear_model/") and name.endswith("/weights"):
            label = f"feature {name.split('/')[2]}"
            if s is not None and w is not None and (s[0] == w[0] or w is None):
                continue
        elif name.endswith("/embedding_weights"):
            label = f"embedding {name.split('/')[-2].removesuffix('_embedding')}"
        else:
            continue
        if s is None:
            out.append(f"{label}: only in the model")
        elif w is None:
            out.append(f"{label}: only in the checkpoint")
        elif name.endswith("/embedding_weights") and s != w:
            parts = [
                f"vocabulary {s[0]} vs {w[0]}" if s[0] != w[0] else "",
                f"dimension {s[1]} vs {w[1]}" if s[1] != w[1] else "",
            ]
            out.append(f"{label}: " + ", ".join(p for p in parts if p))
        elif s[0] != w[0]:
            out.append(f"{label}: {s[0]} buckets vs {w[0]}")
    return out


def _estimator_lines(result: CheckResult) -> list[str]:
    """The constructor to train with: the checked call's class and arguments, where known."""
    exp = result.expected
    new = ["model_dir=NEW_MODEL_DIR", "warm_start_from=ws"]
    if exp is not None and exp.estimator and is_built(exp):  # built: the script's call, its words unknown
        return _call(f"estimator = tf.estimator.{exp.estimator}", ["...", *new])
    if exp is not None and exp.estimator:
        args = [f"{k}={v}" for k, v in exp.call_args.items() if k not in ("model_dir", "warm_start_from")]
        return _call(f"estimator = tf.estimator.{exp.estimator}", args + new)
    names = result.stored_shapes
    family = (
        "DNNLinearCombined"
        if any(n.startswith("dnn/") for n in names) and any(n.startswith("linear/") for n in names)
        else "Linear"
        if any(n.startswith("linear/") for n in names)
        else "DNN"
    )
    head = _head_of(result.prefix)
    if head is None:
        comment = f"  # or {family}Regressor: the Estimator you train"
        return _call(f"estimator = tf.estimator.{family}Classifier", ["...", *new], comment)
    return _call(f"estimator = tf.estimator.{family}{head}", ["...", *new])


def _head_of(prefix: Location) -> str | None:
    """Classifier or Regressor, from the checkpoint's graph: a classifier's head computes class_ids."""
    from ckpt_browser.core.base.errors import CheckpointError
    from ckpt_browser.core.storage import is_file, locate, read_whole

    for graph in (locate(prefix).plus(".meta"), locate(prefix).parent / "graph.pbtxt"):
        if is_file(graph):
            try:
                data = read_whole(graph, what="graph")
            except CheckpointError:
                continue
            if b"head" not in data:
                return None
            return "Classifier" if b"class_ids" in data else "Regressor"
    return None


def _vocab_changes(result: CheckResult) -> tuple[list[tuple[str, int, int]], list[str]]:
    """Model weights whose rows changed in number: those a vocabulary gives (VocabInfo carries the
    rows of the words both share), and those it cannot carry (hash buckets, crosses, buckets: a row
    is no word), which start fresh. Without the columns (a graph, a checkpoint), a cross is told by
    TensorFlow's `_X_` in its name and any other column is taken for a vocabulary, and said to be."""
    vocab, fresh = [], []
    known = result.expected.vocabularies if result.expected is not None else None
    for f in result.findings:
        if f.kind != "shape" or not f.variable.endswith(("/embedding_weights", "/weights")):
            continue
        if f.variable.startswith("training/") or f.variable.endswith("bias_weights"):
            continue
        stored = result.stored_shapes.get(f.variable)
        wanted = result.expected.variables.get(f.variable, (None, ""))[0] if result.expected else None
        if stored and wanted and len(stored) == len(wanted) == 2 and stored[1] == wanted[1] and stored[0] != wanted[0]:
            column = f.variable.rsplit("/", 2)[-2]
            words = f.variable in known if known is not None else "_X_" not in column
            if words:
                vocab.append((f.variable, stored[0], wanted[0]))
            else:
                fresh.append(f.variable)
    return vocab, fresh


WIDTH = 80  # the snippet is copied from a terminal: every line within 80 columns


def _literal(text: str, indent: str, head: str, tail: str, sep: str) -> list[str]:
    """`head` + repr(text) + `tail` on one line when it fits, else the string as adjacent literals
    (Python joins them) split after `sep`, one a line, inside parentheses."""
    line = f"{indent}{head}{text!r}{tail}"
    if len(line) <= WIDTH:
        return [line]
    inner, room = indent + "    ", WIDTH - len(indent) - 4
    pieces, piece = [], ""
    for part in re.split(f"(?<={re.escape(sep)})", text):
        if piece and len(repr(piece + part)) > room:
            pieces.append(piece)
            piece = ""
        piece += part
    pieces.append(piece)
    return [f"{indent}{head}("] + [f"{inner}{p!r}" for p in pieces] + [f"{indent}){tail}"]


def _call(head: str, args: list[str], comment: str = "") -> list[str]:
    """`head(args)` on one line when it fits, else its arguments packed on indented lines."""
    line = f"{head}({', '.join(args)})"
    if len(line + comment) <= WIDTH:
        return [line + comment]
    lines, current = [f"{head}("], "   "
    for i, arg in enumerate(args):
        part = f" {arg}" + ("," if i < len(args) - 1 else ")")
        if len(current) > 3 and len(current + part) > WIDTH:
            lines.append(current)
            current = "   "
        current += part
    lines.append(current)
    return lines + ([comment.strip()] if comment else [])


def is_built(exp: Expected) -> bool:
    """An expectation from build mode (checks/build_check.py)."""
    return exp.label.startswith("what ") and exp.label.endswith(" builds")


def advice(result: CheckResult, model_dir: Path) -> str:
    """What to do, as text with a snippet to copy; every line within 80 columns."""
    if not result.findings:
        return "Nothing to do: the checkpoint fits."
    if result.expected is not None and is_built(result.expected) and not result.expected.estimator:
        return (  # a tf.train.Checkpoint / Keras file: no WarmStartSettings
            "Either change the script back to what the checkpoint holds (the checkpoint\n"
            "column above), or train the changed model into a new folder (the old\n"
            "checkpoints stay as they are): restoring this checkpoint into the changed\n"
            "model fails on the variables above."
        )
    stored = set(result.stored_shapes)
    vocab, fresh = _vocab_changes(result)
    fits = {n for n in result.compatible if n in stored and n != "global_step"}
    keep = sorted(
        {n for n in fits if classify(n, stored)[0] != OPTIMIZER}
        | {v for v, _, _ in vocab}  # VocabInfo maps their rows to the new vocabulary
    )
    regex = "^(" + "|".join(re.escape(n) for n in keep) + ")$" if keep else None
    lines = [
        "Either train the changed model in a new model_dir (the old checkpoints stay as",
        "they are), or start a new model_dir warm-started from this checkpoint, keeping",
        "exactly the variables that still fit (optimizer state and global_step start",
        "fresh):",
        "",
    ]
    if regex:
        lines.append("ws = tf.estimator.WarmStartSettings(")
        lines += _literal(str(result.prefix), "    ", "ckpt_to_initialize_from=", ",", "/")
        lines += _literal(regex, "    ", "vars_to_warm_start=", ",", "|")
        if fresh:
            why = "Not warm-started, they start fresh: their rows are hash buckets, crosses or buckets, "
            why += "which no vocabulary maps (" + ", ".join(_leaf(v) for v in fresh) + ")."
            lines += _comment(why)
        if vocab:
            unsure = result.expected is None or result.expected.vocabularies is None
            lines.append("    # A vocabulary changed size: VocabInfo carries the rows of the words both")
            lines.append("    # vocabularies share (write each vocabulary to a file, one word a line,")
            lines.append("    # in its old and new order).")
            if unsure:
                lines += _comment("(If a column below is hashed, not a vocabulary, leave it out: it starts fresh.)")
            lines.append("    var_name_to_vocab_info={")
            for var, old, new in vocab:
                lines += _literal(var, "        ", "", ": tf.estimator.VocabInfo(", "/")
                lines += [
                    f"            new_vocab='NEW_VOCAB.txt', new_vocab_size={new}, num_oov_buckets=0,",
                    f"            old_vocab='OLD_VOCAB.txt', old_vocab_size={old}),",
                ]
            lines.append("    },")
        lines += [")", *_estimator_lines(result)]
    else:
        lines.append("(no model variable of the checkpoint fits the model: warm-starting would keep")
        lines.append("nothing)")
    return "\n".join(lines)


def _comment(text: str) -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent="    # ", subsequent_indent="    # ", break_long_words=False)


def _leaf(variable: str) -> str:
    """A weight named by its column: linear/linear_model/occupation/weights -> occupation."""
    parts = variable.split("/")
    return parts[-2] if len(parts) > 1 else variable


def markdown_report(results: list[CheckResult], model_dir: Path) -> str:
    out = [f"# Checkpoint check: {model_dir}", "", summary(results), ""]
    for r in results:
        out += [f"## {r.checkpoint} against {r.against}: {r.status}", ""]
        if r.verdict:
            out += [f"{r.checkpoint} {r.verdict}.", ""] + [f"- assumed: {a}" for a in r.assumptions]
            out += [""] if r.assumptions else []
        if r.findings:
            out += ["| variable | finding | checkpoint | model |", "|---|---|---|---|"]
            out += [f"| `{f.variable}` | {f.kind} | {f.checkpoint or '—'} | {f.model or '—'} |" for f in r.findings]
            out += ["", "```python", advice(r, model_dir), "```", ""]
    return "\n".join(out)


# -- against a training script: which call each checkpoint fits, what was assumed --------------


def script_notes(reading: Reading, labels: list[str], default: str | None, refusals: list[str]) -> list[str]:
    """What the script holds, said once for the whole report."""
    files = reading.files[0] + (f" (and {', '.join(reading.files[1:])})" if len(reading.files) > 1 else "")
    n = len(labels)
    head = f"{files}: {n} Estimator call{'s' if n != 1 else ''} can be reached: {'; '.join(labels)}"
    if default and n > 1:
        head += f"; the flags' defaults reach {default}"
    return [head + "."] + [f"Not checked: {r}." for r in refusals] + [f"Note: {x}." for x in reading.notes]


def script_summary(results: list[CheckResult]) -> str:
    """One paragraph: the script's calls, each checkpoint's verdict, assumptions, what changed."""
    checked = [r for r in results if r.verdict]
    lines = list(checked[0].notes) if checked else []
    by_verdict: dict[str, list[str]] = {}
    for r in checked:
        by_verdict.setdefault(r.verdict, []).append(r.checkpoint)
    for verdict, names in by_verdict.items():
        lines.append(f"{', '.join(names)}: {verdict}.")
    if checked and not any(r.findings for r in checked):
        n = len(checked)
        lines.append(f"All {n} readable checkpoints are" if n != 1 else "The checkpoint is")
        lines[-1] += " compatible with the script."
    assumed = list(dict.fromkeys(a for r in checked for a in r.assumptions))
    if assumed:
        lines.append("Assumed, from the checkpoint: " + "; ".join(assumed) + ".")
    bad = [r for r in checked if r.findings]
    if bad:
        what = "what the script builds" if bad[-1].expected and is_built(bad[-1].expected) else "any call of the script"
        lines.append(f"{len(bad)} of {len(checked)} checkpoints do not fit {what}.")
        lines += changes(bad[-1])
    broken = [r for r in results if r.error]
    if broken:
        lines.append(
            f"{len(broken)} could not be checked, being damaged: "
            + "; ".join(f"{r.checkpoint} ({r.error})" for r in broken)
            + "."
        )
    return "\n".join(lines)  # one point a line: read in a terminal as in the window
