"""The headless commands that check a model: run (restore into the .meta graph), check, verify."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ckpt_browser.api.browse import _verify
from ckpt_browser.api.checks import run_check
from ckpt_browser.cli import output as cli_output
from ckpt_browser.cli.fit import fit_rows, terminal_width, wrap
from ckpt_browser.cli.keras import print_check
from ckpt_browser.core.base.errors import CheckpointError


def cmd_run(ns: argparse.Namespace) -> int:
    import numpy as np

    # deferred: start-up: loads google.protobuf, numpy (+132 modules)
    from ckpt_browser.core.tf.graph import RestoredGraph, parse_values

    # deferred: start-up: loads google.protobuf, google_crc32c, numpy (+148 modules)
    from ckpt_browser.core.values.diff import resolve_checkpoint
    from ckpt_browser.core.values.slicing import to_jsonable  # deferred: start-up: loads numpy (+100 modules)

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
        with np.printoptions(threshold=1000, linewidth=(terminal_width() or 101) - 1):
            print(cli_output.printable(value))
    return cli_output.EXIT_OK


def cmd_check(ns: argparse.Namespace) -> int:
    log = None
    if ns.log:
        try:
            log = sys.stdin.read() if ns.log == "-" else Path(ns.log).read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise CheckpointError(f"cannot read {ns.log}: {exc.strerror}") from exc
    if not ns.build and (ns.python or ns.timeout is not None or ns.script_args):
        raise CheckpointError("--python, --timeout and script arguments go with --build (which runs the script)")
    if ns.build and ns.log:
        raise CheckpointError("--build and --log: one at a time")
    if ns.timeout is not None and not ns.timeout > 0:
        raise CheckpointError(f"--timeout {ns.timeout:g}: a number of seconds above 0")
    kwargs = {}
    if ns.build:
        kwargs = {"build": True, "python": ns.python, "script_args": ns.script_args, "timeout": ns.timeout or 120.0}
    checked = run_check(ns.path, ns.against, log, **kwargs)
    if ns.json:
        print(json.dumps(checked.record, indent=2))
    elif checked.kind == "graph":
        _print_check(checked.parts, terminal_width(ns.wide))
    else:
        print_check(checked, terminal_width(ns.wide))
    if checked.error_line:
        print(f"ckpt-browser check: {checked.error_line}", file=sys.stderr)
    return checked.exit_code


def _print_check(parts: dict, width: int | None) -> None:
    # deferred: start-up: loads google.protobuf, google_crc32c, numpy (+181 modules)
    from ckpt_browser.core.checks.report import advice

    results, log_findings = parts["results"], parts["log_findings"]
    if log_findings:  # what the log says first (it is what the user came with), and only when it names something
        print(f"The log names {len(log_findings)} problem(s):")
        for f in log_findings:
            print(wrap(f"- {f.explain()}", width, "  "))
        print()
    if parts["summary"]:
        print("\n".join(wrap(line, width) for line in parts["summary"].splitlines()))
    for heading, r in grouped(results):
        print("\n" + wrap(heading, width))  # what was assumed is in the summary, said once
        rows = [("variable", "finding", "checkpoint", "model")]
        rows += [(f.variable, f.kind, f.checkpoint or "-", f.model or "-") for f in r.findings]
        if r.findings:
            cli_output.print_table(fit_rows(rows, width))
    bad = [r for r in results if r.findings]
    if bad:
        print("\n" + advice(bad[-1], parts["model_dir"]))  # lines of code: not re-wrapped


def grouped(results) -> list[tuple[str, object]]:
    """Checkpoints with the same verdict and the same findings as one heading and one table
    (five checkpoints that all miss the same nine variables: one table, not five)."""
    groups: dict[tuple, list] = {}
    for r in results:
        own = r.against.startswith("its own graph")
        findings = tuple((f.variable, f.kind, f.checkpoint, f.model) for f in r.findings)
        groups.setdefault((r.status, r.error, findings, "own" if own else r.against), []).append(r)
    out = []
    for (_status, _error, _findings, against), members in groups.items():
        first = members[0]
        names = ", ".join(m.checkpoint for m in members)
        if against != "own":
            where = against
        elif len(members) == 1:
            where = first.against
        else:
            where = "their own graphs"
        out.append((f"{names} against {where}: {first.status}" + (f" ({first.error})" if first.error else ""), first))
    return out


def cmd_verify(ns: argparse.Namespace) -> int:
    # deferred: start-up: loads google.protobuf, google_crc32c (+50 modules)
    from ckpt_browser.core.values.verify import CORRUPT, UNREADABLE

    progress, on_tasks = cli_output.progress_lines(ns)
    report = _verify(ns.path, progress, dask=ns.dask, tasks=on_tasks, finite=ns.finite)
    if progress or on_tasks:
        print(file=sys.stderr)
    if ns.json:
        print(json.dumps(report.to_json(), indent=2))
    else:
        said = None
        for v in report.verdicts:
            detail = _unnamed(v.name, v.error) or (
                f"{v.tensors} tensors, {v.bytes:,} bytes" + (f", {v.opaque} opaque" if v.opaque else "")
            )
            print(f"{v.name}  {v.status}  {detail}")
            if v.note and v.note != said:  # the same note for every checkpoint of a run: once
                print(wrap(f"note: {v.note}", terminal_width(False), "  "))
                said = v.note
            for line in v.problems:
                print(f"  {line}")
        print(report.summary())
    if report.count(UNREADABLE):
        bad = next(v for v in report.verdicts if v.status == UNREADABLE)
        print(f"ckpt-browser verify: {bad.name}: {_unnamed(bad.name, bad.error)}", file=sys.stderr)
        return cli_output.EXIT_ERROR
    return cli_output.EXIT_DIFFERENT if report.count(CORRUPT) else cli_output.EXIT_OK


def _unnamed(name: str, error: str | None) -> str | None:
    """A checkpoint's error without its name in front (most readers' errors begin with it; the
    line names the checkpoint already)."""
    if error and error.startswith(f"{name}: "):
        return error[len(name) + 2 :]
    return error
