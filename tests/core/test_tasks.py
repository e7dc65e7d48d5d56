"""The task layer (values/tasks.py): byte ranges packed into spans, read on threads, a tensor's
crc32c put together from pieces cut anywhere -- checked against the crc32c TensorFlow recorded."""

from __future__ import annotations

import numpy as np

from ckpt_browser.core.formats.bundle import BundleReader
from ckpt_browser.core.storage.checksum import of_bytes, unmask
from ckpt_browser.core.tf.tfimport import tf
from ckpt_browser.core.values import tasks


def _checkpoint(tmp_path):
    t = tf()
    prefix = tmp_path / "model.ckpt-1"
    values = {f"w{i}": np.arange(i * 1000 + 1, dtype=np.float32) * 0.5 for i in range(12)}
    t.raw_ops.SaveV2(prefix=str(prefix), tensor_names=list(values), shape_and_slices=[""] * len(values),
                     tensors=[t.constant(v) for v in values.values()])  # fmt: skip
    return BundleReader(prefix), list(values)


def test_crc_from_pieces_matches_what_tensorflow_recorded(tmp_path):
    reader, names = _checkpoint(tmp_path)
    entries = [reader.entry_info(n) for n in names]
    ranges = [(i, reader.shard_path(e.shard), e.offset, e.size) for i, e in enumerate(entries)]
    for task_bytes in (7, 1000, 4096, 1 << 20):  # pieces cut mid-tensor, several tensors per span
        spans = tasks.plan(ranges, task_bytes)
        assert all(s.size <= max(task_bytes, 1) or len(s.pieces) == 1 for s in spans)
        crc = {i: (0, 0) for i in range(len(names))}  # item -> (crc so far, bytes so far)
        for result in tasks.run(tasks.crc_span, spans, tasks.Threads(2)):
            for item, start, piece_crc, size in result:
                so_far, done = crc[item]
                assert start == done  # pieces come back in order
                crc[item] = (tasks.crc32c_combine(so_far, piece_crc, size), done + size)
        for i, e in enumerate(entries):
            assert crc[i] == (unmask(e.crc), e.size), names[i]


def test_combine_is_crc32c_of_the_concatenation():
    a, b = b"checkpoint bytes " * 31, bytes(range(256)) * 3
    assert tasks.crc32c_combine(of_bytes(a), of_bytes(b), len(b)) == of_bytes(a + b)
    assert tasks.crc32c_combine(of_bytes(a), of_bytes(b""), 0) == of_bytes(a)


def test_progress_counts_bytes_and_memory_stays_bounded(tmp_path):
    reader, names = _checkpoint(tmp_path)
    e = reader.entry_info(names[-1])
    spans = tasks.plan([(0, reader.shard_path(e.shard), e.offset, e.size)], 4096)
    seen = []
    list(tasks.run(tasks.crc_span, spans, tasks.Threads(2), progress=lambda d, t, _: seen.append((d, t))))
    assert seen[-1] == (e.size, e.size) and len(seen) == len(spans)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
