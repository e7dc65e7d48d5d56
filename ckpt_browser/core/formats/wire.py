"""The protobuf wire format, for the two small messages every `ls` decodes by the thousand: the
head of a BundleEntryProto (dtype, shape) and the BundleHeaderProto. Decoding them here keeps
listing free of the protobuf runtime's import (~25 ms, a quarter of `ckpt-browser ls`); every other
message goes through protobuf itself (core/formats/protos.py). Tests compare both readings."""

from __future__ import annotations

from ckpt_browser.core.formats.sstable import varint

VARINT, FIXED64, BYTES, FIXED32 = 0, 1, 2, 5


def fields(buf: bytes):
    """(field number, wire type, value) of each field: an int, or bytes for length-delimited."""
    pos, end = 0, len(buf)
    while pos < end:
        key, pos = varint(buf, pos)
        number, kind = key >> 3, key & 7
        value: int | bytes
        if kind == VARINT:
            value, pos = varint(buf, pos)
        elif kind == BYTES:
            n, pos = varint(buf, pos)
            if pos + n > end:
                raise ValueError("a field runs past the message")
            value, pos = buf[pos : pos + n], pos + n
        elif kind == FIXED32:
            value, pos = int.from_bytes(buf[pos : pos + 4], "little"), pos + 4
        elif kind == FIXED64:
            value, pos = int.from_bytes(buf[pos : pos + 8], "little"), pos + 8
        else:
            raise ValueError(f"wire type {kind} is not used by these messages")
        if pos > end:
            raise ValueError("a field runs past the message")
        yield number, kind, value


def _int64(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def _int32(value: int) -> int:
    """An int32 or enum field as protobuf (and so TensorFlow) reads it: the varint's low 32 bits,
    signed -- a dtype written as 2**32 + 1 is DT_FLOAT to TensorFlow, so to us."""
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >= 1 << 31 else value


def entry_head(buf: bytes) -> tuple[int, tuple[int, ...]]:
    """(dtype, shape) of a BundleEntryProto: field 1 dtype; field 2 TensorShapeProto, whose
    repeated field 2 is Dim {int64 size = 1; string name = 2}."""
    dtype, dims = 0, []
    for number, kind, value in fields(buf):
        if number == 1 and kind == VARINT:
            dtype = _int32(value)
        elif number == 2 and kind == BYTES:
            for n, k, dim in fields(value):
                if n == 2 and k == BYTES:
                    size = 0
                    for dn, dk, dv in fields(dim):
                        if dn == 1 and dk == VARINT:
                            size = _int64(dv)
                    dims.append(size)
    return dtype, tuple(dims)


def bundle_header(buf: bytes) -> tuple[int, int]:
    """(num_shards, endianness) of a BundleHeaderProto."""
    shards = endianness = 0
    for number, kind, value in fields(buf):
        if number == 1 and kind == VARINT:
            shards = _int32(value)  # int32 num_shards
        elif number == 2 and kind == VARINT:
            endianness = _int32(value)
    return shards, endianness


def head_length(raw: bytes) -> int:
    """Length of the leading dtype (field 1, varint) and shape (field 2, bytes) of an entry."""
    p = 0
    if raw[:1] == b"\x08":
        p = 1
        while raw[p] & 0x80:
            p += 1
        p += 1
    if raw[p : p + 1] == b"\x12":
        length, q = varint(raw, p + 1)
        p = q + length
    return p
