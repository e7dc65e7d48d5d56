"""`ckpt-browser health`: training health from the checkpoints of a model_dir or a folder of runs."""

from __future__ import annotations

import argparse
import json
import sys

from ckpt_browser.api.browse import _cluster
from ckpt_browser.cli import output as cli_output
from ckpt_browser.core.base.errors import CheckpointError, Unreachable
from ckpt_browser.core.formats.variables import display_name  # TF2 names less /.ATTRIBUTES/...


def add_parser(sub) -> None:
    p = sub.add_parser(
        "health", help="NaN/Inf, frozen and dead layers, update ratios, norms and alpha across checkpoints",
        description="PATH: a model_dir (every checkpoint), one checkpoint, a folder of runs, or a bucket URL. "
        "Model variables by default; --all adds optimizer state. Definitions and thresholds: docs/health.md. "
        "Exit 0 when nothing is wrong, 1 on a nan, inf, frozen, dead or unreadable finding, 2 on error "
        "or when nothing could be read.",
    )  # fmt: skip
    p.add_argument("path")
    p.add_argument("--json", action="store_true")
    p.add_argument("--all", action="store_true", help="optimizer state too")
    p.add_argument(
        "--no-alpha", action="store_true",
        help="skip alpha, the one costly figure (eigenvalues of every matrix): a quick gate on the rest",
    )  # fmt: skip


def _reports(path: str, include_all: bool, progress, spectral: bool = True, engine=None) -> tuple[list, bool]:
    """(reports, whether PATH was a folder of runs). engine: a Dask cluster's, or None (here)."""
    # deferred: start-up: loads google.protobuf, google_crc32c (+50 modules)
    from ckpt_browser.core.model_dir.contents import open_source
    from ckpt_browser.core.model_dir.runs import find_runs  # deferred: start-up: +14 modules

    # deferred: start-up: loads google.protobuf, google_crc32c, numpy (+154 modules)
    from ckpt_browser.core.values.health import health, model_dir_health

    try:
        source = open_source(path)
    except Unreachable:
        raise  # looking for runs below would ask the server again: a second timeout
    except CheckpointError:
        from ckpt_browser.core import storage  # deferred: start-up: +10 modules

        if not storage.is_dir(path):
            raise
        runs = find_runs(path)
        if not runs:
            raise
        return [
            model_dir_health(open_source(run).model_dir, include_all, progress, spectral, engine) for run in runs
        ], True
    if source.selected:
        where = str(source.model_dir.path)
        return [
            health([source.checkpoint()], include_all, progress, path=where, spectral=spectral, engine=engine)
        ], False
    return [model_dir_health(source.model_dir, include_all, progress, spectral, engine)], False


def _ratio(x: float | None) -> str:
    return "–" if x is None else f"{x:.3g}"


def _print(report) -> None:
    print(report.path)
    rows = [("checkpoint", "step", "variables", "NaN", "Inf", "max update ratio", "of")]
    for c in report.checkpoints:
        if c.error:
            rows.append((c.name, "" if c.step is None else str(c.step), "–", "", "", c.error, ""))
            continue
        ratios = [(v.update_ratio, v.display_name or v.name) for v in c.variables if v.update_ratio is not None]
        top = max(ratios) if ratios else (None, "")
        rows.append((
            c.name, "" if c.step is None else str(c.step), str(len(c.variables)),
            f"{sum(v.nan for v in c.variables):,}", f"{sum(v.inf for v in c.variables):,}", _ratio(top[0]),
            display_name(top[1]),
        ))  # fmt: skip
    cli_output.print_table(rows)
    if report.findings:
        print("findings:")
        rows = [(f.kind, display_name(f.variable), f.checkpoint, f.detail) for f in report.findings]
        cli_output.print_table(rows)
    print(report.summary())


def cmd_health(ns: argparse.Namespace) -> int:
    progress, on_tasks = cli_output.progress_lines(ns)
    with _cluster(ns.dask, on_tasks) as engine:
        reports, runs = _reports(ns.path, ns.all, progress, spectral=not ns.no_alpha, engine=engine)
    if progress or on_tasks:
        print(file=sys.stderr)
    if ns.json:
        out = {"runs": [r.to_json() for r in reports]} if runs else reports[0].to_json()
        if runs:
            out["summary"] = _runs_summary(reports)
        print(json.dumps(cli_output.finite_or_text(out), indent=2, allow_nan=False))
    else:
        for i, r in enumerate(reports):
            if i:
                print()
            _print(r)
    if all(r.read_nothing for r in reports):  # a report of health on nothing read is no report
        first = next(f for r in reports for f in r.findings if f.kind == "unreadable")
        where = f"{first.checkpoint}: " if first.variable else ""
        print(f"ckpt-browser health: nothing could be read ({where}{first.detail})"[:1000], file=sys.stderr)
        return cli_output.EXIT_ERROR
    return cli_output.EXIT_DIFFERENT if any(r.failing for r in reports) else cli_output.EXIT_OK


def _runs_summary(reports: list) -> str:
    gating = sum(any(f.kind in ("nan", "inf", "frozen", "dead") for f in r.findings) for r in reports)
    out = f"{len(reports)} runs, {gating} with a nan, inf, frozen or dead finding"
    unreadable = sum(bool(r.unreadable) for r in reports)
    return out + (f", {unreadable} with something unreadable" if unreadable else "")
