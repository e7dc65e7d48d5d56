"""The Health tab read as a user reads it (issue 31): tick labels with SI prefixes and no "(x0.001)"
factor, log-axis labels apart, the norm legend beside the plot (not over the lines), unchanged and NaN
cells in colours of their own named in a legend, and the findings in view."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRect
from PySide6.QtGui import QImage, QPainter

from ckpt_browser.ui.widgets.health_style import FROZEN_RGBA, NAN_RGBA
from tests.ui.conftest import TIMEOUT

RUNS = Path(__file__).resolve().parent.parent / "data" / "health"


def _health(qtbot, window, open_dir, run):
    open_dir(run)
    view = window.view("health")
    with qtbot.waitSignal(view.reported, timeout=TIMEOUT) as blocker:
        window.show_tab("health")
    qtbot.wait(100)  # the splitter's sizes and a paint
    return view, blocker.args[0]


def _tick_labels(axis) -> list[tuple[QRect, str]]:
    """The tick labels as the axis draws them: their rectangles and texts."""
    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        _axis, _ticks, texts = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [(rect.toAlignedRect(), text) for rect, _flags, text in texts]


def test_axes_read_without_a_factor(qtbot, window, open_dir):
    view, _ = _health(qtbot, window, open_dir, RUNS / "frozen")
    for plot in (view.heatmap, view.norms, view.alpha):
        for side in ("left", "bottom"):
            axis = plot.getAxis(side)
            assert "(x" not in axis.labelString() and "x0." not in axis.labelString(), axis.labelString()
    # The colour scale says the ratios themselves: 1m at the healthy centre, not log10's -3.
    bar = view.colorbar.axis
    assert "ratio" in [view.colorbar.getAxis(side).labelText for side in ("left", "right")]
    assert bar.tickStrings([-6.0, -3.0, -1.0, 0.0], 1.0, 1.0) == ["1µ", "1m", "0.1", "1"]
    # The norm axis is log: its labels are the norms (decades), none overlapping another; nor do the
    # layer names under the alpha bars, on a 1366 x 768 window.
    window.resize(1366, 768)
    qtbot.wait(100)
    labels = _tick_labels(view.norms.getAxis("left"))
    assert labels and all(text and "e" not in text for _, text in labels), labels
    for axis in (view.norms.getAxis("left"), view.alpha.getAxis("bottom")):
        labels = [(rect, text) for rect, text in _tick_labels(axis) if text]
        for i, (a, _) in enumerate(labels):
            for b, _ in labels[i + 1 :]:
                assert not a.intersects(b), labels


def test_the_norm_legend_is_beside_the_lines(qtbot, window, open_dir):
    view, _ = _health(qtbot, window, open_dir, RUNS / "explode")
    legend, plot = view.legend, view.norms
    assert legend.isVisible() and legend.count() == 8
    assert {legend.item(i).text() for i in range(legend.count())} >= {"logits/kernel", "dense1/kernel"}
    top_left = legend.mapTo(view, legend.rect().topLeft())
    shown = QRect(top_left, legend.size())
    data = plot.mapTo(view, plot.rect().topLeft())
    assert not shown.intersects(QRect(data, plot.size()))
    # Its text in the window's colours (a light box with light text was unreadable in the dark theme).
    assert legend.palette().color(legend.foregroundRole()) == view.palette().color(view.foregroundRole())
    widest = max(legend.fontMetrics().horizontalAdvance(legend.item(i).text()) for i in range(legend.count()))
    assert legend.viewport().width() >= widest + legend.iconSize().width()


def test_unchanged_and_nan_cells_have_colours_of_their_own(qtbot, window, open_dir):
    view, report = _health(qtbot, window, open_dir, RUNS / "frozen")
    r = view._names.index("dense2/kernel")
    cells = view.bad_cells.image
    assert all((cells[r, c] == FROZEN_RGBA).all() for c in range(1, len(view._columns)))
    assert (cells[r, 0] == 0).all()  # the first checkpoint: nothing to compare with
    other = view._names.index("dense1/kernel")
    assert not cells[other, 1:, 3].any()  # changing variables show their ratio, nothing over it
    assert FROZEN_RGBA != NAN_RGBA
    legend = view.cells_legend.text()
    for rgba, words in ((NAN_RGBA, "NaN or Inf"), (FROZEN_RGBA, "unchanged")):
        assert f"rgb({rgba[0]},{rgba[1]},{rgba[2]})" in legend and words in legend
    assert view.cells_legend.isVisible()


def test_the_findings_are_in_view(qtbot, window, open_dir):
    view, report = _health(qtbot, window, open_dir, RUNS / "nan")
    table = view.findings
    assert table.rowCount() == len(report.findings) >= 8
    last = table.rowCount() - 1
    assert table.rowViewportPosition(last) + table.rowHeight(last) <= table.viewport().height()
    for r in range(table.rowCount()):  # each detail whole: its row as tall as its wrapped text
        assert table.rowHeight(r) >= table.fontMetrics().height()
