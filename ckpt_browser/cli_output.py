"""How the headless commands print: aligned tables, JSON without bare NaN, strings made printable."""

from __future__ import annotations

import sys

from ckpt_browser.api import finite_or_text  # noqa: F401 - run's JSON, as the API's records

EXIT_OK, EXIT_DIFFERENT, EXIT_ERROR = 0, 1, 2


def print_table(rows: list[tuple[str, ...]]) -> None:
    widths = [max(map(len, column)) for column in zip(*rows)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    lines = [fmt.format(*r).rstrip() for r in rows]
    sys.stdout.write("\n".join(lines) + "\n")  # one write: 100,000 rows print in a blink


def printable(value):
    if value.dtype.kind == "O":
        import numpy as np

        from ckpt_browser.core.values.slicing import decode_text

        return np.vectorize(decode_text, otypes=[object])(value) if value.size else value
    return value


def progress_lines(ns) -> tuple:
    """(the command's progress, a cluster's task progress) for a terminal's stderr line: with a
    Dask cluster (--dask or CKPT_BROWSER_DASK), its tasks as they finish there; else the command's
    own count. Neither for --json or when stderr is not a terminal."""
    import os

    if not sys.stderr.isatty() or getattr(ns, "json", False):
        return None, None
    if getattr(ns, "dask", None) or os.environ.get("CKPT_BROWSER_DASK"):
        return None, stderr_progress()
    return stderr_progress(), None


def stderr_progress():
    def progress(done: int, total: int, text: str) -> None:
        print(f"\r{text} {done}/{total}", end="", file=sys.stderr, flush=True)

    return progress
