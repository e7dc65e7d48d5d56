"""What health checks about a variable before it allocates or reads anything for it: a shape
with a negative dimension, an entry whose size disagrees with its shape or lies past the end of
its data file -- the checks `show` makes, so a shape rewritten to 2^64 elements answers at once."""

from __future__ import annotations

import math

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.formats import dtypes
from ckpt_browser.core.formats.bundle import BundleReader, OpaqueTensor
from ckpt_browser.core.formats.bundle_checks import check_fits
from ckpt_browser.core.formats.variables import VariableInfo


def shape_problem(v: VariableInfo) -> str | None:
    """Why a shape cannot be a tensor's (the same in every checkpoint of a series), or None."""
    if any(d < 0 for d in v.shape):
        return f"{v.name}: its shape {list(v.shape)} has a negative dimension"
    return None


def unmeasured_problem(reader, v: VariableInfo, buffer: bytearray) -> str | None:
    """Why a variable health does not measure (int, bool, string, complex) cannot be read, or
    None: its entry, then its crc32c as verify checks it (a damaged int is still damaged)."""
    problem = shape_problem(v) or entry_problem(reader, v)
    if problem or not isinstance(reader, BundleReader):
        return problem
    try:
        reader.check(v.name, buffer)
    except OpaqueTensor:
        return None  # a resource or variant: no bytes of its own to check
    except CheckpointError as exc:
        return str(exc)
    return None


def entry_problem(reader, v: VariableInfo) -> str | None:
    """Why this checkpoint's entry for v cannot be read as its shape says, or None. Tensor
    bundles only: other readers check their own sizes when they read."""
    if not isinstance(reader, BundleReader):
        return None
    try:
        entry = reader.entry_info(v.name)
        if entry.slices:
            return None  # partitioned: the reader checks its slices before assembling them
        np_dtype = dtypes.numpy_dtype(dtypes.base_enum(entry.dtype))
        if np_dtype is None:
            return None
        count = math.prod(entry.shape)
        if count < 0 or count * np_dtype.itemsize != entry.size:
            return (
                f"{reader.index_name} is damaged: {v.name} is {list(entry.shape)} {np_dtype.name} "
                f"({max(count, 0) * np_dtype.itemsize:,} bytes) but its entry says {entry.size:,} bytes"
            )
        check_fits(reader._file(entry.shard), entry, reader.shard_path(entry.shard).name)
    except CheckpointError as exc:
        return str(exc)
    return None
