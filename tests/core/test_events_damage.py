"""Damaged event files: the records before the damage are kept and the damage is named,
as far as TensorFlow's own reader gets on the same bytes."""

from __future__ import annotations

import pytest

from ckpt_browser.core.model_dir.events import read_events
from ckpt_browser.core.tf.tfimport import tf


def _tf_scalars_until_error(path):
    out = {}
    t = tf()  # outside the try: without TensorFlow this test has no oracle (it is skipped, not passed)
    try:
        for event in t.compat.v1.train.summary_iterator(str(path)):
            for v in event.summary.value:
                if v.WhichOneof("value") == "simple_value":
                    out.setdefault(v.tag, []).append((event.step, v.simple_value))
    except Exception:  # noqa: BLE001 - DataLossError at the damage: what came before is the answer
        pass
    return out


def _events_file(folder):
    (path,) = folder.glob("events.out.tfevents.*")
    return path


@pytest.mark.parametrize("from_end", [40, 400])
def test_flipped_bit_keeps_the_records_before_it_and_says_where(iris_copy, from_end):
    # The graph records come first and are large; the scalars follow: damage among them.
    path = _events_file(iris_copy)
    raw = bytearray(path.read_bytes())
    raw[len(raw) - from_end] ^= 0x04
    path.write_bytes(bytes(raw))
    data = read_events(iris_copy)
    want = _tf_scalars_until_error(path)
    assert want  # the damage is after the first records
    for tag, points in want.items():
        s = data.series[("train", tag)]
        assert list(zip(s.steps, s.values)) == points
    (note,) = [n for n in data.notes if path.name in n]
    assert "is damaged after record" in note and "(step " in note and "(step 0)" not in note


def test_truncated_events_file_is_read_up_to_the_cut(iris_copy):
    path = _events_file(iris_copy)
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])
    data = read_events(iris_copy)
    for tag, points in _tf_scalars_until_error(path).items():
        s = data.series[("train", tag)]
        assert list(zip(s.steps, s.values)) == points
    # A cut at the end looks exactly like a record being written: said as both (issue 25), where.
    (note,) = [n for n in data.notes if path.name in n]
    assert "ends in a partial record at byte" in note and "being written, or truncated there" in note
    assert f"of {len(raw) // 2:,}" in note


def test_the_partial_record_note_goes_when_the_record_is_complete(iris_copy):
    from ckpt_browser.core.model_dir.events import EventReader

    path = _events_file(iris_copy)
    raw = path.read_bytes()
    path.write_bytes(raw[:-7])
    reader = EventReader(iris_copy)
    reader.refresh()
    assert [n for n in reader.data.notes if "partial record" in n]
    path.write_bytes(raw)  # the writer finished it
    reader.refresh()
    assert not [n for n in reader.data.notes if "partial record" in n]


def test_events_file_that_is_a_folder_is_a_note(iris_copy):
    (iris_copy / "events.out.tfevents.0.bogus").mkdir()
    data = read_events(iris_copy)
    assert any("events.out.tfevents.0.bogus cannot be read" in n for n in data.notes)
    assert data.series  # the real file still gave its scalars


def test_a_huge_tensor_scalar_is_not_materialised():
    from ckpt_browser.core.formats.protos import protos
    from ckpt_browser.core.model_dir.events import tensor_scalar

    t = protos().TensorProto(dtype=1)
    t.tensor_shape.dim.add(size=2**31)
    t.float_val.append(1.0)
    assert tensor_scalar(t) is None
    one = protos().TensorProto(dtype=1, float_val=[2.5])
    assert tensor_scalar(one) == 2.5
