"""diff on the task layer (values/diff_tasks.py): tensors cut into element ranges compared on
threads give numpy's answer on TensorFlow's own values, and a damaged side fails as reading it did."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.tf.tfimport import tf
from ckpt_browser.core.values import diff_tasks
from ckpt_browser.core.values.diff import CHANGED, SAME, diff_checkpoints


def _write(prefix, values: dict) -> None:
    t = tf()
    t.raw_ops.SaveV2(prefix=str(prefix), tensor_names=list(values), shape_and_slices=[""] * len(values),
                     tensors=[t.constant(v) for v in values.values()])  # fmt: skip


@pytest.fixture
def two(tmp_path):
    rng = np.random.default_rng(3)
    a = {
        "big": rng.standard_normal((300, 7)).astype(np.float32),
        "half": rng.standard_normal(1000).astype(np.float16),
        "ints": np.arange(500, dtype=np.int64),
        "same": np.ones(333, np.float64),
        "nan": np.array([1.0, np.nan, np.inf, 2.0], np.float32),
    }
    b = {k: v.copy() for k, v in a.items()}
    b["big"][::13] += 0.25
    b["half"][5] = 9
    b["ints"][-1] = -4
    b["nan"][3] = np.nan
    _write(tmp_path / "a" / "m", a)
    _write(tmp_path / "b" / "m", b)
    return tmp_path / "a" / "m", tmp_path / "b" / "m"


def test_ranges_on_threads_give_numpys_answer(two, monkeypatch):
    monkeypatch.setattr(diff_tasks, "CHUNK", 64)  # many chunks and tasks per tensor
    monkeypatch.setattr(diff_tasks, "TASK_ELEMENTS", 256)
    a, b = two
    ta, tb = tf().train.load_checkpoint(str(a)), tf().train.load_checkpoint(str(b))
    rows = {r.name: r for r in diff_checkpoints(a, b).rows}
    for name in ("big", "half", "ints", "same"):
        x, y = ta.get_tensor(name), tb.get_tensor(name)
        # Floats are subtracted in their stored precision (float16 widened to float32), as the diff does.
        d = (y.astype(np.float32) - x.astype(np.float32) if x.dtype.itemsize < 8 and x.dtype.kind == "f" else
             y.astype(np.float64) - x.astype(np.float64)).astype(np.float64)  # fmt: skip
        x = x.astype(np.float64)
        row = rows[name]
        assert row.status == (SAME if not d.any() else CHANGED), name
        assert row.max_abs_diff == pytest.approx(np.abs(d).max()), name
        assert row.rel_change == pytest.approx(np.linalg.norm(d) / np.linalg.norm(x), rel=1e-9), name
    assert rows["nan"].status == CHANGED and math.isinf(rows["nan"].max_abs_diff)


def test_a_damaged_side_fails_as_reading_it_whole_did(two, tmp_path):
    a, b = two
    data = next(b.parent.glob("m.data-*"))
    raw = bytearray(data.read_bytes())
    raw[40] ^= 1
    data.write_bytes(bytes(raw))
    with pytest.raises(CheckpointError, match="checksum mismatch in big"):
        diff_checkpoints(a, b)
