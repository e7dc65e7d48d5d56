"""`ls`: a model_dir's checkpoints and the variables of one, one model file, or the runs of a
folder of model_dirs -- fitted to the terminal's width (full names with --wide and in JSON)."""

from __future__ import annotations

import argparse
import json
import sys

from ckpt_browser.api import browse as api
from ckpt_browser.api.checks import model_report
from ckpt_browser.cli.fit import fit_rows, terminal_width, wrap
from ckpt_browser.cli.keras import print_summary
from ckpt_browser.cli.listing import ls_in_columns, print_ls
from ckpt_browser.cli.output import EXIT_ERROR, EXIT_OK, print_table
from ckpt_browser.core.base.errors import CheckpointError, Unreachable


def cmd_ls(ns: argparse.Namespace) -> int:
    # deferred: start-up: loads google.protobuf, google_crc32c (+60 modules)
    from ckpt_browser.core.state.headless import Headless

    session = Headless()  # the window's state: it opens the path and chooses the checkpoint listed
    try:
        source = session.open(ns.path, ns.checkpoint)
    except Unreachable:
        raise  # asking the server again for runs below would wait a second timeout
    except CheckpointError:
        runs = _runs_below(ns.path)
        if runs is None or not runs.runs:
            raise
        return _ls_runs(runs, ns)

    md, name = api.ModelDir(source.model_dir, source.selected), session.checkpoint().name
    if ls_in_columns(md, name, ns, terminal_width(ns.wide)):  # a big index: streamed from its columns
        return EXIT_OK
    record, chosen, events, error = md._ls(name, scalars=ns.json)  # no scalars: no events read
    if ns.json:
        print(json.dumps(record, indent=2))
    else:
        width = terminal_width(ns.wide)
        if not error:
            session.list_read(chosen.contents())
        print_ls(md._core, chosen._info, md.listed(chosen), session.state.contents, events.notes, width)
        if chosen._info.file_format.capabilities.model_config and session.state.contents is not None:
            print_summary(model_report(chosen._info), width)
    if error:
        print(f"ckpt-browser ls: {error}", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_OK


def _runs_below(path: str):
    """The runs below PATH when it is a folder with no checkpoint of its own (else None)."""
    from ckpt_browser.core import storage  # deferred: start-up: +10 modules
    from ckpt_browser.core.model_dir.runs import runs_below  # deferred: start-up: +14 modules

    try:
        if not storage.is_dir(path):
            return None
        return runs_below(path)
    except CheckpointError:
        return None


def _ls_runs(runs, ns: argparse.Namespace) -> int:
    """ls of a folder of runs: each model_dir found, its checkpoints and latest step."""
    # deferred: start-up: loads google.protobuf, google_crc32c (+48 modules)
    from ckpt_browser.core.model_dir.scan import scan_model_dir

    found = []
    for name, path in runs.runs.items():
        try:
            md = scan_model_dir(path)
        except CheckpointError as exc:
            found.append((name, path, None, str(exc)))
        else:
            found.append((name, path, md, None))
    if ns.json:
        out = {
            "runs_folder": str(runs.path),
            "runs": [
                {
                    "name": name, "path": str(path),
                    "checkpoints": len(md.checkpoints) if md else 0,
                    "latest": md.latest if md else None,
                    "step": _last_step(md), "error": error,
                }
                for name, path, md, error in found
            ],
            "notes": runs.notes,
        }  # fmt: skip
        print(json.dumps(out, indent=2))
        return EXIT_OK
    width = terminal_width(ns.wide)
    print(f"{runs.path}: {len(found)} runs")
    for note in runs.notes:
        print(wrap(f"note: {note}", width, "  "))
    rows = [("run", "checkpoints", "latest", "step")]
    for name, _path, md, error in found:
        if md is None:
            rows.append((name, "", error or "", ""))
            continue
        step = _last_step(md)
        rows.append((name, str(len(md.checkpoints)), md.latest or "", "" if step is None else str(step)))
    print_table(fit_rows(rows, width))
    return EXIT_OK


def _last_step(md) -> int | None:
    steps = [c.step for c in md.checkpoints if c.step is not None] if md else []
    return max(steps) if steps else None
