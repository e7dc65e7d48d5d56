"""The headless commands that check a model: run (restore into the .meta graph), check, verify."""

from __future__ import annotations

import argparse
import json
import sys

from ckpt_browser import cli_output
from ckpt_browser.core.errors import CheckpointError


def cmd_run(ns: argparse.Namespace) -> int:
    import numpy as np

    from ckpt_browser.core.tf.graph import RestoredGraph, parse_values
    from ckpt_browser.core.values.diff import resolve_checkpoint
    from ckpt_browser.core.values.slicing import to_jsonable

    feeds = {}
    for item in ns.feed:
        name, sep, values = item.partition("=")
        if not sep or not name:
            raise CheckpointError(f"--feed {item!r}: expected NAME=VALUES")
        feeds[name.strip()] = parse_values(values)
    graph = RestoredGraph(resolve_checkpoint(ns.path))
    try:
        value = graph.run(ns.fetch, feeds)
    finally:
        graph.close()
    fetch = ns.fetch if ":" in ns.fetch else ns.fetch + ":0"
    dtype = "string" if value.dtype.kind == "O" else value.dtype.name
    if ns.json:
        out = {"fetch": fetch, "shape": list(value.shape), "dtype": dtype, "value": to_jsonable(value)}
        print(json.dumps(cli_output.finite_or_text(out), indent=2, allow_nan=False))
    else:
        print(f"{fetch}  {list(value.shape)}  {dtype}")
        with np.printoptions(threshold=1000, linewidth=100):
            print(cli_output.printable(value))
    return cli_output.EXIT_OK


def cmd_check(ns: argparse.Namespace) -> int:
    from ckpt_browser.core.checks.mismatch import against, check_model_dir, compare
    from ckpt_browser.core.checks.script_check import check_script, is_script, read_against
    from ckpt_browser.core.model_dir.contents import open_source

    source = open_source(ns.path)
    md = source.model_dir
    if source.selected and md.find(source.selected) and md.find(source.selected).format == "keras":
        from ckpt_browser.cli_keras import cmd_check_load, cmd_check_model

        if ns.against:
            return cmd_check_load(md.find(source.selected), ns.against, ns.json)
        return cmd_check_model(md.find(source.selected), ns.json)
    models = [c for c in md.checkpoints if c.format == "keras"]
    if models and len(models) == len(md.checkpoints) and not ns.against and not ns.log:
        from ckpt_browser.cli_keras import cmd_check_models

        return cmd_check_models(models, ns.json)  # a folder of Keras / TF.js files
    if ns.against and is_script(ns.against):  # a training script (file or text): every call it can reach
        reading = read_against(ns.against)
        results = check_script(md, reading, [source.checkpoint()] if source.selected else None).results
        return _report(ns, md, source, results, reading)
    expected = against(ns.against) if ns.against else None
    if source.selected:  # a single checkpoint was named
        info = source.checkpoint()
        if expected is None:
            from ckpt_browser.core.checks.mismatch import own_graph

            expected = own_graph(info, md.path)
            if expected is None:
                raise CheckpointError(f"{info.name} has no .meta and {md.path} no graph.pbtxt to check against")
        results = [compare(info, expected)]
    else:
        results = check_model_dir(md, expected)
    return _report(ns, md, source, results, None)


def _report(ns: argparse.Namespace, md, source, results: list, reading) -> int:
    from pathlib import Path

    from ckpt_browser.core.checks.logparse import parse_log, resolve
    from ckpt_browser.core.checks.report import advice, summary
    from ckpt_browser.core.reader import open_checkpoint
    from ckpt_browser.core.storage import as_path

    log_findings = []
    if ns.log:
        try:
            text = sys.stdin.read() if ns.log == "-" else Path(ns.log).read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise CheckpointError(f"cannot read {ns.log}: {exc.strerror}") from exc
        info = source.checkpoint()
        stored = {v.name: v.shape for v in open_checkpoint(info.prefix).variables()}
        meta = as_path(str(info.prefix) + ".meta")
        log_findings = resolve(parse_log(text), stored, meta)
    text_summary = summary(results) if results or not ns.log else ""
    if ns.json:
        out = {"checkpoints": [r.to_json() for r in results], "summary": text_summary}
        if reading is not None:
            out["script"] = {
                "files": reading.files,
                "calls": [
                    {"call": c.label, "estimator": c.kind, "by_default": c.by_default} for c in reading.candidates
                ],
                "notes": results[0].notes if results else [],
            }
        if ns.log:
            out["log"] = [
                {"kind": f.kind, "message": f.text, "variables": f.variables, "explanation": f.explain()}
                for f in log_findings
            ]
        print(json.dumps(out, indent=2))
    else:
        if log_findings:  # what the log says first: it is what the user came with
            print(f"The log names {len(log_findings)} problem(s):")
            for f in log_findings:
                print(f"  - {f.explain()}")
            print()
        if text_summary:
            print(text_summary)
        for r in results:
            print(f"\n{r.checkpoint} against {r.against}: {r.status}" + (f" ({r.error})" if r.error else ""))
            for a in r.assumptions:
                print(f"  assumed: {a}")
            rows = [("variable", "finding", "checkpoint", "model")]
            rows += [(f.variable, f.kind, f.checkpoint or "-", f.model or "-") for f in r.findings]
            if r.findings:
                cli_output.print_table(rows)
        bad = [r for r in results if r.findings]
        if bad:
            print("\n" + advice(bad[-1], md.path))
    broken = [r for r in results if r.error]
    if broken:
        more = f" (and {len(broken) - 1} more)" if len(broken) > 1 else ""
        print(f"ckpt-browser check: {broken[0].checkpoint} is damaged: {broken[0].error}{more}", file=sys.stderr)
        return cli_output.EXIT_ERROR
    mismatch = any(r.findings for r in results) or bool(log_findings)
    return cli_output.EXIT_DIFFERENT if mismatch else cli_output.EXIT_OK


def cmd_verify(ns: argparse.Namespace) -> int:
    from ckpt_browser.core.model_dir.contents import open_source
    from ckpt_browser.core.values.verify import CORRUPT, UNREADABLE, verify, verify_model_dir

    source = open_source(ns.path)
    progress = cli_output.stderr_progress() if sys.stderr.isatty() and not ns.json else None
    report = (
        verify([source.checkpoint()], progress) if source.selected else verify_model_dir(source.model_dir, progress)
    )
    if progress is not None:
        print(file=sys.stderr)
    if ns.json:
        print(json.dumps(report.to_json(), indent=2))
    else:
        for v in report.verdicts:
            detail = v.error or f"{v.tensors} tensors, {v.bytes:,} bytes" + (f", {v.opaque} opaque" if v.opaque else "")
            print(f"{v.name}  {v.status}  {detail}")
            for line in v.problems:
                print(f"  {line}")
        print(report.summary())
    if report.count(UNREADABLE):
        bad = next(v for v in report.verdicts if v.status == UNREADABLE)
        print(f"ckpt-browser verify: {bad.name}: {bad.error}", file=sys.stderr)
        return cli_output.EXIT_ERROR
    return cli_output.EXIT_DIFFERENT if report.count(CORRUPT) else cli_output.EXIT_OK
