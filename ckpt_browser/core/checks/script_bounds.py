"""The sizes a script reading may build (checks/script*.py): every integer, string, list and dict is
checked before it is made -- a training script's configuration is small, so a value past these
limits is an Unknown naming the expression, never 10**4096 digits or 10**10 list items -- and what
one path through the script builds in total is counted, so that a loop of small values cannot add
up to gigabytes either. A reading past its budget stops and says where."""

from __future__ import annotations

import re
from typing import Any

MAX_ITEMS = 100_000  # one list, tuple, dict, set, string or range
MAX_INT_BITS = 4_096  # one integer (2**4096: no layer width, step count or seed is larger)
MAX_BUILT = 1_000_000  # items (and string characters) built or copied along one path through the script
MAX_STEPS = 100_000  # expressions read per path
MAX_TOTAL = 400_000  # expressions read over all paths
MAX_SECONDS = 5.0  # the whole reading, all paths
_SIZED = (str, bytes, list, tuple, dict, set, frozenset)
_DIGITS = re.compile(r"\d{6,}")  # a width or precision of a million or more, written in a format string


class Cut(Exception):  # noqa: N818 -- the reading stops here, and says so
    def __init__(self, where: str, why: str) -> None:
        super().__init__(f"{where}: {why}")
        self.where = where
        self.why = why


def size(value: Any) -> int:
    """What building the value cost, in items (ints in 64-bit words)."""
    if isinstance(value, _SIZED):
        return len(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value.bit_length() // 64
    return 0


def too_big(value: Any) -> bool:
    if isinstance(value, _SIZED):
        return len(value) > MAX_ITEMS
    if isinstance(value, int) and not isinstance(value, bool):
        return value.bit_length() > MAX_INT_BITS
    return False


def deep_count(value: Any, limit: int = MAX_ITEMS) -> int:
    """Items in the value counted the way str() would write them (shared members once per place),
    stopping past limit: what str(), repr(), '%s' and f-strings of it would cost."""
    count = 0
    stack = [value]
    while stack:
        v = stack.pop()
        count += 1
        if isinstance(v, (list, tuple, set, frozenset)):
            stack.extend(v)
        elif isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, (str, bytes)):
            count += len(v)
        elif isinstance(v, int):
            count += v.bit_length() // 3
        if count > limit:
            return count
    return count


def small(*values: Any) -> bool:
    """Whether comparing, hashing or printing the values stays within the limits: shared members
    ({'k': [a, (a,)]} nested 50,000 times) make every path through them a walk of its own."""
    return deep_count(values) <= MAX_ITEMS


def binop_fits(op: str, a: Any, b: Any) -> bool:
    """Whether a OP b (op: the ast class name) stays within the limits, predicted before computing it."""
    ints = isinstance(a, int) and isinstance(b, int)
    if op == "Pow":
        if isinstance(a, int) and isinstance(b, int):
            return b < 0 or abs(a) <= 1 or max(a.bit_length(), 1) * b <= MAX_INT_BITS
        return not isinstance(b, int) or abs(b) <= MAX_INT_BITS
    if op == "Mult":
        if ints:
            return a.bit_length() + b.bit_length() <= MAX_INT_BITS + 1
        for seq, n in ((a, b), (b, a)):
            if isinstance(seq, _SIZED) and isinstance(n, int):
                return len(seq) * max(n, 0) <= MAX_ITEMS
        return True
    if op == "Add" and isinstance(a, _SIZED) and isinstance(b, _SIZED):
        return len(a) + len(b) <= MAX_ITEMS
    if op == "Mod" and isinstance(a, str):
        return format_fits(a, b if isinstance(b, tuple) else (b,))
    return not (ints and max(a.bit_length(), b.bit_length()) > MAX_INT_BITS)


def format_fits(fmt: str, args: Any) -> bool:
    """'%0*d' % (4 * 10**9, 1), '{:>999999999}'.format(x), '%s' % [[0] * 99999] * 99999: a width,
    precision or argument that would make a string past the limit."""
    if _DIGITS.search(fmt):
        return False
    values = list(args.values()) if isinstance(args, dict) else list(args)
    for v in values:
        if isinstance(v, (int, float)) and not isinstance(v, bool) and abs(v) > MAX_ITEMS:
            return False  # a '*' width or precision taken from the arguments
    return len(fmt) + deep_count(values) <= MAX_ITEMS


def join_fits(sep: str, parts: Any) -> bool:
    if not isinstance(parts, (list, tuple)):
        return False
    total = len(sep) * max(len(parts) - 1, 0)
    for p in parts:
        if not isinstance(p, str):
            return False
        total += len(p)
        if total > MAX_ITEMS:
            return False
    return True


def replace_fits(text: str, old: Any, new: Any) -> bool:
    if not isinstance(old, str) or not isinstance(new, str):
        return False
    times = len(text) + 1 if not old else text.count(old)
    return len(text) + times * max(len(new) - len(old), 0) <= MAX_ITEMS


def sum_fits(items: Any, start: Any) -> bool:
    """sum([[0] * 99999] * 99999, []): concatenating sequences (the start a list, str or tuple)."""
    if not isinstance(start, _SIZED) or not isinstance(items, (list, tuple)):
        return True
    total = len(start)
    for item in items:
        total += len(item) if isinstance(item, _SIZED) else 0
        if total > MAX_ITEMS:
            return False
    return True
