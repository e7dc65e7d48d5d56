"""ckpt_browser.check: what `check` finds, as its JSON record, with what the CLI's text needs."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ckpt_browser.core.base.errors import CheckpointError, checkpoint_errors_only
from ckpt_browser.core.storage import Location, locate

EXIT_OK, EXIT_DIFFERENT, EXIT_ERROR = 0, 1, 2


@dataclass
class Checked:
    """One check's outcome: the record `check --json` prints, its exit code, and for the text
    output the objects it was made from."""

    kind: str  # "graph" (checkpoints against graphs or a spec), "keras_model", "keras_models", "keras_load"
    record: dict[str, Any]
    exit_code: int
    error_line: str | None = None  # what goes to stderr (a damaged checkpoint)
    parts: dict[str, Any] = field(default_factory=dict)


def run_check(
    path: str | os.PathLike[str] | Location,
    against: str | None = None,
    log: str | None = None,
    *,
    build: bool = False,
    python: str | os.PathLike[str] | None = None,
    script_args: Sequence[str] = (),
    timeout: float = 120.0,
    cancel: threading.Event | None = None,
) -> Checked:
    """log: the text of an error log to explain (TensorFlow's restore errors).

    build=True (only then): `against` is a training script (.py or .ipynb), run with `python`
    (default: this interpreter, when it has TensorFlow) and `script_args`, in its folder, up to the
    first point where it would train or save, within `timeout` seconds; the variables its writer
    writes there (into a temporary folder, removed afterwards) are what the checkpoints are
    compared with. `cancel` (a threading.Event) stops the run."""
    from ckpt_browser.core.model_dir.contents import open_source

    path = locate(path)  # parsed once: every step below is handed the Location
    if build:
        if not against:
            raise CheckpointError("--build needs --against SCRIPT (a .py or .ipynb training script)")
        return _check_built(open_source(path), against, python, tuple(script_args), timeout, cancel)
    source = open_source(path)
    md = source.model_dir
    selected = md.find(source.selected) if source.selected else None
    if selected is not None and selected.file_format.capabilities.model_config:
        return _check_load(selected, against) if against else _check_model(selected)
    models = [c for c in md.checkpoints if c.file_format.capabilities.model_config]
    if models and len(models) == len(md.checkpoints) and not against and log is None:
        return _check_models(models)  # a folder of Keras / TF.js files
    return _check_graphs(source, against, log)


def _check_graphs(source: Any, against: str | None, log: str | None) -> Checked:
    from ckpt_browser.core.checks.logparse import parse_log, resolve
    from ckpt_browser.core.checks.mismatch import against as expected_from
    from ckpt_browser.core.checks.mismatch import check_model_dir, compare, own_graph
    from ckpt_browser.core.checks.report import summary
    from ckpt_browser.core.checks.script_check import check_script, is_script, read_against
    from ckpt_browser.core.formats.reader import open_checkpoint

    md = source.model_dir
    reading = None
    if against and is_script(against):  # a training script (file or text): every call it can reach
        reading = read_against(against)
        results = check_script(md, reading, [source.checkpoint()] if source.selected else None).results
        expected = None
    else:
        expected = expected_from(against) if against else None
    if reading is not None:
        pass
    elif source.selected:  # a single checkpoint was named
        info = source.checkpoint()
        if expected is None:
            expected = own_graph(info, md.path)
            if expected is None:
                raise CheckpointError(f"{info.name} has no .meta and {md.path} no graph.pbtxt to check against")
        results = [compare(info, expected)]
    else:
        results = check_model_dir(md, expected)
    log_findings = []
    if log is not None:
        info = source.checkpoint()
        stored = {v.name: v.shape for v in open_checkpoint(info.prefix).variables()}
        log_findings = resolve(parse_log(log), stored, info.prefix.plus(".meta"))
    text_summary = summary(results) if results or log is None else ""
    record: dict[str, Any] = {"checkpoints": [r.to_json() for r in results], "summary": text_summary}
    if reading is not None:
        record["script"] = {
            "files": reading.files,
            "calls": [{"call": c.label, "estimator": c.kind, "by_default": c.by_default} for c in reading.candidates],
            "notes": results[0].notes if results else [],
        }
    if log is not None:
        record["log"] = [
            {"kind": f.kind, "message": f.text, "variables": f.variables, "explanation": f.explain()}
            for f in log_findings
        ]
    broken = [r for r in results if r.error]
    error_line = None
    if broken:
        more = f" (and {len(broken) - 1} more)" if len(broken) > 1 else ""
        error_line = f"{broken[0].checkpoint} is damaged: {broken[0].error}{more}"
        code = EXIT_ERROR
    else:
        code = EXIT_DIFFERENT if any(r.findings for r in results) or log_findings else EXIT_OK
    parts = {
        "results": results,
        "log_findings": log_findings,
        "log_given": log is not None,
        "summary": text_summary,
        "model_dir": md.path,
    }
    return Checked("graph", record, code, error_line, parts)


def _check_built(source: Any, script: str, python: Any, args: tuple[str, ...], timeout: float, cancel: Any) -> Checked:
    """check --build: the model_dir against what the script builds (core/checks/build*.py)."""
    from ckpt_browser.core.checks.build import build_variables
    from ckpt_browser.core.checks.build_check import check_built
    from ckpt_browser.core.checks.report import summary

    md = source.model_dir
    if not script.endswith((".py", ".ipynb")) or "\n" in script:
        raise CheckpointError(f"--build runs a training script: {script[:200]!r} is no .py or .ipynb file")
    infos = [source.checkpoint()] if source.selected else None
    if infos is None and not any(c.on_disk or c.in_state for c in md.checkpoints):
        raise CheckpointError(f"{md.path} holds no checkpoint to check")
    built = build_variables(script, python=python, args=args, timeout=timeout, cancel=cancel)
    results = check_built(md, built, infos)
    text_summary = summary(results)
    record: dict[str, Any] = {
        "checkpoints": [r.to_json() for r in results],
        "summary": text_summary,
        "script": {
            "files": [built.script],
            "calls": [{"call": built.stopped_at, "estimator": None, "by_default": True}],
            "notes": results[0].notes if results else [],
        },
        "built": built.to_json(),
    }
    broken = [r for r in results if r.error]
    error_line = None
    if broken:
        more = f" (and {len(broken) - 1} more)" if len(broken) > 1 else ""
        error_line = f"{broken[0].checkpoint} is damaged: {broken[0].error}{more}"
        code = EXIT_ERROR
    else:
        code = EXIT_DIFFERENT if any(r.findings for r in results) else EXIT_OK
    parts = {"results": results, "log_findings": [], "log_given": False, "summary": text_summary,
             "model_dir": md.path, "built": built}  # fmt: skip
    return Checked("graph", record, code, error_line, parts)


def model_report(info: Any) -> Any:
    """A Keras / TF.js file's layers and load pitfalls (core checks.keras_checks.report)."""
    from ckpt_browser.core.checks.keras_checks import report
    from ckpt_browser.core.formats.reader import open_checkpoint

    return report(open_checkpoint(info.prefix))


def _check_model(info: Any) -> Checked:
    """A model file: exit 1 when something will go wrong on loading it again."""
    rep = model_report(info)
    warnings = [f for f in rep.findings if f.warning]
    code = EXIT_DIFFERENT if warnings else EXIT_OK
    return Checked("keras_model", {"file": info.name, **rep.to_json()}, code, parts={"info": info, "report": rep})


def _check_models(infos: list[Any]) -> Checked:
    """A folder of model files: each file's findings; exit 1 if any has a problem."""
    reports = [(info, model_report(info)) for info in infos]
    bad = [info.name for info, rep in reports if any(f.warning for f in rep.findings)]
    record = {"files": [{"file": info.name, **rep.to_json()} for info, rep in reports], "problems": bad}
    return Checked("keras_models", record, EXIT_DIFFERENT if bad else EXIT_OK, parts={"reports": reports})


def _check_load(info: Any, against: str) -> Checked:
    """WEIGHTS against MODEL: would load_weights put these weights into that model?"""
    from ckpt_browser.core.checks.keras_load import load_plan
    from ckpt_browser.core.formats.reader import open_checkpoint
    from ckpt_browser.core.model_dir.contents import open_source

    source = open_source(against)
    model = source.model_dir.find(source.selected) if source.selected else None
    if model is None or not model.file_format.capabilities.model_config:
        raise CheckpointError(
            f"{against[:200]}: --against for a Keras file takes a model file (.keras, .h5, model.json)"
        )
    plan = load_plan(open_checkpoint(info.prefix), open_checkpoint(model.prefix))
    record = {"file": info.name, "model": model.name, **plan.to_json()}
    code = EXIT_OK if plan.loads else EXIT_DIFFERENT
    return Checked("keras_load", record, code, parts={"info": info, "model": model, "plan": plan})


@checkpoint_errors_only
def check(
    path: str | os.PathLike[str],
    against: str | None = None,
    log: str | None = None,
    *,
    build: bool = False,
    python: str | os.PathLike[str] | None = None,
    script_args: Sequence[str] = (),
    timeout: float = 120.0,
) -> dict[str, Any]:
    """What `check --json` prints: each checkpoint against its own graph, or against an Estimator
    call, a training script (read, never run), a checkpoint, model_dir or .meta (against=); log= the
    text of an error log to explain. A Keras file: its load pitfalls, or with against= a model file,
    whether load_weights fits. build=True (`check --build`): the script is run with `python` and
    `script_args` up to its first train or save, within `timeout` seconds, and the checkpoints are
    compared with what TensorFlow writes there (nothing is written where the script points)."""
    if not build:
        return run_check(path, against, log).record
    return run_check(path, against, log, build=True, python=python, script_args=script_args, timeout=timeout).record
