"""A tensor's values chunk by chunk, so a full read never holds the whole tensor.

For a tensor bundle's plain entry the chunks are byte ranges of its data file (local or in a
bucket), checked against the entry's crc32c once the last one is read. Other readers (Keras,
TF.js, partitioned variables, TensorFlow's fallback) give whole tensors; those are cut in chunks
of the array they return.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.formats import dtypes
from ckpt_browser.core.formats.bundle import BundleReader, ChecksumMismatch
from ckpt_browser.core.storage import checksum

if TYPE_CHECKING:
    import numpy as np


def iter_chunks(reader, name: str, elements: int) -> Iterator[np.ndarray]:
    """Flat numpy arrays of at most ``elements`` values each, in storage (C) order, covering the
    tensor once. Raises ChecksumMismatch after the last chunk when the bytes do not match."""
    if isinstance(reader, BundleReader):
        entry = reader.entry_info(name)
        np_dtype = dtypes.numpy_dtype(dtypes.base_enum(entry.dtype))
        if not entry.slices and np_dtype is not None:
            yield from _bundle_chunks(reader, name, entry, np_dtype, elements)
            return
    value = reader.read(name)
    flat = value.reshape(-1)
    for start in range(0, max(flat.size, 1), max(1, elements)):
        yield flat[start : start + elements]


def _bundle_chunks(reader: BundleReader, name: str, entry, np_dtype, elements: int) -> Iterator[np.ndarray]:
    import numpy as np

    count = math.prod(entry.shape)
    if count * np_dtype.itemsize != entry.size:
        raise CheckpointError(
            f"{reader.index_name} is damaged: {name} is {list(entry.shape)} {np_dtype.name} "
            f"({count * np_dtype.itemsize:,} bytes) but its entry says {entry.size:,} bytes"
        )
    # The reader's own file handle and byte order: one open file per shard, shared by threads (pread).
    f = reader._file(entry.shard)
    swap = reader._swap and np_dtype.itemsize > 1
    step = max(1, elements) * np_dtype.itemsize
    crc = 0
    done = 0
    while done < entry.size or (done == 0 and entry.size == 0):
        size = min(step, entry.size - done)
        raw = np.empty(size, np.uint8)
        f.read_into(entry.offset + done, raw.data)
        crc = checksum.of_buffer(raw.data, crc)
        done += size
        if swap:
            yield raw.view(np_dtype.newbyteorder()).astype(np_dtype)
        else:
            yield raw.view(np_dtype)
        if entry.size == 0:
            break
    if crc != checksum.unmask(entry.crc):
        raise ChecksumMismatch(
            f"checksum mismatch in {name}: {reader._where(entry)} (crc32c {crc:#010x}, "
            f"the index says {checksum.unmask(entry.crc):#010x})",
            None,
        )
