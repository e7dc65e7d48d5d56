"""The headless answers for a Keras file or TF.js model: its summary, and `check` on it."""

from __future__ import annotations

import json

from ckpt_browser import cli_output


def model_report(info):
    from ckpt_browser.core.checks.keras_checks import report
    from ckpt_browser.core.reader import open_checkpoint

    return report(open_checkpoint(info.prefix))


def print_summary(rep, width: int | None = None) -> None:
    """Layers in order as model.summary() lists them, then what to know before loading."""
    from ckpt_browser.cli_fit import fit_rows, wrap

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


def cmd_check_load(info, against: str, as_json: bool) -> int:
    """check WEIGHTS --against MODEL: would load_weights put these weights into that model?"""
    from ckpt_browser.core.checks.keras_load import load_plan
    from ckpt_browser.core.errors import CheckpointError
    from ckpt_browser.core.model_dir.contents import open_source
    from ckpt_browser.core.reader import open_checkpoint

    source = open_source(against)
    model = source.model_dir.find(source.selected) if source.selected else None
    if model is None or model.format != "keras":
        raise CheckpointError(
            f"{against[:200]}: --against for a Keras file takes a model file (.keras, .h5, model.json)"
        )
    plan = load_plan(open_checkpoint(info.prefix), open_checkpoint(model.prefix))
    if as_json:
        print(json.dumps({"file": info.name, "model": model.name, **plan.to_json()}, indent=2))
    else:
        print(f"{info.name} into {model.name}, {plan.rule}:")
        rows = [("model layer", "file layer", "", "")]
        rows += [(p.model_layer or "—", p.file_layer or "—", p.status, p.detail) for p in plan.pairs]
        cli_output.print_table(rows)
        print("loads" if plan.loads else f"load_weights fails: {plan.error}" if plan.error else "loads, with gaps")
        for line in plan.advice:
            print(f"  {line}")
    return cli_output.EXIT_OK if plan.loads else cli_output.EXIT_DIFFERENT


def cmd_check_models(infos, as_json: bool) -> int:
    """check on a folder of model files: each file's findings; exit 1 if any has a problem."""
    reports = [(info, model_report(info)) for info in infos]
    bad = [info.name for info, rep in reports if any(f.warning for f in rep.findings)]
    if as_json:
        out = {"files": [{"file": info.name, **rep.to_json()} for info, rep in reports], "problems": bad}
        print(json.dumps(out, indent=2))
    else:
        for info, rep in reports:
            warnings = [f for f in rep.findings if f.warning]
            print(f"{info.name}: " + (f"{len(warnings)} problem(s) for loading it again" if warnings else "ok"))
            for f in rep.findings:
                print(f"  {'warning' if f.warning else 'note'} ({f.kind}, {f.where}): {f.text}")
    return cli_output.EXIT_DIFFERENT if bad else cli_output.EXIT_OK


def cmd_check_model(info, as_json: bool) -> int:
    """check on a model file: exit 1 when something will go wrong on loading (a Lambda, custom
    objects, weights that look untrained, the binary_crossentropy accuracy pitfall)."""
    rep = model_report(info)
    warnings = [f for f in rep.findings if f.warning]
    if as_json:
        print(json.dumps({"file": info.name, **rep.to_json()}, indent=2))
    else:
        print(f"{info.name}: {len(warnings)} problem(s) for loading it again" if warnings else f"{info.name}: ok")
        for f in rep.findings:
            print(f"  {'warning' if f.warning else 'note'} ({f.kind}, {f.where}): {f.text}")
    return cli_output.EXIT_DIFFERENT if warnings else cli_output.EXIT_OK
