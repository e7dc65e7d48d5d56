"""A checkpoint's variable list in columns: names as one text, heads (dtype, shape) decoded once each.

What `ls` prints and counts for a million variables without a Python object per variable; the
per-variable records (VariableEntry) are made only when someone asks for them.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field

import numpy as np

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.formats import dtypes, wire
from ckpt_browser.core.formats.index_columns import IndexColumns, NotColumnar
from ckpt_browser.core.formats.records import no_gc

Head = tuple[tuple[int, ...], int, str]  # shape, dtype enum, dtype name
_FEW = 4096  # hits of a needle found one by one; more: by numpy over the key matrix


@dataclass
class Listing:
    """Variables (not the header, not the slices of partitioned ones) in key order."""

    columns: IndexColumns
    rows: np.ndarray  # the variables' rows in columns
    head_of: np.ndarray  # [variables] int32 index into heads
    heads: list[Head]
    _joined: bytes | None = field(default=None, repr=False)
    _checked: bool = field(default=False, repr=False)
    _haystack: tuple | None = field(default=None, repr=False)
    _bytes_seen: dict[int, bool] = field(default_factory=dict, repr=False)
    _next: int = field(default=0, repr=False)

    def __len__(self) -> int:
        return int(self.rows.size)

    def name_bytes(self) -> tuple[np.ndarray, np.ndarray]:
        """(zero-padded key matrix, lengths) of the variables: a view when they are one run of rows
        (every index but those with partitioned variables)."""
        rows = self.rows
        if rows.size and rows[-1] - rows[0] + 1 == rows.size:
            pick: slice | np.ndarray = slice(int(rows[0]), int(rows[-1]) + 1)
        else:
            pick = rows
        return self.columns.keys[pick], self.columns.key_len[pick]

    def joined(self) -> bytes:
        """Every name as stored, joined by newlines; NotColumnar when a name is not UTF-8 or
        holds a newline (then names cannot be told apart in it)."""
        if self._joined is None:
            self.check_names()
            keys, lengths = self.name_bytes()
            self._joined = join_rows(keys, lengths, b"\n")
        return self._joined

    def check_names(self) -> None:
        """NotColumnar when a name holds a newline or is not UTF-8 (each line of `ls` is a name,
        and names are str): looked for in the rows, without joining them."""
        if self._checked:
            return
        if self.has_byte(ord("\n")):
            raise NotColumnar
        store = self.columns.store
        if store is None or not store.isascii():
            keys, lengths = self.name_bytes()
            if keys.size and keys.max() >= 0x80:
                try:
                    join_rows(keys, lengths, b"\n").decode()
                except UnicodeDecodeError:
                    raise NotColumnar from None
        self._checked = True

    def _hay(self) -> tuple[bytes | bytearray, int, int]:
        """(the rows of the names as one buffer, where they start and end in it): the key matrix's
        own memory when the names are one run of its rows; rows are zero-padded and end in a zero."""
        if self._haystack is None:
            keys, _ = self.name_bytes()
            store, wide = self.columns.store, self.columns.keys.shape[1]
            rows = self.rows
            if store is not None and len(self) and rows[-1] - rows[0] + 1 == rows.size:
                self._haystack = (store, int(rows[0]) * wide, (int(rows[-1]) + 1) * wide)
            else:
                hay = keys.tobytes()
                self._haystack = (hay, 0, len(hay))
        return self._haystack

    def has_byte(self, byte: int) -> bool:
        """Whether some name holds this byte (memchr over the rows, remembered)."""
        known = self._bytes_seen.get(byte)
        if known is None:
            hay, lo, hi = self._hay()
            known = self._bytes_seen[byte] = hay.find(bytes([byte]), lo, hi) >= 0
        return known

    def has(self, needle: bytes) -> bool:
        """Whether some name holds needle."""
        if not needle or not all(self.has_byte(b) for b in set(needle)):
            return False
        hay, lo, hi = self._hay()
        return hay.find(needle, lo, hi) >= 0

    def rows_with(self, needle: bytes) -> np.ndarray:
        """The variables (positions in this listing, ascending) whose name holds needle: one C
        scan of the rows, skipped when a byte of needle is in no name."""
        if not needle or not all(self.has_byte(b) for b in set(needle)):
            return np.zeros(0, np.int64)
        hay, lo, hi = self._hay()
        wide = self.columns.keys.shape[1]
        at = hay.find(needle, lo, hi)
        if at < 0:
            return np.zeros(0, np.int64)
        if hay.count(needle, at, hi) > _FEW:  # most names (an optimizer's slots): no int per hit
            return self._rows_holding(needle)
        found = []
        while at >= 0:
            row = (at - lo) // wide
            found.append(row)
            at = hay.find(needle, lo + (row + 1) * wide, hi)  # the next name on
        return np.array(found, np.int64)

    def _rows_holding(self, needle: bytes) -> np.ndarray:
        """rows_with by numpy over the key matrix, a chunk of rows at a time: where the needle's
        first byte is, then which of those places go on with its other bytes. Rows end in a zero
        (index_columns.py pads each) and the needle holds none, so a match is within one name;
        one running past its row is cut off all the same."""
        keys, _ = self.name_bytes()
        wide = keys.shape[1]
        want = np.frombuffer(needle, np.uint8)
        parts = []
        for a in range(0, keys.shape[0], 1 << 16):
            flat = np.ascontiguousarray(keys[a : a + (1 << 16)]).reshape(-1)
            at = np.flatnonzero(flat[: max(flat.size - want.size + 1, 0)] == want[0])
            for i in range(1, want.size):
                at = at[flat[at + i] == want[i]]
            at = at[at % wide + want.size <= wide]
            rows = at // wide
            parts.append(rows[np.append(True, rows[1:] != rows[:-1])] + a if rows.size else rows)
        return np.concatenate([np.zeros(0, np.int64), *parts]).astype(np.int64)

    def text(self) -> str:
        """joined() as text."""
        return self.joined().decode()

    def names(self) -> list[str]:
        return self.text().split("\n") if len(self) else []

    def entries(self, entry_cls) -> list:
        """A record per variable, entry_cls(name, shape, dtype name): for who needs them all."""

        per_head = [(shape, name) for shape, _, name in self.heads]
        with no_gc():
            return [entry_cls(n, *per_head[h]) for n, h in zip(self.names(), self.head_of.tolist())]

    def find(self, key: bytes) -> bytes | None:
        """The encoded entry stored under key (a variable, a slice, the header), or None."""

        cols = self.columns
        i = self._next  # who reads every variable asks in key order: the row after the last found
        if not (i < len(cols) and cols.key(i) == key):
            i = bisect.bisect_left(_Keys(cols), key)
            if not (i < len(cols) and cols.key(i) == key):
                return None
        self._next = i + 1  # a hint only (threads may race on it): the key is compared before use
        return cols.value(i)

    def params_per_row(self) -> np.ndarray:
        """Elements of each variable (int64; object ints if a shape overflows int64)."""
        counts = [math.prod(shape) for shape, _, _ in self.heads]
        table = np.array(counts, np.int64 if max(counts, default=0) < 2**62 else object)
        return table[self.head_of]

    def need_bytes(self) -> int:
        """Bytes the fixed-size tensors take (data files shorter than this are truncated)."""
        per_head = np.bincount(self.head_of, minlength=len(self.heads))
        return sum(
            int(k) * max(math.prod(shape), 0) * (dtypes.itemsize(name) or 0)
            for k, (shape, _, name) in zip(per_head, self.heads)
        )


class _Keys:
    """The keys of IndexColumns as a sequence, for bisect."""

    def __init__(self, columns: IndexColumns) -> None:
        self.columns = columns

    def __len__(self) -> int:
        return len(self.columns)

    def __getitem__(self, i: int) -> bytes:
        return self.columns.key(i)


def join_rows(keys: np.ndarray, lengths: np.ndarray, sep: bytes) -> bytes:
    """The rows' first `lengths` bytes, each followed by sep but the last, as one bytes (made in
    chunks: the temporaries stay small)."""
    if not lengths.size:
        return b""
    parts = []
    cols = np.arange(keys.shape[1])[None, :]
    for a in range(0, lengths.size, 1 << 16):
        k, n = keys[a : a + (1 << 16)], lengths[a : a + (1 << 16)]
        k = np.where(cols < n[:, None], k, sep[0])  # the key's bytes, then separators
        parts.append(k[cols <= n[:, None]].tobytes())  # the key and one separator
    return b"".join(parts)[:-1]


def _group_rows(mat: np.ndarray) -> tuple[list[bytes], np.ndarray]:
    """(distinct rows as bytes, which one each row is, int32): rows hashed to 64 bits and sorted
    as integers (sorting a million byte strings takes 5x longer), one per run of equal
    neighbours (a variable's slots follow it with its head); the grouping is then checked byte
    for byte, and a collision falls back to sorting the rows themselves."""
    n, width = mat.shape
    if not n:
        return [], np.zeros(0, np.int32)
    words = -(-width // 8)
    padded = np.zeros((n, words * 8), np.uint8)
    padded[:, :width] = mat
    cols = padded.view("<u8")
    h = cols[:, 0].copy()
    with np.errstate(over="ignore"):
        for j in range(1, words):
            h = h * np.uint64(0x9E3779B97F4A7C15) + cols[:, j]
    starts = np.concatenate([[0], np.flatnonzero(h[1:] != h[:-1]) + 1])
    _, first_run, run_of = np.unique(h[starts], return_index=True, return_inverse=True)
    del h
    first = starts[first_run]
    inverse = np.repeat(run_of.reshape(-1).astype(np.int32), np.diff(np.append(starts, n)))
    step = 1 << 16
    if words == 1 or all(
        np.array_equal(padded[a : a + step], padded[first[inverse[a : a + step]]]) for a in range(0, n, step)
    ):
        return [mat[i].tobytes() for i in first.tolist()], inverse
    as_text = np.ascontiguousarray(mat).view(f"S{width}").reshape(-1)
    unique, which = np.unique(as_text, return_inverse=True)
    return [bytes(u) for u in unique], which.reshape(-1).astype(np.int32)


def build_listing(columns: IndexColumns, index_name: str) -> Listing:
    """The variable rows and their heads; NotColumnar for entries that do not start dtype, shape."""
    n = len(columns)
    keys, key_len = columns.keys, columns.key_len
    first = keys[:, 0] if keys.shape[1] else np.zeros(n, np.uint8)
    rows = np.flatnonzero((key_len > 0) & ((first != 0) | (key_len == 0)))  # not the header, not slices
    buf = columns.buf
    vp, vl = columns.val_pos[rows], columns.val_len[rows]
    shape_len = buf[vp + 3].astype(np.int32)
    usual = (vl >= 4) & (buf[vp] == 0x08) & (buf[vp + 1] < 0x80) & (buf[vp + 2] == 0x12) & (shape_len < 0x80)
    usual &= 4 + shape_len <= vl
    if not usual.all():
        raise NotColumnar
    head_len = 4 + shape_len
    widest = int(head_len.max()) if rows.size else 4
    mat = np.empty((rows.size, widest), np.uint8)
    for j in range(widest):  # column by column: no index matrix as big as the heads
        mat[:, j] = np.where(j < head_len, buf[np.minimum(vp + j, buf.size - 1)], 0)
    # Rows as fixed-width bytes: np.unique groups equal heads (the length tells apart trailing zeros).
    mat = np.concatenate([head_len.astype(np.uint8)[:, None], mat], axis=1)
    unique, head_of = _group_rows(mat)
    heads: list[Head] = []
    for raw in unique:
        head = bytes(raw).ljust(widest + 1, b"\0")
        try:
            dtype, shape = wire.entry_head(head[1 : 1 + head[0]])
        except (ValueError, IndexError) as exc:
            raise CheckpointError(f"{index_name} is damaged: an entry is not a BundleEntryProto") from exc
        heads.append((shape, dtype, dtypes.dtype_name(dtype)))
    return Listing(columns, rows, head_of, heads)


def char_lengths(listing: Listing) -> np.ndarray:
    """Each name's length in characters (what str.ljust pads to)."""
    keys, lengths = listing.name_bytes()
    if not keys.size or keys.max() < 0x80:
        return lengths
    out = np.empty_like(lengths)
    for a in range(0, lengths.size, 1 << 16):
        k = keys[a : a + (1 << 16)]
        out[a : a + (1 << 16)] = ((k & 0xC0) != 0x80).sum(axis=1) - (k == 0).sum(axis=1)
    return out
