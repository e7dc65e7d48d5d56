"""How the headless commands print: aligned tables, JSON without bare NaN, strings made printable."""

from __future__ import annotations

import os
import sys
import threading
import time

from ckpt_browser.api.browse import finite_or_text  # noqa: F401 - run's JSON, as the API's records
from ckpt_browser.cli.fit import fit_last_column, terminal_width

EXIT_OK, EXIT_DIFFERENT, EXIT_ERROR = 0, 1, 2


def print_table(rows: list[tuple[str, ...]], width: int | None | bool = True) -> None:
    """Rows aligned in columns; within the terminal's width (COLUMNS) unless width is None: the
    last column's prose wrapped under it, names elided (cli_fit.fit_last_column)."""

    rows = fit_last_column(rows, terminal_width() if width is True else width or None)
    widths = [max(map(len, column)) for column in zip(*rows)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    lines = [fmt.format(*r).rstrip() for r in rows]
    sys.stdout.write("\n".join(lines) + "\n")  # one write: 100,000 rows print in a blink


def printable(value):
    if value.dtype.kind == "O":
        import numpy as np

        from ckpt_browser.core.values.slicing import decode_text  # deferred: start-up: loads numpy (+100 modules)

        return np.vectorize(decode_text, otypes=[object])(value) if value.size else value
    return value


def progress_lines(ns) -> tuple:
    """(the command's progress, a cluster's task progress) for a terminal's stderr line: with a
    Dask cluster (--dask or CKPT_BROWSER_DASK), its tasks as they finish there; else the command's
    own count. Neither for --json or when stderr is not a terminal."""

    if not sys.stderr.isatty() or getattr(ns, "json", False):
        return None, None
    if getattr(ns, "dask", None) or os.environ.get("CKPT_BROWSER_DASK"):
        return None, stderr_progress()
    return stderr_progress(), None


def stderr_progress():
    """A progress callback that rewrites one stderr line: its count only goes forward (workers
    report out of order; a run after a run continues the count rather than starting again at 0),
    each rewrite clears what a longer line before left, and the line fits the terminal."""

    lock = threading.Lock()
    state = {"text": None, "total": 0, "done": 0, "base": 0, "shown": 0, "at": 0.0}

    def progress(done: int, total: int, text: str) -> None:
        with lock:
            if text != state["text"] or total != state["total"] or done < state["done"] == state["total"]:
                # A new stage (or the same one again, for the next run): counted on from the last.
                state["base"] += state["total"] if state["text"] is not None else 0
                state["text"], state["total"], state["done"] = text, total, 0
            if done <= state["done"]:
                return  # a worker's late report: never backwards
            state["done"] = done
            now = time.monotonic()
            if done < total and now - state["at"] < 0.1:
                return  # at most ten lines a second; the last always
            state["at"] = now
            line = f"{text} {state['base'] + done:,}/{state['base'] + total:,}"
            width = (terminal_width() or 80) - 1
            if len(line) > width:
                line = line[: width - len(line)]
            pad = " " * max(0, state["shown"] - len(line))
            state["shown"] = len(line)
            print(f"\r{line}{pad}", end="", file=sys.stderr, flush=True)

    return progress
