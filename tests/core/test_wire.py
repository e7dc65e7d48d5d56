"""core/formats/wire.py reads what the protobuf runtime writes, for the messages it decodes."""

from __future__ import annotations

import pytest
from google.protobuf.message import DecodeError
from hypothesis import given, settings
from hypothesis import strategies as st

from ckpt_browser.core.formats import wire
from ckpt_browser.core.formats.protos import bundle_protos
from ckpt_browser.core.formats.sstable import varint


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    dtype=st.integers(0, 200),
    dims=st.lists(st.integers(-(2**63), 2**63 - 1), max_size=6),
    names=st.booleans(),
    offset=st.integers(0, 2**62),
    crc=st.integers(0, 2**32 - 1),
    slices=st.integers(0, 2),
)
def test_entry_heads_read_like_protobuf(dtype, dims, names, offset, crc, slices):
    e = bundle_protos().BundleEntryProto(dtype=dtype, shard_id=1, offset=offset, size=offset // 3, crc32c=crc)
    for i, d in enumerate(dims):
        e.shape.dim.add(size=d, name=f"d{i}" if names else "")
    for _ in range(slices):
        e.slices.add().extent.add(start=1, length=2)
    raw = e.SerializeToString()
    assert wire.entry_head(raw) == (dtype, tuple(dims))


@given(shards=st.integers(0, 2**31 - 1), endianness=st.sampled_from([0, 1]), producer=st.integers(0, 100))
def test_headers_read_like_protobuf(shards, endianness, producer):
    h = bundle_protos().BundleHeaderProto(num_shards=shards, endianness=endianness)
    h.version.producer = producer
    assert wire.bundle_header(h.SerializeToString()) == (shards, endianness)


def entry_as_protobuf_reads_it(m) -> tuple[int, tuple[int, ...]]:
    return m.dtype, tuple(d.size for d in m.shape.dim)


def header_as_protobuf_reads_it(m) -> tuple[int, int]:
    return m.num_shards, m.endianness


def as_int32(v: int) -> int:
    """What protobuf makes of a varint in an int32 or enum field: its low 32 bits, signed."""
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v >= 1 << 31 else v


GROUPS = (3, 4)  # wire types protobuf skips as unknown fields; wire.py refuses them (no writer uses them here)


def holds_a_group(buf: bytes) -> bool:
    return any(kind in GROUPS for kind in _wire_types(buf))


def _wire_types(buf: bytes):
    pos = 0
    while pos < len(buf):
        try:
            key, pos = varint(buf, pos)
        except ValueError:
            return
        yield key & 7
        if key & 7 == 0:
            while pos < len(buf) and buf[pos] & 0x80:
                pos += 1
            pos += 1
        elif key & 7 == 2:
            try:
                n, pos = varint(buf, pos)
            except ValueError:
                return
            pos += n
        elif key & 7 in (1, 5):
            pos += 8 if key & 7 == 1 else 4


@settings(max_examples=500, deadline=None, derandomize=True)
@given(
    junk=st.binary(max_size=64)
    | st.builds(bytes, st.lists(st.sampled_from(b"\x08\x10\x12\x02\x80\x01\x7f\x00"), max_size=24))
)
@pytest.mark.parametrize(
    "message, ours, theirs, int32_at",
    [
        ("BundleEntryProto", wire.entry_head, entry_as_protobuf_reads_it, 0),  # dtype: an enum
        ("BundleHeaderProto", wire.bundle_header, header_as_protobuf_reads_it, None),  # int32, enum
    ],
)
def test_garbage_reads_as_protobuf_reads_it_or_is_a_value_error(message, ours, theirs, int32_at, junk):
    """Each reader on its own: bytes the protobuf runtime reads, wire.py reads the same (its refusal is
    a bug, but for a group field, which it refuses by design); bytes protobuf refuses, wire.py may read
    or refuse, with the errors its callers catch (ValueError, IndexError), never another."""
    try:
        msg = getattr(bundle_protos(), message).FromString(junk)
    except DecodeError:
        msg = None
    try:
        got = ours(junk)
    except (ValueError, IndexError) as exc:
        assert msg is None or holds_a_group(junk), f"{ours.__name__} refused what protobuf reads: {junk!r} ({exc})"
        return
    if msg is None:
        return
    want = theirs(msg)
    # An int32 or enum varint past 31 bits: protobuf keeps the low 32 (test_an_int32_past_31_bits below).
    seen = tuple(
        as_int32(v) if isinstance(v, int) and (int32_at is None or i == int32_at) else v for i, v in enumerate(got)
    )
    assert seen == want, junk


def test_an_int32_past_31_bits_reads_as_protobuf_reads_it():
    raw = b"\x08" + _varint((1 << 32) + 1)  # BundleEntryProto.dtype
    assert wire.entry_head(raw) == entry_as_protobuf_reads_it(bundle_protos().BundleEntryProto.FromString(raw))


def _varint(v: int) -> bytes:
    out = bytearray()
    while True:
        out.append((v & 0x7F) | (0x80 if v > 0x7F else 0))
        v >>= 7
        if not v:
            return bytes(out)
