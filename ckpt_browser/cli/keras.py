"""The headless text for a Keras file or TF.js model: its summary, and what `check` found on it."""

from __future__ import annotations

from typing import Any

from ckpt_browser.cli import output as cli_output
from ckpt_browser.cli.fit import fit_rows, wrap


def print_summary(rep: Any, width: int | None = None) -> None:
    """Layers in order as model.summary() lists them, then what to know before loading."""
    rows = [("layer", "class", "output", "params", "trainable", "optimizer")]
    for r in rep.layers:
        rows.append((r.name, r.class_name, r.output, f"{r.params:,}", f"{r.trainable:,}", f"{r.optimizer:,}"))
    print()
    cli_output.print_table(fit_rows(rows, width))
    total = sum(r.params for r in rep.layers)
    trainable = sum(r.trainable for r in rep.layers)
    print(f"Params: {total:,} (trainable {trainable:,}, non-trainable {total - trainable:,}) · "
          f"optimizer state: {sum(r.optimizer for r in rep.layers):,}")  # fmt: skip
    for f in rep.findings:
        print(wrap(f"{'warning' if f.warning else 'note'}: {f.text}", width, "  "))


def print_check(checked: Any, width: int | None = None) -> None:
    """check on a Keras file (its load pitfalls), a folder of them, or WEIGHTS --against MODEL."""
    parts = checked.parts
    if checked.kind == "keras_load":
        plan = parts["plan"]
        print(f"{parts['info'].name} into {parts['model'].name}, {plan.rule}:")
        rows = [("model layer", "file layer", "", "")]
        rows += [(p.model_layer or "—", p.file_layer or "—", p.status, p.detail) for p in plan.pairs]
        cli_output.print_table(rows)
        print("loads" if plan.loads else f"load_weights fails: {plan.error}" if plan.error else "loads, with gaps")
        for line in plan.advice:
            print(f"  {line}")
    elif checked.kind == "keras_models":
        for info, rep in parts["reports"]:
            warnings = [f for f in rep.findings if f.warning]
            print(f"{info.name}: " + (f"{len(warnings)} problem(s) for loading it again" if warnings else "ok"))
            for f in rep.findings:
                print(wrap(f"{'warning' if f.warning else 'note'} ({f.kind}, {f.where}): {f.text}", width, "  "))
    else:
        info, rep = parts["info"], parts["report"]
        warnings = [f for f in rep.findings if f.warning]
        print(f"{info.name}: {len(warnings)} problem(s) for loading it again" if warnings else f"{info.name}: ok")
        for f in rep.findings:
            print(wrap(f"{'warning' if f.warning else 'note'} ({f.kind}, {f.where}): {f.text}", width, "  "))
