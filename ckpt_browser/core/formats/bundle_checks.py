"""What TensorFlow's BundleReader refuses, refused here the same way and in its words
(tensorflow/core/util/tensor_bundle/tensor_bundle.cc, core/framework/versions.cc): a header
that needs a newer reader, an invalid shape, a size that disagrees with the shape, slices that do
not fit, keys out of order. Checked before anything is allocated: declared sizes are compared with
the real file sizes first."""

from __future__ import annotations

import math
import re
from pathlib import Path

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.formats import dtypes, wire
from ckpt_browser.core.formats.sstable import varint
from ckpt_browser.core.storage import Location, locate
from ckpt_browser.core.storage import stat as storage_stat

MAX_INDEX = 1 << 30  # a 100,000-variable index is 2 MB; a bigger "index" is not one (a sparse file)
BUNDLE_VERSION = 1  # kTensorBundleVersion: the format version this reader (and TensorFlow's) reads
MAX_ELEMENTS = (1 << 63) - 1  # TensorShape::IsValid: the element count must fit an int64


def check_index_size(size: int, index_name: str) -> None:
    if size > MAX_INDEX:
        raise CheckpointError(f"{index_name} is {size:,} bytes, more than a checkpoint index can be ({MAX_INDEX:,})")


def check_versions(header: bytes, index_name: str) -> None:
    """The header's VersionDef (field 3: producer 1, min_consumer 2, bad_consumers 3), as
    CheckVersions(version, kTensorBundleVersion, kTensorBundleMinProducer=0, "Checkpoint") judges it."""
    try:
        version = next((v for n, k, v in wire.fields(header) if n == 3 and k == wire.BYTES), b"")
        producer = min_consumer = 0
        bad: list[int] = []
        for n, k, v in wire.fields(version if isinstance(version, bytes) else b""):
            if n == 3 and k == wire.BYTES and isinstance(v, bytes):  # packed (proto3's default)
                pos = 0
                while pos < len(v):
                    value, pos = varint(v, pos)
                    bad.append(value - (1 << 64) if value >= 1 << 63 else value)
            elif k == wire.VARINT:
                value = v - (1 << 64) if v >= 1 << 63 else v
                if n == 1:
                    producer = value
                elif n == 2:
                    min_consumer = value
                elif n == 3:
                    bad.append(value)
    except (ValueError, IndexError) as exc:
        raise CheckpointError(f"{index_name} is damaged: its header is not a BundleHeaderProto") from exc
    if producer < 0:
        raise CheckpointError(
            f"{index_name}: Checkpoint producer version {producer} below min producer 0 supported by "
            "TensorFlow. Please regenerate your checkpoint."
        )
    if min_consumer > BUNDLE_VERSION:
        raise CheckpointError(
            f"{index_name}: Checkpoint min consumer version {min_consumer} above current version "
            f"{BUNDLE_VERSION} for TensorFlow. Please upgrade TensorFlow."
        )
    if BUNDLE_VERSION in bad:
        raise CheckpointError(
            f"{index_name}: Checkpoint disallows consumer version {BUNDLE_VERSION}. Please upgrade TensorFlow: "
            "this version is likely buggy."
        )


def check_entry(key: bytes, entry, index_name: str) -> None:
    """An entry as GetBundleEntryProto and GetValue check it: a valid shape, and (for a tensor
    stored whole) a size that matches shape x dtype -- for strings, at least one byte per element."""
    name = key.decode("utf-8", "backslashreplace").replace("\x00", "\\0")
    if any(d < 0 for d in entry.shape) or _overflows(entry.shape):
        dims = " ".join(f"dim {{ size: {d} }}" for d in entry.shape)
        raise CheckpointError(f"{index_name} is damaged: Invalid tensor shape: {name} {dims}")
    for extents in entry.slices:
        if len(extents) != len(entry.shape) or any(
            start < 0 or (length != -1 and (length < 0 or start + length > dim))
            for (start, length), dim in zip(extents, entry.shape)
        ):
            raise CheckpointError(
                f"{index_name} is damaged: a slice of {name} does not fit its shape {list(entry.shape)}"
            )
    if entry.slices or entry.size < 0:
        return
    count = math.prod(entry.shape)
    kind = dtypes.base_enum(entry.dtype)
    size = dtypes.itemsize(dtypes.dtype_name(kind))
    if size is not None and entry.size != count * size:
        raise CheckpointError(
            f"{index_name} is damaged: Invalid size in bundle entry: key {name}; stored size {entry.size}; "
            f"expected size {count * size}"
        )
    if kind == dtypes.STRING and entry.size < count:
        raise CheckpointError(
            f"{index_name} is damaged: Invalid size in bundle entry: key {name}; stored size {entry.size}; "
            f"expected size is at least {count}"
        )


def _overflows(shape) -> bool:
    n = 1
    for d in shape:
        n *= d
        if n > MAX_ELEMENTS:
            return True
    return False


def check_fits(file, entry, what: str) -> None:
    """The entry's bytes lie inside its data file (before any buffer for them is allocated)."""
    if entry.offset < 0 or entry.offset + entry.size > file.size:
        raise CheckpointError(
            f"{what} is truncated: {entry.size:,} bytes at offset {entry.offset:,} are past its end "
            f"({file.size:,} bytes)"
        )


def check_parts(name: str, full, parts: list, index_name: str) -> None:
    """A partitioned tensor: each slice's entry has the slice's shape, and together they hold at
    least the full tensor's bytes (checked before the full tensor is allocated)."""
    itemsize = dtypes.itemsize(dtypes.dtype_name(dtypes.base_enum(full.dtype))) or 1
    for extents, part in zip(full.slices, parts):
        want = tuple(dim if length == -1 else length for (_, length), dim in zip(extents, full.shape))
        if part.shape != want:
            raise CheckpointError(
                f"{index_name} is damaged: a slice of {name} is {list(part.shape)} where its extent is {list(want)}"
            )
    if math.prod(full.shape) * itemsize > sum(max(p.size, 0) for p in parts) and itemsize > 1:
        raise CheckpointError(
            f"{index_name} is damaged: the slices of {name} do not cover its shape {list(full.shape)} "
            "(Does not have sufficient slices for partitioned tensor)"
        )


def key_order(keys, index_name: str) -> list[str]:
    """Keys out of order: TensorFlow's table lookups binary-search them, so it would not find them."""
    previous = None
    for key in keys:
        if previous is not None and key <= previous:
            shown = key.decode("utf-8", "backslashreplace")[:200]
            return [
                f"{index_name}: key {shown!r} is out of order: TensorFlow would answer "
                f"'Key {shown} not found in checkpoint'"
            ]
        previous = key
    return []


def truncation_message(prefix: Location | Path, need: int, num_shards: int | None = None) -> str | None:
    """Say whether the data shards are too small for the tensors the index lists. Cheap (no value
    is read): fixed-size tensors need shape x itemsize bytes each, padding only adds to that."""
    prefix = locate(prefix)  # a Location as it is; TensorFlow's reader has a local Path
    base = prefix.name
    if num_shards is None:  # TensorFlow's reader: a local prefix, its shards as the folder has them
        found = prefix.local.parent.glob(glob_escape(base) + ".data-*")
        shards = [locate(p) for p in found if p.is_file()]
    else:
        shards = [prefix.plus(f".data-{i:05d}-of-{num_shards:05d}") for i in range(num_shards)]
    have = 0
    for path in shards:
        st = storage_stat(path)
        if st is None:
            return f"{path.name} is missing: the index names {num_shards} shard(s)"
        have += st.st_size
    if have < need:
        return (
            f"the data file of {base} is truncated: its variables need at least {need:,} bytes, "
            f"the data files hold {have:,}"
        )
    return None


def glob_escape(name: str) -> str:
    return re.sub(r"([\[\]*?])", r"[\1]", name)
