"""OrderedCode, the encoding of a partitioned tensor's slice keys in a tensor bundle
(tensorflow/core/lib/strings/ordered_code.cc, checkpoint::EncodeTensorNameSlice; docs/formats.md)."""

from __future__ import annotations

import re

_ESCAPE = re.compile(rb"[\x00\xff]")
_HEADER_BITS = [(0, 0), (0x80, 0), (0xC0, 0), (0xE0, 0), (0xF0, 0), (0xF8, 0), (0xFC, 0), (0xFE, 0),
                (0xFF, 0), (0xFF, 0x80), (0xFF, 0xC0)]  # fmt: skip


def _num_increasing(n: int) -> bytes:
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return bytes([len(body)]) + body


def _signed_num_increasing(v: int) -> bytes:
    x = ~v if v < 0 else v
    if x < 64:
        return bytes([(0x80 ^ v) & 0xFF])
    length = x.bit_length() // 7 + 1
    buf = bytearray(v.to_bytes(10, "big", signed=True)[10 - length :])
    buf[0] ^= _HEADER_BITS[length][0]
    buf[1] ^= _HEADER_BITS[length][1]
    return bytes(buf)


def slice_key(name: bytes, extents: tuple[tuple[int, int], ...]) -> bytes:
    """checkpoint::EncodeTensorNameSlice: the key of one slice of a partitioned tensor."""
    escaped = _ESCAPE.sub(lambda m: b"\x00\xff" if m.group() == b"\x00" else b"\xff\x00", name)
    out = [_num_increasing(0), escaped, b"\x00\x01", _num_increasing(len(extents))]
    for start, length in extents:
        out += [_signed_num_increasing(start), _signed_num_increasing(length)]
    return b"".join(out)
