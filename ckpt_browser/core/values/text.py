"""Values as text for the clipboard: one element at full precision (the shortest text that reads
back as the same number, as repr does), a block as tab-separated lines, an array as a NumPy
literal that can be pasted into Python."""

from __future__ import annotations

import sys

import numpy as np

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.values.slicing import decode_text

MAX_LITERAL = 1_000_000  # elements: a literal beyond this is no use in a clipboard


def exact(value) -> str:
    """One element, every digit that matters: 0.33220857 (not 0.332209), -1.0, 7, true, 1+2j."""
    if isinstance(value, (bytes, str)):
        return decode_text(value)
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, np.generic):
        return str(value)  # numpy's shortest round-trip text for its own precision (float32: 8 digits)
    if isinstance(value, float):
        return repr(value)
    return str(value)


def exact_block(block: np.ndarray) -> str:
    """A 2-D block as tab-separated lines of exact elements."""
    return "\n".join("\t".join(exact(x) for x in row) for row in np.atleast_2d(block))


def numpy_literal(a: np.ndarray) -> str:
    """``np.array([[0.33220857, -0.5526094]], dtype='float32')``: evaluates back to the same values."""
    if a.size > MAX_LITERAL:
        raise CheckpointError(
            f"{a.size:,} values are too many for the clipboard (at most {MAX_LITERAL:,}): export instead"
        )
    if a.dtype.kind in "OS":
        items = np.vectorize(lambda v: v if isinstance(v, bytes) else str(v).encode(), otypes=[object])(a)
        return f"np.array({items.tolist()!r}, dtype=object)"
    body = np.array2string(
        a, separator=", ", threshold=sys.maxsize, floatmode="unique", max_line_width=100, prefix="np.array("
    )
    return f"np.array({body}, dtype='{a.dtype.name}')"
