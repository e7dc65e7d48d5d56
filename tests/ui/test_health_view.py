"""The Health tab on runs with known faults, a click on the heatmap, and the live NaN banner."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
from PySide6.QtCore import QPointF, QRectF

from ckpt_browser.ui.widgets.health_style import NAN_RGBA
from tests.ui.conftest import TIMEOUT

RUNS = Path(__file__).resolve().parent.parent / "data" / "health"
LIVE = 15_000


def _health(qtbot, window, open_dir, run):
    open_dir(run)
    view = window.view("health")
    with qtbot.waitSignal(view.reported, timeout=TIMEOUT) as blocker:
        window.show_tab("health")
    return view, blocker.args[0]


def test_the_heatmap_findings_norms_and_alpha_show_the_report(qtbot, window, open_dir):
    view, report = _health(qtbot, window, open_dir, RUNS / "explode")
    plane = view.image.image
    names, columns = view._names, view._columns
    assert columns == ["model.ckpt-0", "model.ckpt-25", "model.ckpt-50", "model.ckpt-75", "model.ckpt-100"]
    assert "logits/kernel" in names and len(names) == 8
    r = names.index("logits/kernel")
    kernel = {c.name: next(v for v in c.variables if v.name == "logits/kernel") for c in report.checkpoints}
    assert np.isnan(plane[r, 0])  # no previous checkpoint
    assert plane[r, 1] == math.log10(kernel["model.ckpt-25"].update_ratio)
    assert np.nanargmax(plane) == r * len(columns) + 1  # the explosion is the hottest cell
    lo, hi = view.colorbar.levels()
    assert math.isclose((lo + hi) / 2, -3.0)  # diverging around 1e-3
    rows = [[view.findings.item(i, j).text() for j in range(4)] for i in range(view.findings.rowCount())]
    assert rows == [["exploding", "logits/kernel", "model.ckpt-25", report.findings[0].detail]]
    norms = {item.name(): item for item in view.norms.getPlotItem().listDataItems()}
    assert len(norms) == 8
    x, y = norms["logits/kernel"].getData()
    assert list(x) == [0, 25, 50, 75, 100]
    np.testing.assert_allclose(10**y, [kernel[c].norm for c in columns], rtol=1e-12)  # a log-scale axis
    bars = next(i for i in view.alpha.getPlotItem().items if type(i).__name__ == "BarGraphItem")
    heights = list(bars.opts["height"])
    last = report.checkpoints[-1]
    assert heights == [v.alpha for v in last.variables if v.alpha is not None] and len(heights) == 3


def test_a_click_on_a_cell_selects_that_variable_and_checkpoint(qtbot, window, open_dir):
    view, _ = _health(qtbot, window, open_dir, RUNS / "nan")
    r, c = view._names.index("dense2/kernel"), view._columns.index("model.ckpt-60")
    assert (view.bad_cells.image[r, c] == NAN_RGBA).all()  # NaN: a magenta cell (health_style.py)
    scene_pos = view.heatmap.getPlotItem().vb.mapViewToScene(QPointF(c, r))
    assert view.cell_at(scene_pos) == (r, c)
    with qtbot.waitSignal(window.checkpoint_loaded, timeout=TIMEOUT):
        view.select_cell(*view.cell_at(scene_pos))
    assert window.current_checkpoint().name == "model.ckpt-60"
    qtbot.waitUntil(lambda: window.variables.selected_variable() is not None, timeout=TIMEOUT)
    assert window.variables.selected_variable().name == "dense2/kernel"
    qtbot.waitUntil(lambda: view.marker.isVisible(), timeout=TIMEOUT)  # the selection, outlined
    assert view.marker.rect() == QRectF(c - 0.5, r - 0.5, 1, 1)


def test_a_new_checkpoint_with_nan_raises_the_banner(qtbot, window, tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    source = RUNS / "nan"

    def add(name: str) -> None:
        for suffix in (".data-00000-of-00001", ".index"):
            shutil.copy(source / (name + suffix), run / (name + suffix))
        (run / "checkpoint").write_text(f'model_checkpoint_path: "{name}"\nall_model_checkpoint_paths: "{name}"\n')

    add("model.ckpt-50")
    with qtbot.waitSignal(window.checkpoint_loaded, timeout=TIMEOUT):
        window.open_path(str(run))
    banner = window.live_health.banner
    assert banner.isHidden()
    with qtbot.waitSignal(window.live_health.alarmed, timeout=LIVE) as blocker:
        add("model.ckpt-60")
    assert blocker.args[0] == "NaN in run/model.ckpt-60: dense2/kernel (1 NaN)"
    assert banner.isVisible() and "open Health" in banner.text()
    assert window.live_health.notification == ("Training went wrong: NaN", blocker.args[0])
    banner.linkActivated.emit("health")
    assert window.value_tabs.currentWidget() is window._tabs["health"]
