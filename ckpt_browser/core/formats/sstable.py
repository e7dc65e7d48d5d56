"""LevelDB's sorted table, the container of a tensor bundle's `.index` file (docs/formats.md).

Layout (tensorflow/core/lib/io/format.cc, block.cc, table.cc): data blocks, a metaindex block, an
index block, then a 48-byte footer (two block handles, padding, magic). Each block is followed by
a type byte (0 plain, 1 Snappy) and the masked crc32c of contents + type byte, which we verify as
TensorFlow does. Keys inside a block share prefixes with the key before them.
"""

from __future__ import annotations

import struct

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.storage.checksum import of_bytes, unmask

MAGIC = 0xDB4775248B80FB57
FOOTER_SIZE = 48
TRAILER_SIZE = 5


class UnsupportedFormat(CheckpointError):
    """Valid input of a kind this reader does not decode (e.g. Snappy blocks): TensorFlow may."""


def varint(buf: bytes, pos: int) -> tuple[int, int]:
    """(value, position after it) of the base-128 varint at ``pos``."""
    result = shift = 0
    while True:
        if pos >= len(buf) or shift > 63:
            raise ValueError("bad varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, pos
        shift += 7


def read_table(data: bytes, name: str) -> list[tuple[bytes, bytes]]:
    """Every (key, value) of the table in ``data`` (the whole file), in key order."""
    out: list[tuple[bytes, bytes]] = []
    for off, size in data_blocks(data, len(data), name):
        out += _entries(_block(data, off, size, name), name)
    return out


def data_blocks(data, size: int, name: str) -> list[tuple[int, int]]:
    """(offset, size) of each data block, from the footer and the index block (its checksum
    checked). data: the file's ``size`` bytes, as bytes or any buffer (formats/index_columns.py
    passes its numpy array); the one parser of the footer."""
    if size < FOOTER_SIZE:
        raise CheckpointError(f"{name} is not a checkpoint index: {size} bytes, too short for the footer")
    view = memoryview(data)
    footer = bytes(view[size - FOOTER_SIZE : size])
    if int.from_bytes(footer[-8:], "little") != MAGIC:
        raise CheckpointError(f"{name} is not a checkpoint index (bad magic number)")
    try:
        _meta_off, p = varint(footer, 0)
        _meta_size, p = varint(footer, p)
        index_off, p = varint(footer, p)
        index_size, p = varint(footer, p)
    except ValueError as exc:
        raise CheckpointError(f"{name} is not a checkpoint index (bad footer)") from exc
    if index_off + index_size + TRAILER_SIZE > size:
        raise CheckpointError(f"{name} is truncated or damaged: a block at {index_off:,} runs past the end of the file")
    block = bytes(view[index_off : index_off + index_size + TRAILER_SIZE])
    out = []
    for _sep, handle in _entries(_block(block, 0, index_size, name, index_off), name):
        try:
            off, p = varint(handle, 0)
            block_size, _ = varint(handle, p)
        except ValueError as exc:
            raise CheckpointError(f"{name} is damaged: a bad block handle in its index block") from exc
        out.append((off, block_size))
    return out


def _block(data: bytes, offset: int, size: int, name: str, at: int = 0) -> bytes:
    """A block's contents, its checksum and type checked (at: where data starts in the file)."""
    end = offset + size
    if offset < 0 or size < 0 or end + TRAILER_SIZE > len(data):
        raise CheckpointError(
            f"{name} is truncated or damaged: a block at {at + offset:,} runs past the end of the file"
        )
    contents = data[offset:end]
    kind = data[end]
    (stored,) = struct.unpack_from("<I", data, end + 1)
    actual = of_bytes(data[end : end + 1], of_bytes(contents))
    if unmask(stored) != actual:
        raise CheckpointError(f"{name} is damaged: block checksum mismatch at offset {at + offset:,}")
    if kind == 1:
        raise UnsupportedFormat(f"{name} has Snappy-compressed blocks, which this reader does not decode")
    if kind != 0:
        raise CheckpointError(f"{name} is damaged: unknown block type {kind} at offset {at + offset:,}")
    return contents


def _entries(block: bytes, name: str) -> list[tuple[bytes, bytes]]:
    """Decode one block's prefix-compressed entries (the restart array only speeds up seeks)."""
    n = len(block)
    if n < 4:
        raise CheckpointError(f"{name} is damaged: a block of {n} bytes")
    (restarts,) = struct.unpack_from("<I", block, n - 4)
    limit = n - 4 - 4 * restarts
    if limit < 0:
        raise CheckpointError(f"{name} is damaged: a block's restart count is {restarts:,}")
    out: list[tuple[bytes, bytes]] = []
    append = out.append
    p = 0
    key = b""
    try:
        while p < limit:
            shared, non_shared, vlen = block[p], block[p + 1], block[p + 2]
            if shared | non_shared | vlen < 0x80:  # the usual case: three one-byte varints
                p += 3
            else:
                shared, p = varint(block, p)
                non_shared, p = varint(block, p)
                vlen, p = varint(block, p)
            if shared > len(key):
                raise ValueError("shared prefix longer than the previous key")
            key = key[:shared] + block[p : p + non_shared]
            p += non_shared
            append((key, block[p : p + vlen]))
            p += vlen
    except (IndexError, ValueError) as exc:
        raise CheckpointError(f"{name} is damaged: a bad entry in a block ({exc})") from exc
    if p != limit:
        raise CheckpointError(f"{name} is damaged: a block's entries overrun its restart array")
    return out
