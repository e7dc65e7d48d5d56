"""Event scalars, checkpoint records and the timeline, against TensorFlow's own reader."""

from __future__ import annotations

import numpy as np
import pytest

from ckpt_browser.core.model_dir.events import EventReader, read_events, smooth
from ckpt_browser.core.model_dir.scan import scan_model_dir
from ckpt_browser.core.model_dir.timeline import build_timeline
from ckpt_browser.core.tf.tfimport import tf
from tests.trainer import Trainer


def _tf_scalars(path):
    out = {}
    for event in tf().compat.v1.train.summary_iterator(str(path)):
        for v in event.summary.value:
            if v.WhichOneof("value") == "simple_value":
                out.setdefault(v.tag, []).append((event.step, v.simple_value))
    return out


def test_iris_scalars_agree_with_summary_iterator(iris_dir):
    data = read_events(iris_dir)
    for run, folder in (("train", iris_dir), ("eval", iris_dir / "eval")):
        (path,) = folder.glob("events.out.tfevents.*")
        for tag, points in _tf_scalars(path).items():
            s = data.series[(run, tag)]
            assert list(zip(s.steps, s.values)) == points
    assert data.series[("eval", "accuracy")].steps == [300]
    assert [r.name for r in data.checkpoints] == [f"model.ckpt-{s}" for s in range(0, 301, 50)]


def test_timeline_of_iris(iris_dir):
    tl = build_timeline(scan_model_dir(iris_dir), read_events(iris_dir))
    assert tl.every_steps == 50 and tl.kept == 5
    assert tl.deleted == ["model.ckpt-0", "model.ckpt-50"]
    assert [p.name for p in tl.points] == [f"model.ckpt-{s}" for s in range(0, 301, 50)]
    assert all(p.time_from == "events" for p in tl.points)  # the state has no timestamps; copies' mtimes lie


def test_reader_reads_only_what_was_appended(tmp_path):
    trainer = Trainer(tmp_path)
    reader = EventReader(tmp_path)
    trainer.train(3)
    assert reader.refresh()
    assert reader.data.series[("train", "loss")].steps == [1, 2, 3]
    assert not reader.refresh()  # nothing new
    trainer.train(2)
    trainer.save()
    assert reader.refresh()
    assert reader.data.series[("train", "loss")].steps == [1, 2, 3, 4, 5]
    assert [r.name for r in reader.data.checkpoints] == ["model.ckpt-5"]
    trainer.close()


def test_smoothing_is_tensorboards():
    # TensorBoard: last = last * w + (1 - w) * x; shown = last / (1 - w ** n)
    values = [1.0, 2.0, 3.0]
    w = 0.5
    want, last = [], 0.0
    for n, x in enumerate(values, start=1):
        last = last * w + (1 - w) * x
        want.append(last / (1 - w**n))
    np.testing.assert_allclose(smooth(values, w), want)
    np.testing.assert_array_equal(smooth(values, 0), values)


@pytest.mark.parametrize("n", [1, 255, 256, 257, 5000])
@pytest.mark.parametrize("w", [0.01, 0.6, 0.99])
def test_smoothing_long_series_with_gaps_is_tensorboards(n, w):
    # The same recurrence, written out the way TensorBoard's code reads, over lengths that cross
    # the block size; non-finite values are drawn as they are and do not enter the average.
    rng = np.random.default_rng(n)
    values = rng.standard_normal(n) * 10
    values[::97] = np.nan
    values[5::311] = np.inf
    want, last, seen = [], 0.0, 0
    for x in values:
        if not np.isfinite(x):
            want.append(x)
            continue
        seen += 1
        last = last * w + (1 - w) * x
        want.append(last / (1 - w**seen))
    np.testing.assert_allclose(smooth(values, w), want, rtol=1e-9, atol=1e-9)
