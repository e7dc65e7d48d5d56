"""The kind of each variable of a columnar listing (formats/listing.py) -- model, optimizer slot,
moving average, step -- and what each slot is a slot of, as describe() gives them
(formats/variables.py), without a Python object per variable where the names allow."""

from __future__ import annotations

from collections.abc import Container, Iterator, Mapping

import numpy as np

from ckpt_browser.core.formats import variables as v
from ckpt_browser.core.formats.listing import Listing
from ckpt_browser.core.formats.variables import KINDS, MODEL, classify, display_name


def _markers() -> tuple[str, ...]:
    """Substrings without which none of classify()'s rules can match a name (formats/variables.py),
    made from its own word lists: a name holding none of them is a model variable. Finding them
    is a few C-speed scans of the joined names. Words holding a shorter word are left out."""

    words = {*v._SPECIAL_LAST, "_power", v._SLOT_MARK.strip("/"), *v._COUNTERS, v.OBJECT_GRAPH}
    return tuple(sorted(w for w in words if not any(o != w and o in w for o in words)))


PREFIXES = (b"training/", b"optimizer/", b"opt/")  # only at the start of a name


def classify_listing(listing: Listing) -> tuple[np.ndarray, SlotOwners]:
    """(kind index into KINDS per variable, {row: slot_of}) as describe() gives them. A TF1
    optimizer's slots (kernel/Adam, kernel/Adam_1: two of every three names of a checkpoint
    trained with Adam) are told by numpy over the key matrix; the few names left go through
    classify() one by one, with the names looked up by binary search, not put in a set."""

    kinds = np.full(len(listing), KINDS.index(MODEL), np.int8)
    hits = [listing.rows_with(marker.encode()) for marker in _markers()]
    keys, _ = listing.name_bytes()
    led = np.zeros(len(listing), bool)
    for prefix in PREFIXES:
        if keys.shape[1] >= len(prefix):
            maybe = np.flatnonzero(keys[:, 0] == prefix[0])  # few names start with its letter
            led[maybe] |= (keys[maybe, : len(prefix)] == np.frombuffer(prefix, np.uint8)).all(axis=1)
    if not any(h.size for h in hits) and not led.any():
        return kinds, SlotOwners(listing)
    rows = np.sort(np.concatenate([*hits, np.flatnonzero(led)]))
    rows = rows[np.append(True, rows[1:] != rows[:-1])]  # (np.union1d would import numpy.ma)
    if listing.has(v._ATTR_SUFFIX.encode()):  # display names differ from the stored ones: one by one
        names = listing.names()
        shown = set(map(display_name, names))
        return kinds, SlotOwners(listing, named=_one_by_one(kinds, rows, names.__getitem__, shown))
    stored = _SortedNames(listing)
    slot_rows, owners, settled = _tf1_slots(listing, rows, stored)
    kinds[slot_rows] = KINDS.index(v.OPTIMIZER)
    named = _one_by_one(kinds, rows[~settled], stored.name, stored)
    return kinds, SlotOwners(listing, slot_rows, owners, named)


def _one_by_one(kinds: np.ndarray, rows: np.ndarray, name_of, shown: Container[str]) -> dict[int, str]:
    slots: dict[int, str] = {}
    for row in rows.tolist():
        kind, slot_of = classify(name_of(row), shown)
        kinds[row] = KINDS.index(kind)
        if slot_of is not None:
            slots[row] = slot_of
    return slots


_CHUNK = 1 << 16  # rows per step: the temporaries stay a few MB
_SLASH = ord("/")


def _tf1_slots(listing: Listing, rows: np.ndarray, stored: _SortedNames) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """classify()'s TF1 slot rule over the candidate rows, where it is simple: a name whose last
    part is a slot's ("Adam", "Momentum", ...) and whose head is a variable is a slot of it. Not
    for names another rule takes first (a "/.OPTIMIZER_SLOT/" in it, an Estimator's "training/"),
    nor when the head is no variable (classify() looks further). (the slots' rows, the row of
    what each is a slot of, which candidates were settled)."""
    keys, lengths = listing.name_bytes()
    wide = keys.shape[1]
    other = np.zeros(len(listing), bool)
    other[listing.rows_with(v._SLOT_MARK.encode())] = True
    training = np.frombuffer(b"training/", np.uint8)
    words = [np.frombuffer(w.encode(), np.uint8) for w in sorted(v._TF1_SLOTS)]
    settled = np.zeros(rows.size, bool)
    slot_parts, owner_parts = [], []
    cols = np.arange(wide)
    for a in range(0, rows.size, _CHUNK):
        r = rows[a : a + _CHUNK]
        sub, n = keys[r], lengths[r].astype(np.int64)
        backwards = sub[:, ::-1] == _SLASH
        slash = np.where(backwards.any(axis=1), wide - 1 - backwards.argmax(axis=1), -1)  # the last "/"
        tail = n - slash - 1
        hit = np.zeros(r.size, bool)
        for word in words:
            maybe = np.flatnonzero((tail == word.size) & (slash >= 0))
            if maybe.size:
                at = slash[maybe, None] + 1 + np.arange(word.size)[None, :]
                hit[maybe[(sub[maybe[:, None], at] == word).all(axis=1)]] = True
        hit &= ~other[r]
        if wide >= training.size:
            hit &= ~(sub[:, : training.size] == training).all(axis=1)
        heads = sub[hit]
        heads[cols[None, :] >= slash[hit][:, None]] = 0  # the head: up to the last "/"
        owners = stored.rows_of(heads, slash[hit])
        hit[np.flatnonzero(hit)[owners < 0]] = False  # no variable of its head's name: one by one
        settled[a : a + r.size] = hit
        slot_parts.append(r[hit])
        owner_parts.append(owners[owners >= 0])
    empty = np.zeros(0, np.int64)
    return np.concatenate([empty, *slot_parts]), np.concatenate([empty, *owner_parts]), settled


class _SortedNames:
    """The listing's names, for `name in`: a binary search of the key matrix (names sort as the
    index stores them), not a set of a million strings."""

    def __init__(self, listing: Listing) -> None:
        keys, self.lengths = listing.name_bytes()
        self.keys = np.ascontiguousarray(keys)
        self.as_text = self.keys.view(f"S{max(self.keys.shape[1], 1)}").reshape(-1)

    def name(self, row: int) -> str:
        return self.keys[row, : self.lengths[row]].tobytes().decode()

    def rows_of(self, names: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """The row of each name (zero-padded rows of the key matrix's width, and their lengths), or -1."""
        if not names.size:
            return np.zeros(0, np.int64)
        want = np.ascontiguousarray(names).view(self.as_text.dtype).reshape(-1)
        at = np.minimum(np.searchsorted(self.as_text, want), self.as_text.size - 1)
        found = (self.as_text[at] == want) & (self.lengths[at] == lengths)
        return np.where(found, at, -1).astype(np.int64)

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        raw = name.encode()
        if not raw or len(raw) > self.keys.shape[1]:
            return False
        row = np.frombuffer(raw.ljust(self.keys.shape[1], b"\0"), np.uint8)[None, :]
        return bool(self.rows_of(row, np.array([len(raw)]))[0] >= 0)


class SlotOwners(Mapping[int, str]):
    """{variable: the display name of what it is a slot of} of a listing: arrays for the slots
    told by numpy (the owner's name made when asked for), a dict for the few told one by one."""

    def __init__(self, listing: Listing, rows: np.ndarray | None = None, owners: np.ndarray | None = None,
                 named: dict[int, str] | None = None) -> None:  # fmt: skip
        self._keys, self._lengths = listing.name_bytes()
        self._rows = np.zeros(0, np.int64) if rows is None else rows  # ascending
        self._owners = np.zeros(0, np.int64) if owners is None else owners
        self._named = named or {}

    def _name(self, row: int) -> str:
        return self._keys[row, : self._lengths[row]].tobytes().decode()

    def __getitem__(self, row: int) -> str:
        if row in self._named:
            return self._named[row]
        i = int(np.searchsorted(self._rows, row))
        if i < self._rows.size and self._rows[i] == row:
            return self._name(int(self._owners[i]))
        raise KeyError(row)

    def __iter__(self) -> Iterator[int]:
        yield from self._rows.tolist()
        yield from self._named

    def __len__(self) -> int:
        return int(self._rows.size) + len(self._named)

    def items(self):  # type: ignore[override]  # the names decoded in a run, not looked up one by one
        owners = self._owners.tolist()
        names = {o: self._name(o) for o in set(owners)}
        return [*zip(self._rows.tolist(), (names[o] for o in owners)), *self._named.items()]
