"""Terminal width for the headless commands: long names elided so a table fits -- keeping the
part that tells a name from its neighbours, and its own last part -- prose wrapped. Full names
with --wide, in JSON, and when the output is not a terminal (a pipe, a file: what scripts read)."""

from __future__ import annotations

import os
import sys
import textwrap
from collections import defaultdict

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


def elide_names(names: list[str], width: int) -> list[str]:
    """Each name to at most ``width`` characters, told apart from the others in the list: its own
    last part, then the parts where its path branches from other names' (deepest first, a part too
    long for the room elided in its middle), then the others as they fit; "…" for what is left
    out. ``training/Adagrad/dnn/hiddenlayer_0/kernel/accumulator`` in 34 characters reads
    ``…/hiddenlayer_0/kernel/accumulator``; middle elision kept both ends and cut exactly the
    distinguishing part (``linear/linear…X_occupation/weights`` for two names). A name that
    fits is left whole."""

    parts = [n.split("/") for n in names]
    below: dict[tuple[str, ...], set[str]] = defaultdict(set)  # a scope -> the parts under it
    if any(len(n) > width for n in names):
        for p in parts:
            for d in range(len(p)):
                below[tuple(p[:d])].add(p[d])
    out = []
    for name, p in zip(names, parts):
        if len(name) <= width:
            out.append(name)
            continue
        last = len(p) - 1
        branches = [d for d in range(last) if len(below[tuple(p[:d])]) > 1]
        keep: dict[int, str] = {last: p[last]}
        for d in reversed(branches):
            trial = _render(p, {**keep, d: p[d]})
            if len(trial) <= width:
                keep[d] = p[d]
                continue
            room = len(p[d]) - (len(trial) - width)
            if room >= 8 and len(p[d]) >= 16:  # a long part (a feature column's) keeps both its ends
                keep[d] = elide_middle(p[d], room)
            break
        for d in [0, *range(last - 1, 0, -1)]:  # the scope, then the parts nearest the name, as they fit
            if d not in keep and len(_render(p, {**keep, d: p[d]})) <= width:
                keep[d] = p[d]
        for d in range(last - 1, -1, -1):  # room left: the part nearest the name, elided in its middle
            if d not in keep:
                room = len(p[d]) - (len(_render(p, {**keep, d: p[d]})) - width)
                if room >= 8:
                    keep[d] = elide_middle(p[d], room)
                break
        text = _render(p, keep)
        out.append(text if len(text) <= width else elide_middle(text, width))
    return out


def _render(p: list[str], keep: dict[int, str]) -> str:
    shown: list[str] = []
    for d in range(len(p)):
        if d in keep:
            shown.append(keep[d])
        elif not shown or shown[-1] != ELLIPSIS:
            shown.append(ELLIPSIS)
    return "/".join(shown)


def fit_rows(rows: list[tuple[str, ...]], width: int | None, column: int = 0, gap: int = 2) -> list[tuple[str, ...]]:
    """The rows with one column's cells (names) elided so the table is at most ``width`` wide
    (elide_names: each told apart from the others). The header row is never elided; other columns
    are left as they are."""
    if width is None or not rows:
        return rows
    widths = [max(len(c) for c in col) for col in zip(*rows)]
    total = sum(widths) + gap * (len(widths) - 1)
    if total <= width:
        return rows
    room = max(MIN_NAME, len(rows[0][column]), widths[column] - (total - width))
    if room >= widths[column]:
        return rows
    shown = elide_names([r[column] for r in rows[1:]], room)
    out = [rows[0]]
    for r, text in zip(rows[1:], shown):
        cells = list(r)
        cells[column] = text
        out.append(tuple(cells))
    return out


def fit_last_column(rows: list[tuple[str, ...]], width: int | None, gap: int = 2) -> list[tuple[str, ...]]:
    """A table at most ``width`` wide by its last column: prose wrapped onto lines of its own under
    that column (the other cells blank), names elided as elide_names does. As it is when it fits,
    or when the other columns leave the last fewer than 16 characters."""
    if width is None or not rows:
        return rows
    widths = [max(len(c) for c in col) for col in zip(*rows)]
    room = width - sum(widths[:-1]) - gap * (len(widths) - 1)
    if widths[-1] <= room or room < MIN_NAME:
        return rows
    last = [r[-1] for r in rows]
    names = elide_names([t for t in last if " " not in t], room)
    short = dict(zip([t for t in last if " " not in t], names))
    out = []
    for r in rows:
        text = r[-1]
        if len(text) <= room:
            out.append(r)
        elif " " not in text:
            out.append((*r[:-1], short[text]))
        else:
            lines = textwrap.wrap(text, room, break_on_hyphens=False)
            out.append((*r[:-1], lines[0]))
            out.extend(("",) * (len(r) - 1) + (line,) for line in lines[1:])
    return out


def wrap(text: str, width: int | None, indent: str = "") -> str:
    """Prose to the terminal's width (or PROSE columns); paragraphs kept."""
    cols = min(width or PROSE, 120) - 1
    return "\n".join(
        textwrap.fill(p, cols, initial_indent=indent, subsequent_indent=indent, break_on_hyphens=False)
        if p.strip() else ""
        for p in text.split("\n")
    )  # fmt: skip
