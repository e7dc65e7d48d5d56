"""crc32c (Castagnoli), as TensorFlow's files store it (masked), from two C-backed libraries.

Why two: ``google-crc32c`` imports in ~5 ms but takes only immutable bytes, which suits what we
read as bytes (index blocks, event records, string tensors) and keeps `ckpt-browser ls` quick.
``crc32c`` takes any buffer, so a tensor read into a numpy array is checksummed in place, chunk by
chunk while still in the CPU cache (no copy); it costs ~15 ms to import (importlib.metadata), so it
is imported the first time a tensor is read.
"""

from __future__ import annotations

import google_crc32c

_MASK_DELTA = 0xA282EAD8


def of_bytes(data: bytes, crc: int = 0) -> int:
    """crc32c of ``data`` continuing from ``crc`` (0 to start)."""
    return google_crc32c.extend(crc, data)


def of_buffer(view, crc: int = 0) -> int:
    """crc32c of any buffer (a memoryview of a numpy array), without copying it."""
    import crc32c

    return crc32c.crc32c(view, crc)


def unmask(masked: int) -> int:
    rot = (masked - _MASK_DELTA) & 0xFFFFFFFF
    return ((rot >> 17) | (rot << 15)) & 0xFFFFFFFF
