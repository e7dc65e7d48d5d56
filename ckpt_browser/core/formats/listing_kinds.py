"""The kind of each variable of a columnar listing (formats/listing.py) -- model, optimizer slot,
moving average, step -- and what each slot is a slot of, as describe() gives them
(formats/variables.py), without a Python object per variable where the names allow."""

from __future__ import annotations

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


def classify_listing(listing: Listing) -> tuple[np.ndarray, dict[int, str]]:
    """(kind index into KINDS per variable, {row: slot_of}) as describe() gives them."""

    kinds = np.full(len(listing), KINDS.index(MODEL), np.int8)
    slots: dict[int, str] = {}
    hits = [listing.rows_with(marker.encode()) for marker in _markers()]
    keys, _ = listing.name_bytes()
    led = np.zeros(len(listing), bool)
    for prefix in PREFIXES:
        if keys.shape[1] >= len(prefix):
            maybe = np.flatnonzero(keys[:, 0] == prefix[0])  # few names start with its letter
            led[maybe] |= (keys[maybe, : len(prefix)] == np.frombuffer(prefix, np.uint8)).all(axis=1)
    if not any(h.size for h in hits) and not led.any():
        return kinds, slots
    rows = np.sort(np.concatenate([*hits, np.flatnonzero(led)]))
    rows = rows[np.append(True, rows[1:] != rows[:-1])]  # (np.union1d would import numpy.ma)
    names = listing.names()
    shown = set(map(display_name, names))
    for row in rows.tolist():
        kind, slot_of = classify(names[row], shown)
        kinds[row] = KINDS.index(kind)
        if slot_of is not None:
            slots[row] = slot_of
    return kinds, slots
