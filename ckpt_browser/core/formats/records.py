"""The records every format's reader returns: one stored tensor's name, shape and dtype."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NamedTuple

from ckpt_browser.core.formats import dtypes


class VariableEntry(NamedTuple):
    """A tensor as the checkpoint stores it: name exactly as tf.train.list_variables gives it.
    (A named tuple: cheap to make 100,000 of.)"""

    name: str
    shape: tuple[int, ...]
    dtype: str  # numpy name: float32, int64, bfloat16, ...; "string" for tf.string
    stored: str | None = None  # the dtype of the bytes when it is not dtype (TF.js quantized: uint8)


def itemsize(dtype: str) -> int | None:
    """Bytes per element of a stored dtype, or None when elements vary in size (strings)."""
    return dtypes.itemsize(dtype)


@contextmanager
def no_gc() -> Iterator[None]:
    """The cyclic collector paused while records are made in bulk: a million tuples hold no
    cycles, but each 700 allocations would start a pass over everything alive (1.5x the time)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
