"""Local spans read a file per thread (values/lanes.py): every tensor's crc32c, put together from
pieces read in any order on any number of threads, is the one TensorFlow recorded; damage is found
where TensorFlow finds it; a file cut short while read is named as the one-tensor path names it."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from ckpt_browser.core.formats.bundle import BundleReader
from ckpt_browser.core.storage.checksum import unmask
from ckpt_browser.core.storage.local import LocalFile
from ckpt_browser.core.tf.tfimport import tf
from ckpt_browser.core.values import lanes, tasks
from ckpt_browser.core.values.verify import verify


def _sharded(tmp_path: Path, shards: int = 3) -> Path:
    """A checkpoint in several data files, as tf.compat.v1.train.Saver(sharded=True) writes one."""
    t = tf()
    prefix = tmp_path / "model.ckpt-1"
    parts = []
    for s in range(shards):
        part = tmp_path / f"temp/part-{s:05d}-of-{shards:05d}"
        values = {f"s{s}/w{k}": np.arange(k * 700 + s * 50, dtype=np.float32) * 0.25 + s for k in range(5)}
        t.raw_ops.SaveV2(prefix=str(part), tensor_names=list(values), shape_and_slices=[""] * len(values),
                         tensors=[t.constant(v) for v in values.values()])  # fmt: skip
        parts.append(str(part))
    t.raw_ops.MergeV2Checkpoints(checkpoint_prefixes=parts, destination_prefix=str(prefix), delete_old_dirs=True)
    return prefix


def _crcs(spans, workers: int) -> dict[int, tuple[int, int]]:
    got: dict[int, list] = {}
    for result in lanes.run(lanes.crc_span_safe, spans, workers):
        for item, start, crc, size in result:
            assert not isinstance(crc, str), crc
            got.setdefault(item, []).append((start, crc, size))
    out = {}
    for item, pieces in got.items():
        crc = done = 0
        for start, piece_crc, size in sorted(pieces):
            assert start == done  # no piece lost or read twice
            crc, done = tasks.crc32c_combine(crc, piece_crc, size), done + size
        out[item] = (crc, done)
    return out


@pytest.mark.parametrize("step", [5, 4096, 1 << 20])
def test_crc_from_lanes_matches_what_tensorflow_recorded(tmp_path, monkeypatch, step):
    prefix = _sharded(tmp_path)
    reader = BundleReader(prefix)
    names = [e.name for e in reader.variables()]
    assert reader.num_shards == 3
    entries = [reader.entry_info(n) for n in names]
    ranges = [(i, reader.shard_path(e.shard), e.offset, e.size) for i, e in enumerate(entries)]
    monkeypatch.setattr(lanes, "STEP", step)  # reads that cut tensors anywhere, or hold many
    for task_bytes in (7, 1000, 1 << 20):
        spans = tasks.plan(ranges, task_bytes)
        for workers in (1, 2, 5):  # 5 threads on 3 files: the idle ones take halves of busy lanes
            crcs = _crcs(spans, workers)
            for i, e in enumerate(entries):
                assert crcs.get(i, (0, 0)) == (unmask(e.crc), e.size), (names[i], task_bytes, workers)


def test_progress_counts_every_byte_once(tmp_path):
    reader = BundleReader(_sharded(tmp_path))
    entries = [reader.entry_info(v.name) for v in reader.variables()]
    ranges = [(i, reader.shard_path(e.shard), e.offset, e.size) for i, e in enumerate(entries)]
    spans = tasks.plan(ranges, 1000)
    seen: list[int] = []
    results = list(lanes.run(lanes.crc_span_safe, spans, 2, seen.append))
    assert len(results) == len(spans) and sum(seen) == sum(s.size for s in spans)


def test_damage_in_two_shards_is_found_where_tensorflow_finds_it(tmp_path):
    prefix = _sharded(tmp_path)
    reader = BundleReader(prefix)
    for name in ("s0/w3", "s2/w1"):
        e = reader.entry_info(name)
        with open(reader.shard_path(e.shard), "r+b") as f:
            f.seek(e.offset + e.size // 2)
            byte = f.read(1)[0]
            f.seek(e.offset + e.size // 2)
            f.write(bytes([byte ^ 0x10]))
    bad = set()
    checkpoint = tf().train.load_checkpoint(str(prefix))
    for e in reader.variables():
        try:
            checkpoint.get_tensor(e.name)
        except Exception as exc:  # noqa: BLE001 - TensorFlow's DataLossError
            assert "Checksum does not match" in str(exc)
            bad.add(e.name)
    assert bad == {"s0/w3", "s2/w1"}
    from ckpt_browser.core.model_dir.scan import scan_model_dir

    for workers in (1, 2):
        report = verify(scan_model_dir(tmp_path).checkpoints, engine=tasks.Threads(workers))
        (verdict,) = report.verdicts
        assert verdict.status == "corrupt" and verdict.tensors == 15
        assert [p.split(":")[0] for p in verdict.problems] == [
            "checksum mismatch in s0/w3",
            "checksum mismatch in s2/w1",
        ]


def test_a_file_cut_short_while_read_is_named_as_the_one_tensor_path_names_it(tmp_path):
    reader = BundleReader(_sharded(tmp_path, shards=1))
    entries = [reader.entry_info(v.name) for v in reader.variables()]
    path = reader.shard_path(0)
    (span,) = tasks.plan([(i, path, e.offset, e.size) for i, e in enumerate(entries)])
    opened = LocalFile(path)  # opened before the file is cut, as a running verify has it
    last = max(entries, key=lambda e: e.offset)
    os.truncate(path, last.offset + 10)  # inside the last tensor
    got = lanes.crc_span_safe(span, opened, memoryview(bytearray(4096)))
    with pytest.raises(Exception) as one_tensor:
        opened.checksum(last.offset, last.size, bytearray(4096))
    assert [crc for *_, crc, _ in got] == [str(one_tensor.value)] * len(entries)
    assert f"is truncated at offset {last.offset + 10:,}" in str(one_tensor.value)
    opened.close()
