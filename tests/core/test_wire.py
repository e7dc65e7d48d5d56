"""core/formats/wire.py reads what the protobuf runtime writes, for the messages it decodes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ckpt_browser.core.formats import wire
from ckpt_browser.core.formats.protos import bundle_protos


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


@given(junk=st.binary(max_size=64))
def test_garbage_is_a_value_error_not_a_crash(junk):
    try:
        wire.entry_head(junk)
        wire.bundle_header(junk)
    except (ValueError, IndexError):
        pass
