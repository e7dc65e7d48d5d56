"""Mutations of real tensor bundles for bad-input tests: read a checkpoint's .index written by
TensorFlow, change its entries or header with protobuf, and write the table back (one data block,
every key a restart point -- a layout TensorFlow's table reader reads like its own)."""

from __future__ import annotations

import struct
from pathlib import Path

from ckpt_browser.core.formats.sstable import MAGIC, read_table
from ckpt_browser.core.storage.checksum import of_bytes


def mask(crc: int) -> int:
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _block(pairs: list[tuple[bytes, bytes]]) -> bytes:
    body, restarts = bytearray(), []
    for key, value in pairs:
        restarts.append(len(body))
        body += _varint(0) + _varint(len(key)) + _varint(len(value)) + key + value
    for r in restarts or [0]:
        body += struct.pack("<I", r)
    return bytes(body + struct.pack("<I", len(restarts) or 1))


def write_table(path: Path, pairs: list[tuple[bytes, bytes]]) -> None:
    out = bytearray()

    def add(block: bytes) -> bytes:
        handle = _varint(len(out)) + _varint(len(block))
        out.extend(block + b"\x00" + struct.pack("<I", mask(of_bytes(b"\x00", of_bytes(block)))))
        return handle

    data = add(_block(pairs))
    meta = add(_block([]))
    index = add(_block([(pairs[-1][0] + b"\xff" if pairs else b"\xff", data)]))
    footer = (meta + index).ljust(40, b"\x00") + struct.pack("<Q", MAGIC)
    path.write_bytes(bytes(out) + footer)


def read_pairs(index: Path) -> list[tuple[bytes, bytes]]:
    return read_table(index.read_bytes(), index.name)


def edit_entry(index: Path, name: str, change) -> None:
    """change(BundleEntryProto) edits the entry of ``name`` in place; the table is written back."""
    from ckpt_browser.core.formats.protos import bundle_protos

    pairs = read_pairs(index)
    out = []
    for key, value in pairs:
        if key == name.encode():
            entry = bundle_protos().BundleEntryProto.FromString(value)
            change(entry)
            value = entry.SerializeToString()
        out.append((key, value))
    write_table(index, out)


def edit_header(index: Path, change) -> None:
    from ckpt_browser.core.formats.protos import bundle_protos

    pairs = read_pairs(index)
    header = bundle_protos().BundleHeaderProto.FromString(pairs[0][1])
    change(header)
    write_table(index, [(b"", header.SerializeToString()), *pairs[1:]])
