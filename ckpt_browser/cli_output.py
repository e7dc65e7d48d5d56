"""How the headless commands print: aligned tables, JSON without bare NaN, strings made printable."""

from __future__ import annotations

import sys

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


def finite_or_text(obj):
    import math

    if isinstance(obj, float) and not math.isfinite(obj):
        return "NaN" if math.isnan(obj) else ("Infinity" if obj > 0 else "-Infinity")
    if isinstance(obj, dict):
        return {k: finite_or_text(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [finite_or_text(v) for v in obj]
    return obj


def stderr_progress():
    def progress(done: int, total: int, text: str) -> None:
        print(f"\r{text} {done}/{total}", end="", file=sys.stderr, flush=True)

    return progress
