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
    store: bytearray | None = None  # the memory of keys, when they were built in a bytearray

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
    from ckpt_browser.core.storage.checksum import of_bytes, unmask

    view = buf.data
    offs, limits, counts = [], [], []
    for off, block_size in sstable.data_blocks(buf, size, name):
        end = off + block_size
        if off < 0 or block_size < 4 or end + sstable.TRAILER_SIZE > size:
            if off < 0 or block_size < 0 or end + sstable.TRAILER_SIZE > size:
                raise CheckpointError(
                    f"{name} is truncated or damaged: a block at {off:,} runs past the end of the file"
                )
            raise CheckpointError(f"{name} is damaged: a block of {block_size} bytes")
        stored = int.from_bytes(view[end + 1 : end + 5], "little")
        if unmask(stored) != of_bytes(bytes(view[off : end + 1])):  # google_crc32c: no crc32c import
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
        if limit:
            offs.append(off)
            limits.append(limit)
            counts.append(restarts)
    if not offs:
        empty = np.zeros(0, np.int64)
        return IndexColumns(buf, np.zeros((0, 8), np.uint8), empty, empty, empty)
    pos, stop = _restart_groups(buf, np.array(offs), np.array(limits), np.array(counts))
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
    # Entry order: group by group, step by step inside a group. A group's size is the steps it
    # took; its rows start after the rows of the groups before it.
    size_of = np.zeros(groups, np.int64)
    for k, (g, _) in enumerate(steps):
        size_of[g] = k + 1
    row_start = np.cumsum(size_of) - size_of
    n = int(size_of.sum())
    small = np.int32 if buf.size < 2**31 else np.int64
    order_pos = np.empty(n, small)
    step_rows = []
    for k, (g, p) in enumerate(steps):
        rows = row_start[g] + k
        order_pos[rows] = p
        step_rows.append(rows)
    del steps, size_of
    shared = buf[order_pos].astype(np.int32)
    unshared = buf[order_pos + 1].astype(np.int32)
    vlen = buf[order_pos + 2].astype(np.int32)
    key_len = shared + unshared
    if np.any(shared[row_start] != 0) or np.any(shared[1:] > key_len[:-1]):
        raise CheckpointError(f"{name} is damaged: a bad entry in a block (shared prefix longer than the previous key)")
    longest = int(key_len.max())
    if n * longest > MAX_KEY_MATRIX:
        raise NotColumnar
    # Rows of whole 8-byte words, with at least one spare zero: every row ends in a zero
    # (bytearray.find over the rows never runs from one name into the next), and a shared
    # prefix is copied a word at a time. The matrix lives in a bytearray, searched in place.
    wide = (longest + 8) // 8 * 8
    store = bytearray(n * wide)
    keys = np.frombuffer(store, np.uint8).reshape(n, wide)
    frag = order_pos + 3
    flat, whole_rows = keys.reshape(-1), np.frombuffer(store, f"V{wide}")
    words, per_row = flat.view("<u8"), wide // 8
    word = np.arange(per_row, dtype=np.int32)[None, :]
    low_bytes = np.array([(1 << (8 * b)) - 1 for b in range(9)], np.uint64)  # a word's first b bytes
    for k, rows in enumerate(step_rows):  # a row is the row before it, then its own bytes
        if k:
            whole_rows[rows] = whole_rows[rows - 1]
            shorter = rows[key_len[rows] < key_len[rows - 1]]  # what they kept of a longer key: zeroed
            if shorter.size:
                at = shorter[:, None] * per_row + word
                words[at] &= low_bytes[np.minimum(np.maximum(key_len[shorter, None] - 8 * word, 0), 8)]
        _write_fragments(flat, buf, rows, frag[rows], shared[rows], unshared[rows], wide)
    del step_rows
    _check_order(keys, key_len, shared, name)
    return IndexColumns(buf, keys, key_len, frag + unshared, vlen, store)


def _restart_groups(buf: np.ndarray, offs: np.ndarray, limits: np.ndarray, counts: np.ndarray):
    """(start, end) in the file of every restart group of the data blocks at offs (entries
    ending at limits, counts restart points after them); NotColumnar when a block's restart
    array is not as LevelDB writes it (0 first, increasing, inside the entries)."""
    if np.any(counts == 0):
        raise NotColumnar  # entries but no restart point: walk the block entry by entry
    before = np.cumsum(counts) - counts
    total = int(counts.sum())
    at = np.repeat(offs + limits - 4 * before, counts) + 4 * np.arange(total, dtype=np.int64)
    points = buf[at].astype(np.int64)
    for k in (1, 2, 3):
        points |= buf[at + k].astype(np.int64) << (8 * k)
    last = before + counts - 1
    inside = np.ones(total, bool)
    inside[before] = False  # each point but a block's first follows one of its own block
    if np.any(points[before] != 0) or np.any(np.diff(points)[inside[1:]] <= 0) or np.any(points[last] >= limits):
        raise NotColumnar  # restart array not as LevelDB writes it: walk the block entry by entry
    block_off = np.repeat(offs, counts)
    stop = np.empty(total, np.int64)
    stop[:-1] = points[1:]
    stop[last] = limits
    return points + block_off, stop + block_off


def _write_fragments(flat_keys, buf, rows, frag, shared, unshared, wide: int) -> None:
    """The rows' own bytes (what each key does not share with the key before) into them, after
    their shared prefix: a scatter of all their bytes, in chunks of rows (small index arrays)."""
    step = 1 << 14
    for a in range(0, rows.size, step):
        un = unshared[a : a + step].astype(np.int64)
        total = int(un.sum())
        if total:
            before = np.cumsum(un) - un  # where each row's bytes start among the chunk's
            at = np.arange(total, dtype=np.int64)
            dst = np.repeat(rows[a : a + step] * wide + shared[a : a + step] - before, un)
            flat_keys[dst + at] = buf[np.repeat(frag[a : a + step] - before, un) + at]


def _check_order(keys: np.ndarray, key_len: np.ndarray, shared: np.ndarray, name: str) -> None:
    """Keys strictly increasing as bytes (what lookups by bisection, and TensorFlow's, rely on).
    Two neighbours agree on the prefix the second shares (none at a restart), so the byte after
    it decides, or the lengths when one ends there; equal bytes there (a writer that shared less
    than it could) are compared in full."""
    n = key_len.size
    if n < 2:
        return
    wide = keys.shape[1]
    flat = keys.reshape(-1)
    s = shared[1:].astype(np.int64)
    la, lb = key_len[:-1], key_len[1:]
    at = np.arange(1, n, dtype=np.int64) * wide + s
    a, b = flat[at - wide], flat[at]
    inside = (s < la) & (s < lb)
    ok = (inside & (a < b)) | ((s == la) & (s < lb))
    unsure = np.flatnonzero(inside & (a == b))
    if unsure.size:
        text = keys.view(f"S{wide}").reshape(-1)  # compared as memcmp, ignoring trailing NULs
        x, y = text[unsure], text[unsure + 1]
        ok[unsure] = (x < y) | ((x == y) & (la[unsure] < lb[unsure]))
    if not ok.all():
        raise NotColumnar  # the per-entry path reads them and verify says which key is out of order
