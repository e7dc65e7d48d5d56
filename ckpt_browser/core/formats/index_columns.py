"""A big `.index` parsed into columns with numpy, not a Python object per entry.

The sorted table's data blocks (formats/sstable.py) restart their prefix compression every few
entries and list where: every restart group is walked at once, one entry per group per numpy step,
so a million entries take ~16 vectorized steps instead of a million loop turns. Keys are rebuilt
into a zero-padded byte matrix the same way; each entry's head (dtype, shape) is grouped with the
identical heads so it is decoded once. What does not fit the usual shapes (multi-byte lengths,
very long keys) raises NotColumnar and the caller takes the per-entry path, which reads every
table; checks that the per-entry path makes (block checksums, overruns, key order) are made here
too, with the same messages.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.formats import sstable

MAX_KEY_MATRIX = 256 << 20  # bytes of the key matrix beyond which the per-entry path is used


class NotColumnar(Exception):
    """The index has something the vectorized path does not handle: read it entry by entry."""


@dataclass
class IndexColumns:
    """Every (key, value) of the table: keys as rows of a zero-padded byte matrix, values as
    (position, length) in the file's bytes."""

    buf: np.ndarray  # the file's bytes and SPARE zeros
    keys: np.ndarray  # [n, longest key + 1] uint8, zero past each key's end
    key_len: np.ndarray  # [n] int64
    val_pos: np.ndarray  # [n] int64
    val_len: np.ndarray  # [n] int64

    def __len__(self) -> int:
        return int(self.key_len.size)

    def key(self, i: int) -> bytes:
        return self.keys[i, : self.key_len[i]].tobytes()

    def value(self, i: int) -> bytes:
        p = int(self.val_pos[i])
        return self.buf[p : p + int(self.val_len[i])].tobytes()


SPARE = 256  # zero bytes after the file's in the buffer: fixed windows of reads past a value stay inside


def padded(data: bytes) -> np.ndarray:
    """The buffer read_columns takes, from the file's bytes."""
    out = np.zeros(len(data) + SPARE, np.uint8)
    out[: len(data)] = np.frombuffer(data, np.uint8)
    return out


def read_columns(buf: np.ndarray, size: int, name: str) -> IndexColumns:
    """The whole table in columns; CheckpointError for damage, NotColumnar for the unusual.
    buf: the file's `size` bytes followed by SPARE zeros (padded())."""
    from ckpt_browser.core.storage.checksum import of_buffer, unmask

    view = buf.data
    starts, ends = [], []
    for off, block_size in sstable.data_blocks(buf, size, name):
        end = off + block_size
        if off < 0 or block_size < 4 or end + sstable.TRAILER_SIZE > size:
            if off < 0 or block_size < 0 or end + sstable.TRAILER_SIZE > size:
                raise CheckpointError(
                    f"{name} is truncated or damaged: a block at {off:,} runs past the end of the file"
                )
            raise CheckpointError(f"{name} is damaged: a block of {block_size} bytes")
        stored = int.from_bytes(view[end + 1 : end + 5], "little")
        if unmask(stored) != of_buffer(view[off : end + 1]):
            raise CheckpointError(f"{name} is damaged: block checksum mismatch at offset {off:,}")
        kind = int(buf[end])
        if kind == 1:
            raise sstable.UnsupportedFormat(f"{name} has Snappy-compressed blocks, which this reader does not decode")
        if kind != 0:
            raise CheckpointError(f"{name} is damaged: unknown block type {kind} at offset {off:,}")
        restarts = int.from_bytes(view[end - 4 : end], "little")
        limit = block_size - 4 - 4 * restarts
        if limit < 0:
            raise CheckpointError(f"{name} is damaged: a block's restart count is {restarts:,}")
        if limit == 0:
            continue
        points = buf[off + limit : end - 4].view("<u4").astype(np.int64)
        if restarts == 0 or points[0] != 0 or np.any(np.diff(points) <= 0) or points[-1] >= limit:
            raise NotColumnar  # restart array not as LevelDB writes it: walk the block entry by entry
        starts.append(points + off)
        ends.append(np.append(points[1:], limit) + off)
    if not starts:
        empty = np.zeros(0, np.int64)
        return IndexColumns(buf, np.zeros((0, 1), np.uint8), empty, empty, empty)
    pos = np.concatenate(starts)
    stop = np.concatenate(ends)
    groups = pos.size
    steps: list[tuple[np.ndarray, np.ndarray]] = []  # per step: (group numbers, entry positions)
    active = np.arange(groups)
    while active.size:
        p = pos[active]
        if np.any(p + 3 > stop[active]):
            raise CheckpointError(f"{name} is damaged: a bad entry in a block")
        head = buf[p] | buf[p + 1] | buf[p + 2]
        if np.any(head & 0x80):
            raise NotColumnar  # a length of 128 or more: the per-entry path decodes varints
        steps.append((active, p))
        nxt = p + 3 + buf[p + 1] + buf[p + 2]
        pos[active] = nxt
        active = active[nxt < stop[active]]
    if np.any(pos != stop):
        raise CheckpointError(f"{name} is damaged: a block's entries overrun its restart array")
    # Entry order: group by group, step by step inside a group.
    width = len(steps)
    slot = np.full((groups, width), -1, np.int64)
    for k, (g, p) in enumerate(steps):
        slot[g, k] = p
    flat = slot.reshape(-1)
    order_pos = flat[flat >= 0]
    step_of = np.broadcast_to(np.arange(width), (groups, width)).reshape(-1)[flat >= 0]
    del slot, flat, steps
    small = np.int32 if buf.size < 2**31 else np.int64
    order_pos = order_pos.astype(small)
    step_of = step_of.astype(np.int32)
    shared = buf[order_pos].astype(np.int32)
    unshared = buf[order_pos + 1].astype(np.int32)
    vlen = buf[order_pos + 2].astype(np.int32)
    key_len = shared + unshared
    if np.any(shared[step_of == 0] != 0) or np.any(shared[1:] > key_len[:-1]):
        raise CheckpointError(f"{name} is damaged: a bad entry in a block (shared prefix longer than the previous key)")
    longest = int(key_len.max())
    n = order_pos.size
    if n * longest > MAX_KEY_MATRIX:
        raise NotColumnar
    # One spare column: each step writes a fixed window of fragment bytes without a mask, and
    # what would land past the row lands there (zeroed at the end, with the bytes past each key).
    wide = longest + 1
    keys = np.zeros((n, wide), np.uint8)
    flat_keys = keys.reshape(-1)
    frag = order_pos + 3
    for k in range(width):
        rows = np.flatnonzero(step_of == k)
        if k:
            keys[rows] = keys[rows - 1]  # the shared prefix (and bytes past it, overwritten or zeroed)
        window = np.arange(int(unshared[rows].max()))  # after the first step, only what changed
        dst = np.minimum(shared[rows, None] + window, longest) + (rows * wide)[:, None]
        flat_keys[dst] = buf[frag[rows, None] + window]
    del step_of
    keys[np.arange(wide, dtype=np.int32)[None, :] >= key_len[:, None]] = 0
    _check_order(keys, key_len, name)
    return IndexColumns(buf, keys, key_len, frag + unshared, vlen)


def _check_order(keys: np.ndarray, key_len: np.ndarray, name: str) -> None:
    """Keys strictly increasing as bytes (what lookups by bisection, and TensorFlow's, rely on)."""
    n = key_len.size
    if n < 2:
        return
    text = keys.view(f"S{keys.shape[1]}").reshape(-1)  # compared as memcmp, ignoring trailing NULs
    a, b = text[:-1], text[1:]
    less = (a < b) | ((a == b) & (key_len[:-1] < key_len[1:]))
    if not less.all():
        raise NotColumnar  # the per-entry path reads them and verify says which key is out of order
