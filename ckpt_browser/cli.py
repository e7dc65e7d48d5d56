"""Command line: the GUI by default, headless subcommands for terminals, scripts and CI."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Sequence

from ckpt_browser import __version__
from ckpt_browser.core.errors import CheckpointError

log = logging.getLogger(__name__)

EXIT_OK, EXIT_DIFFERENT, EXIT_ERROR = 0, 1, 2
SUBCOMMANDS = ("ls", "demo")


def _gui_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="ckpt-browser",
        description="Browse TensorFlow checkpoints. Subcommands: "
        + ", ".join(SUBCOMMANDS)
        + " (ckpt-browser SUBCOMMAND --help).",
    )
    p.add_argument("paths", nargs="*", help="model_dir, checkpoint prefix or file, or 'checkpoint' file")
    p.add_argument("--demo", action="store_true", help="open the bundled example model_dirs")
    p.add_argument("--screenshot", metavar="FILE", help="save a PNG of the window once loaded, then exit")
    p.add_argument("--select", metavar="VARIABLE", help="select this variable once loaded")
    p.add_argument("--checkpoint", metavar="NAME", help="select this checkpoint (e.g. model.ckpt-300)")
    p.add_argument("--version", action="version", version=f"ckpt-browser {__version__}")
    return p


def _headless_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ckpt-browser")
    sub = p.add_subparsers(dest="command", required=True)
    ls = sub.add_parser("ls", help="list checkpoints and the variables of one")
    ls.add_argument("path")
    ls.add_argument("--checkpoint", metavar="NAME", help="whose variables to list (default: latest)")
    ls.add_argument("--json", action="store_true")
    demo = sub.add_parser("demo", help="write the tutorial's quadratic example into DIR")
    demo.add_argument("dir")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args and args[0] in SUBCOMMANDS:
        ns = _headless_parser().parse_args(args)
        try:
            return _COMMANDS[ns.command](ns)
        except CheckpointError as exc:
            print(f"ckpt-browser {ns.command}: {exc}", file=sys.stderr)
            return EXIT_ERROR
        except KeyboardInterrupt:
            return 130
    ns = _gui_parser().parse_args(args)
    from ckpt_browser.ui.app import run_gui  # Qt only for the GUI

    return run_gui(ns)


def _cmd_ls(ns: argparse.Namespace) -> int:
    from ckpt_browser.core.contents import open_source, read_contents

    source = open_source(ns.path)
    md = source.model_dir
    info = source.checkpoint(ns.checkpoint)
    error = None
    contents = None
    try:
        contents = read_contents(info)
    except CheckpointError as exc:
        error = str(exc)
    if ns.json:
        out = {
            "model_dir": str(md.path),
            "latest": md.latest,
            "checkpoint": info.name,
            "checkpoints": [c.to_json() for c in md.checkpoints],
            "variables": [v.to_json() for v in contents.variables] if contents else [],
            "notes": md.notes + ([md.state_error] if md.state_error else []),
            "warning": contents.warning if contents else None,
        }
        print(json.dumps(out, indent=2))
    else:
        _print_ls(md, info, contents)
    if error:
        print(f"ckpt-browser ls: {error}", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_OK


def _print_ls(md, info, contents) -> None:
    from ckpt_browser.core.variables import human_bytes

    print(f"{md.path}")
    for note in md.notes + ([md.state_error] if md.state_error else []):
        print(f"  note: {note}")
    rows = [("", "checkpoint", "step", "time", "size", "shards", "meta", "flags")]
    for c in md.checkpoints:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(c.timestamp)) if c.timestamp else ""
        rows.append((
            "*" if c.name == info.name else "",
            c.name,
            "" if c.step is None else str(c.step),
            when,
            human_bytes(c.bytes),
            str(c.shards),
            "yes" if c.has_meta else "no",
            ", ".join(c.flags(md.has_state) + ([c.problem] if c.problem and c.on_disk else [])),
        ))
    _print_table(rows)
    if contents is None:
        return
    print()
    print(f"{info.name}: {len(contents.variables)} variables")
    if contents.warning:
        print(f"  warning: {contents.warning}")
    rows = [("variable", "shape", "dtype", "kind")]
    for v in contents.variables:
        rows.append((v.name, str(list(v.shape)), v.dtype, v.kind))
    _print_table(rows)
    print(contents.totals.summary())


def _print_table(rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip())


def _cmd_demo(ns: argparse.Namespace) -> int:
    from ckpt_browser.core.demo import write_quadratic_example

    def progress(done: int, total: int, text: str) -> None:
        print(f"\r{text} {done}/{total}", end="", file=sys.stderr, flush=True)

    out = write_quadratic_example(ns.dir, progress=progress)
    print(file=sys.stderr)
    print(out)
    return EXIT_OK


_COMMANDS = {"ls": _cmd_ls, "demo": _cmd_demo}
