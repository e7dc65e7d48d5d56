"""The Timeline's clock axis when saves are less than a second apart (issue 31): its labels say the
hour and minute, not only seconds and milliseconds."""

from __future__ import annotations

import time

from PySide6.QtGui import QImage, QPainter

from ckpt_browser.core.model_dir.timeline import Timeline, TimelinePoint
from ckpt_browser.ui.widgets.timeline_view import TimelineView


def _labels(axis) -> list[str]:
    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        _axis, _ticks, texts = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [text for _rect, _flags, text in texts], [rect for rect, _flags, _text in texts]


def test_saves_within_one_second_show_the_minute(qtbot):
    view = TimelineView()
    qtbot.addWidget(view)
    view.resize(900, 500)
    view.show()
    start = time.mktime((2026, 12, 7, 7, 7, 3, 0, 0, -1)) + 0.2  # 07:07:03.200 local time
    points = [TimelinePoint(f"ckpt-{i}", i * 10, start + i * 0.1, True, "file") for i in range(7)]
    view.set_timeline(Timeline(points=points, kept=7))
    qtbot.wait(50)
    texts, rects = _labels(view.plot.getAxis("bottom"))
    shown = [t for t in texts if t]
    assert len(shown) >= 2, texts
    assert all(t.startswith("07:07:0") for t in shown), shown  # the hour and minute on every label
    assert any("." in t for t in shown), shown  # and the milliseconds that tell them apart
    for i, a in enumerate(rects):  # apart, not on top of each other
        for b in rects[i + 1 :]:
            assert not a.intersects(b), texts


def test_the_legend_is_beside_the_points(qtbot):
    """kept / deleted listed to the right of the plot (issue 31: legends inside covered the data)."""
    view = TimelineView()
    qtbot.addWidget(view)
    view.resize(700, 400)
    view.show()
    start = time.mktime((2026, 12, 7, 7, 0, 0, 0, 0, -1))
    points = [TimelinePoint(f"ckpt-{i}", i * 10, start + i * 60, i > 1, "file") for i in range(6)]
    view.set_timeline(Timeline(points=points, kept=4, deleted=["ckpt-0", "ckpt-1"]))
    qtbot.wait(50)
    legend, box = view.legend, view.plot.getPlotItem().getViewBox()
    assert [label.text for _sample, label in legend.items] == ["kept", "deleted"]
    assert legend.isVisible()
    shown, data = legend.sceneBoundingRect(), box.sceneBoundingRect()
    assert shown.left() >= data.right() - 1 and shown.height() < data.height() / 2, (shown, data)
