"""Statistics from the data file in ranges (values/stats_tasks.py) equal compute_stats on the
tensor read whole, field for field, for every dtype TensorFlow writes; a damaged tensor fails."""

from __future__ import annotations

import numpy as np
import pytest

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.formats.bundle import BundleReader
from ckpt_browser.core.tf.tfimport import tf
from ckpt_browser.core.values import stats_tasks
from ckpt_browser.core.values.stats import compute_stats


@pytest.fixture
def small_ranges(monkeypatch):
    monkeypatch.setattr(stats_tasks, "CHUNK", 50)  # many chunks per task, many tasks per tensor
    monkeypatch.setattr(stats_tasks, "TASK_ELEMENTS", 200)
    return 50


def test_ranges_equal_the_whole_tensor(tmp_path, written, small_ranges):
    t = tf()
    rng = np.random.default_rng(5)
    values = {
        "f32": rng.standard_normal((37, 29)).astype(np.float32),
        "nan": np.where(rng.random(999) < 0.1, np.nan, rng.standard_normal(999)).astype(np.float64),
        "ints": rng.integers(-5, 9, 1234).astype(np.int32),
        "zeros": np.zeros(777, np.float16),
    }
    prefix = tmp_path / "m"
    t.raw_ops.SaveV2(prefix=str(prefix), tensor_names=list(values), shape_and_slices=[""] * len(values),
                     tensors=[t.constant(v) for v in values.values()])  # fmt: skip
    readers = [BundleReader(prefix), BundleReader(t.train.latest_checkpoint(str(written["dtypes"])))]
    checked = 0
    for reader in readers:
        for v in reader.variables():
            got = stats_tasks.stats_of_entry(reader, v.name)
            if got is None:
                continue  # strings, resources: read whole by the caller
            assert got == compute_stats(reader.read(v.name), chunk=small_ranges), v.name
            checked += 1
    assert checked >= 10


def test_a_damaged_tensor_fails_its_checksum(tmp_path):
    t = tf()
    prefix = tmp_path / "m"
    t.raw_ops.SaveV2(prefix=str(prefix), tensor_names=["w"], shape_and_slices=[""],
                     tensors=[t.constant(np.arange(5000, dtype=np.float32))])  # fmt: skip
    data = next(tmp_path.glob("m.data-*"))
    raw = bytearray(data.read_bytes())
    raw[4321] ^= 8
    data.write_bytes(bytes(raw))
    with pytest.raises(CheckpointError, match="checksum mismatch in w"):
        stats_tasks.stats_of_entry(BundleReader(prefix), "w")
