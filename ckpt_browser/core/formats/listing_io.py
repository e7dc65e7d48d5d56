"""Reading a `.index` file: small ones pair by pair (sstable.py), big ones into columns (listing.py).

Kept apart from listing.py so that opening a small checkpoint never imports numpy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ckpt_browser.core.formats.sstable import read_table
from ckpt_browser.core.storage import Location, open_file

if TYPE_CHECKING:
    from ckpt_browser.core.formats.listing import Listing

COLUMNS_FROM = 1 << 20  # index bytes from which it is read into columns (about 40,000 entries)


def read_index(path: Location, index_name: str) -> tuple[list[tuple[bytes, bytes]], Listing | None]:
    """(pairs, None) for an index under COLUMNS_FROM bytes, or one that does not fit columns;
    ([the header pair], listing) for a big one, read straight into the buffer the columns use."""
    from ckpt_browser.core.formats.bundle_checks import check_index_size

    index = open_file(path)
    try:
        check_index_size(index.size, index_name)
        if index.size < COLUMNS_FROM:
            return read_table(index.read(0, index.size), index_name), None
        import numpy as np

        from ckpt_browser.core.formats.index_columns import SPARE

        buf = np.zeros(index.size + SPARE, np.uint8)
        index.read_into(0, buf.data[: index.size])
    finally:
        index.close()
    from ckpt_browser.core.formats.index_columns import NotColumnar, read_columns
    from ckpt_browser.core.formats.listing import build_listing

    try:
        columns = read_columns(buf, buf.size - SPARE, index_name)
        if len(columns) and columns.key_len[0] == 0:
            listing = build_listing(columns, index_name)
            listing.check_names()  # names that are not plain UTF-8 lines: read pair by pair, escaped
            return [(b"", columns.value(0))], listing
    except NotColumnar:
        pass
    return read_table(buf[: buf.size - SPARE].tobytes(), index_name), None
