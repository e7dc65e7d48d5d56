"""Terminal width for the headless commands: long names elided in the middle so a table fits,
prose wrapped. Full names with --wide, in JSON, and when the output is not a terminal (a pipe, a
file: what scripts read)."""

from __future__ import annotations

import os
import sys
import textwrap

ELLIPSIS = "…"
MIN_NAME = 16  # an elided name keeps at least this many characters
PROSE = 80  # prose is wrapped to the terminal, or to this width in a file


def terminal_width(wide: bool = False) -> int | None:
    """Columns to fit tables in: COLUMNS when set, else the terminal's; None (no limit) with
    --wide or when stdout is not a terminal."""
    if wide:
        return None
    env = os.environ.get("COLUMNS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        if sys.stdout.isatty():
            return os.get_terminal_size(sys.stdout.fileno()).columns
    except (OSError, ValueError):
        pass
    return None


def elide_middle(text: str, width: int) -> str:
    """``training/Adagrad/dnn/…/kernel/accumulator``: the start and more of the end (where a
    variable's own name is) kept."""
    if len(text) <= width:
        return text
    if width <= 1:
        return ELLIPSIS[:width]
    keep = width - 1
    head = keep * 2 // 5
    return text[:head] + ELLIPSIS + text[len(text) - (keep - head) :]


def fit_rows(rows: list[tuple[str, ...]], width: int | None, column: int = 0, gap: int = 2) -> list[tuple[str, ...]]:
    """The rows with one column's cells (names) elided so the table is at most ``width`` wide.
    The header row is never elided; other columns are left as they are."""
    if width is None or not rows:
        return rows
    widths = [max(len(c) for c in col) for col in zip(*rows)]
    total = sum(widths) + gap * (len(widths) - 1)
    if total <= width:
        return rows
    room = max(MIN_NAME, len(rows[0][column]), widths[column] - (total - width))
    if room >= widths[column]:
        return rows
    out = [rows[0]]
    for r in rows[1:]:
        cells = list(r)
        cells[column] = elide_middle(cells[column], room)
        out.append(tuple(cells))
    return out


def wrap(text: str, width: int | None, indent: str = "") -> str:
    """Prose to the terminal's width (or PROSE columns); paragraphs kept."""
    cols = min(width or PROSE, 120) - 1
    return "\n".join(
        textwrap.fill(p, cols, initial_indent=indent, subsequent_indent=indent, break_on_hyphens=False)
        if p.strip() else ""
        for p in text.split("\n")
    )  # fmt: skip
