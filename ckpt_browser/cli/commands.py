"""Command line: the GUI by default, headless subcommands for terminals, scripts and CI."""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import sys
from collections.abc import Sequence

from ckpt_browser import __version__
from ckpt_browser.api import browse as api
from ckpt_browser.cli import checks as cli_checks
from ckpt_browser.cli import health as cli_health
from ckpt_browser.cli import ls as cli_ls
from ckpt_browser.cli import map as cli_map
from ckpt_browser.cli.fit import MIN_NAME, elide_names, fit_rows, terminal_width, wrap
from ckpt_browser.cli.output import (
    EXIT_DIFFERENT,
    EXIT_ERROR,
    EXIT_OK,
    print_table,
    printable,
    progress_lines,
    stderr_progress,
)
from ckpt_browser.core.base.errors import CheckpointError, exhausted, input_names
from ckpt_browser.core.storage import Location, locate
from ckpt_browser.ui.app import (
    run_gui,  # Qt only for the GUI
    show_startup_failure,
)
from ckpt_browser.ui.views import TAB_NAMES  # Qt-free: the tab list lives with the views

log = logging.getLogger(__name__)

SUBCOMMANDS = ("ls", "show", "diff", "run", "check", "verify", "health", "map", "demo")


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
    p.add_argument(
        "--tab", choices=TAB_NAMES, metavar="TAB",  # the choices in the help: a 130-column usage line else
        help="show this view of the selected variable: " + ", ".join(TAB_NAMES)
        + " (diff: the checkpoint comparison, verify: Tools > Verify)",
    )  # fmt: skip
    p.add_argument(
        "--check-against", metavar="SPEC|PATH",
        help="open the Check tab against an Estimator spec or a checkpoint/model_dir/.meta",
    )  # fmt: skip
    p.add_argument(
        "--size", metavar="WxH", type=_size,
        help="the window's size in logical pixels (documentation shots); default: fit the screen it opens on",
    )  # fmt: skip
    p.add_argument(
        "--theme", choices=("system", "light", "dark"), metavar="THEME",
        help="system (the system's light or dark scheme, the default), light or dark; View > Theme remembers it",
    )  # fmt: skip
    p.add_argument("--version", action="version", version=f"ckpt-browser {__version__}")
    return p


def _size(text: str) -> tuple[int, int]:
    w, sep, h = text.lower().partition("x")
    if not sep or not w.isdigit() or not h.isdigit() or not (320 <= int(w) <= 10000 and 240 <= int(h) <= 10000):
        raise argparse.ArgumentTypeError(f"{text!r}: expected WIDTHxHEIGHT, e.g. 1366x768")
    return int(w), int(h)


def gui_arguments(argv: Sequence[str]) -> argparse.Namespace:
    """The window's command line (paths, --checkpoint, --select, --tab, --check-against, ...)."""
    return _gui_parser().parse_args(list(argv))


def _headless_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ckpt-browser")
    sub = p.add_subparsers(dest="command", required=True)
    ls = sub.add_parser("ls", help="list checkpoints and the variables of one")
    ls.add_argument("path")
    ls.add_argument("--checkpoint", metavar="NAME", help="whose variables to list (default: latest)")
    ls.add_argument("--json", action="store_true")
    show = sub.add_parser("show", help="one variable: shape, dtype, statistics, values")
    show.add_argument("path")
    show.add_argument("variable")
    show.add_argument("--checkpoint", metavar="NAME", help="default: the latest")
    show.add_argument("--codes", action="store_true", help="a quantized TF.js weight's stored codes, not its values")
    show.add_argument("--json", action="store_true")
    show.add_argument("--all", action="store_true", help="print every value, however many")
    diff = sub.add_parser(
        "diff", help="compare two checkpoints (prefix, file, or model_dir = its latest)",
        description="Exit 0 when identical, 1 when they differ, 2 on error.",
    )  # fmt: skip
    diff.add_argument("a")
    diff.add_argument("b")
    diff.add_argument("--json", action="store_true")
    run = sub.add_parser(
        "run", help="restore a checkpoint into its .meta graph and evaluate a tensor",
        description="VALUES is a number, a JSON list, or start:stop:num (evenly spaced).",
    )  # fmt: skip
    run.add_argument("path", help="checkpoint prefix or file, or a model_dir (its latest)")
    run.add_argument("--fetch", required=True, metavar="TENSOR", help="e.g. y_est or y_est:0")
    run.add_argument("--feed", action="append", default=[], metavar="NAME=VALUES")
    run.add_argument("--json", action="store_true")
    check = sub.add_parser(
        "check", help="find shape/dtype mismatches between checkpoints and a model",
        description="Without --against, every checkpoint is checked against its own graph "
        "(.meta, else graph.pbtxt). SPEC: e.g. 'DNNClassifier(hidden_units=[20, 20], n_classes=3, "
        "feature_columns=4)' (parsed, never evaluated). A training script (.py, .ipynb) is read, never run, "
        "unless --build is given; its own arguments then follow --. "
        "Exit 0 when all fit, 1 on mismatches, 2 on error.",
    )  # fmt: skip
    check.add_argument("path", help="model_dir or checkpoint")
    check.add_argument(
        "--against",
        metavar="SPEC|PATH",
        help="an Estimator spec, a training script, or a checkpoint / model_dir / .meta",
    )
    check.add_argument("--log", metavar="FILE", help="a TensorFlow error log to explain ('-' for stdin)")
    check.add_argument("--json", action="store_true")
    check.add_argument(
        "--build", action="store_true",
        help="run the --against script with Python up to its first train or save (nothing written where it "
        "points: a temporary folder, removed) and compare with what TensorFlow writes there",
    )  # fmt: skip
    check.add_argument("--python", metavar="PATH", help="--build: the Python to run it with (default: this one)")
    check.add_argument("--timeout", metavar="S", type=float, help="--build: stop it after S seconds (default 120)")
    verify = sub.add_parser(
        "verify", help="read every tensor and check every crc32c",
        description="PATH: a model_dir (all its checkpoints) or one checkpoint. "
        "Exit 0 when every checksum matches, 1 when a tensor is corrupt, 2 when a checkpoint cannot be read.",
    )  # fmt: skip
    verify.add_argument("path")
    verify.add_argument("--json", action="store_true")
    verify.add_argument("--finite", action="store_true",
                        help="NaN or infinite values are corrupt too (formats without checksums: Orbax)")  # fmt: skip
    cli_health.add_parser(sub)
    cli_map.add_parser(sub)
    demo = sub.add_parser("demo", help="write the tutorial's quadratic example into DIR")
    demo.add_argument("dir")
    for name, command in sub.choices.items():
        command.add_argument("--debug", action="store_true", help="print the traceback of an unexpected error")
        if name in ("show", "diff", "verify", "health"):
            command.add_argument(
                "--dask", metavar="tcp://HOST:PORT",
                help="read and compute on a Dask cluster's workers (default: CKPT_BROWSER_DASK; else every core here)",
            )  # fmt: skip
        if name in ("ls", "show", "diff", "check"):
            command.add_argument(
                "--wide", action="store_true", help="full names, however wide (default: fit the terminal's width)"
            )
    return p


LOCATED = ("path", "a", "b")  # the arguments that name a model_dir, a checkpoint or a model file


def _locate_arguments(ns: argparse.Namespace) -> None:
    """Each path or URL argument parsed once, here, into the Location every command passes down."""
    for key in LOCATED:
        value = getattr(ns, key, None)
        if isinstance(value, str):
            setattr(ns, key, locate(value))


def _text(value: object) -> object:
    return str(value) if isinstance(value, Location) else value


def _one_line(text: str) -> str:
    return " ".join(str(text).split())[:1000]


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    from ckpt_browser.core.base.child import serve_child  # deferred: start-up: +18 modules

    if argv is None and serve_child(args):  # the packaged app started as one of its own workers
        return EXIT_OK
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args and args[0] in SUBCOMMANDS:
        script_args: list[str] = []
        if args[0] == "check" and "--" in args:  # check ... --build -- SCRIPT ARGS: the script's own
            script_args = args[args.index("--") + 1 :]
            args = args[: args.index("--")]
        ns = _headless_parser().parse_args(args)
        ns.script_args = script_args
        for stream in (sys.stdout, sys.stderr):
            # Names from files may hold anything: never fail printing them (issue 11, case 15).
            if hasattr(stream, "reconfigure"):
                stream.reconfigure(errors="backslashreplace")
        try:
            _locate_arguments(ns)
            return _COMMANDS[ns.command](ns)
        except CheckpointError as exc:
            print(f"ckpt-browser {ns.command}: {_one_line(exc)}", file=sys.stderr)
            return EXIT_ERROR
        except (RecursionError, MemoryError) as exc:  # input nested 200,000 deep, a bomb: bad input
            named = input_names([_text(getattr(ns, k, None)) for k in ("path", "a", "b", "against", "log")])
            print(f"ckpt-browser {ns.command}: {_one_line(exhausted(exc, named))}", file=sys.stderr)
            return EXIT_ERROR
        except KeyboardInterrupt:
            return 130
        except BrokenPipeError:  # e.g. piped into head: not an error of ours
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return EXIT_OK
        except Exception as exc:  # noqa: BLE001 - the contract: one line, exit 2, whatever happened
            # A bug of ours met by some input: one line, exit 2 (never 1, which means "different").
            if ns.debug:
                raise
            log.debug("unexpected", exc_info=True)
            print(
                f"ckpt-browser {ns.command}: unexpected error ({_one_line(exc) or type(exc).__name__}); "
                "run again with --debug for the details, and please report it",
                file=sys.stderr,
            )
            return EXIT_ERROR
    ns = _gui_parser().parse_args(args)
    try:
        return run_gui(ns)
    except Exception as exc:  # noqa: BLE001 - a start-up failure must not vanish silently
        show_startup_failure(exc)
        return EXIT_ERROR


def _cmd_show(ns: argparse.Namespace) -> int:
    import numpy as np

    # deferred: start-up: loads google.protobuf, google_crc32c (+60 modules)
    from ckpt_browser.core.state.headless import Headless

    session = Headless()  # the window's state: it opens the path, chooses the checkpoint, finds the variable
    source = session.open(ns.path, ns.checkpoint, ns.variable)
    checkpoint = api.ModelDir(source.model_dir, source.selected)[session.checkpoint().name]
    session.list_read(checkpoint.contents())
    with api._cluster(ns.dask) as engine:  # the statistics on its workers
        record, value, stats = checkpoint._show(session.variable().name, ns.all, ns.codes, engine)
    if ns.json:
        print(json.dumps(record, indent=2, allow_nan=False))
        return EXIT_OK
    name, dtype, stored = record["name"], record["dtype"], record["stored"]
    width = terminal_width(ns.wide)
    shape = record["shape"]  # value is only the head of a big tensor (it is never read whole)
    rest = f"  {shape}  {dtype}  ({checkpoint.name})"
    print(elide_names([name], max(MIN_NAME, width - len(rest)))[0] + rest if width else name + rest)
    if stored:
        print(wrap(f"{stored}; {'the codes' if ns.codes else 'dequantized'} below", width, "  "))
    if record.get("layout"):
        print(wrap(f"stored as {record['layout']}", width, "  "))
    for label, text in stats.lines():
        print(f"  {label:<9} {text}")
    line = (width or 101) - 1  # numpy's rows, to the terminal's width
    if not record["truncated"]:
        with np.printoptions(threshold=sys.maxsize, linewidth=line):
            print(printable(value))
    else:
        with np.printoptions(threshold=api.HEAD, linewidth=line):
            print(f"first {api.HEAD} of {math.prod(shape):,} values (flattened; --all or --json for more):")
            print(printable(value.reshape(-1)[: api.HEAD]))
    return EXIT_OK


def _cmd_diff(ns: argparse.Namespace) -> int:
    _, on_tasks = progress_lines(ns)
    diffed = api._diff(ns.a, ns.b, ns.dask, on_tasks)
    if on_tasks:
        print(file=sys.stderr)
    record, result = diffed.record, diffed.result
    if ns.json:
        print(json.dumps(record, indent=2, allow_nan=False))
    else:
        print(f"A: {record['a']}\nB: {record['b']}")
        if result.pairing != "by name":
            paired = f"weights paired {result.pairing}; each row names A's weight, then B's"
            print(wrap(paired, terminal_width(ns.wide)))
        # One shape column: "A -> B" only where they differ (two equal columns made rows 128 wide).
        rows = [("variable", "status", "max |Δ|", "‖Δ‖/‖A‖", "shape A -> B")]
        for r in result.rows:
            a_text = "" if r.shape_a is None else f"{list(r.shape_a)} {r.dtype_a}"
            b_text = "" if r.shape_b is None else f"{list(r.shape_b)} {r.dtype_b}"
            rows.append((
                r.display_name if r.path else r.name if not r.name_b else f"{r.name} = {r.name_b}", r.status,
                "" if r.max_abs_diff is None else f"{r.max_abs_diff:.4g}",
                "" if r.rel_change is None else f"{r.rel_change:.4g}",
                a_text if a_text == b_text else f"{a_text or '-'} -> {b_text or '-'}",
            ))  # fmt: skip
        print_table(fit_rows(rows, terminal_width(ns.wide)))
        counts = ", ".join(f"{n} {k}" for k, n in result.counts().items() if n)
        print("identical" if result.identical else f"differ: {counts}")
    return EXIT_OK if result.identical else EXIT_DIFFERENT


def _cmd_demo(ns: argparse.Namespace) -> int:
    from ckpt_browser.core.tf.demo import write_quadratic_example  # deferred: start-up: loads numpy (+118 modules)

    out = write_quadratic_example(ns.dir, progress=stderr_progress())
    print(file=sys.stderr)
    print(out)
    return EXIT_OK


_COMMANDS = {
    "ls": cli_ls.cmd_ls,
    "show": _cmd_show,
    "diff": _cmd_diff,
    "run": cli_checks.cmd_run,
    "check": cli_checks.cmd_check,
    "verify": cli_checks.cmd_verify,
    "health": cli_health.cmd_health,
    "map": cli_map.cmd_map,
    "demo": _cmd_demo,
}
