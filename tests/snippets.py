"""The advice's snippet as Python sees it: it must parse, and is compared in ast.unparse's
spelling, so that how it is wrapped to fit 80 columns does not matter to what it says."""

from __future__ import annotations

import ast


def snippet_code(advice: str) -> str:
    """The snippet (from `ws = ` or `estimator = ` on) parsed, then unparsed: one statement a line."""
    lines = advice.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(("ws = ", "estimator = ")))
    return ast.unparse(ast.parse("\n".join(lines[start:])))
