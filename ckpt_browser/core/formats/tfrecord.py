"""TFRecord framing, the container of event files (tensorflow/core/lib/io/record_writer.cc).

Each record: uint64 length (LE), masked crc32c of those 8 bytes, the data, masked crc32c of the
data. A file being written ends in a partial record: reading stops before it and resumes there.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ckpt_browser.core.storage.checksum import of_bytes, unmask

HEADER = 12
FOOTER = 4
MAX_RECORD = 256 << 20  # an event is KB; a length beyond this is damage, not data
PEEK = 32  # data bytes read with a header when records may be skipped: an Event's first fields


@dataclass
class Damage:
    offset: int  # where the bad record starts
    reason: str


def read_records(
    f, offset: int, size: int, out_damage: list[Damage], skip: Callable[[bytes, int], bool] | None = None
) -> Iterator[tuple[int, bytes | None]]:
    """Yield (offset after the record, data) for each complete record from ``offset``; stop at a
    partial record at the end (being written), or at damage (appended to ``out_damage``).

    skip(head, length): given a record's first bytes (up to PEEK of its data) and its length,
    True when the rest need not be read: (offset after it, None) is yielded, and its data is
    neither read nor checksummed (the events' graphs are most of their bytes)."""
    while offset + HEADER <= size:
        first = f.read(offset, min(HEADER + PEEK, size - offset)) if skip else f.read(offset, HEADER)
        header = first[:HEADER]
        (length,) = struct.unpack_from("<Q", header)
        if unmask(struct.unpack_from("<I", header, 8)[0]) != of_bytes(header[:8]):
            out_damage.append(Damage(offset, "bad length checksum"))
            return
        if length > MAX_RECORD:
            out_damage.append(Damage(offset, f"a record claims {length:,} bytes"))
            return
        end = offset + HEADER + length + FOOTER
        if end > size:
            return  # partial: the writer has not finished this record yet
        if skip is not None and skip(first[HEADER : HEADER + length], length):
            offset = end
            yield offset, None
            continue
        body = f.read(offset + HEADER, length + FOOTER)
        data = body[:length]
        if unmask(struct.unpack_from("<I", body, length)[0]) != of_bytes(data):
            out_damage.append(Damage(offset, "bad data checksum"))
            return
        offset = end
        yield offset, data
