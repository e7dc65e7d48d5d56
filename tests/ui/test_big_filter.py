"""Filtering a big checkpoint's list happens in the pool and shows the latest filter's result;
the collector's full passes wait until the user stops typing."""

from __future__ import annotations

import gc
import time

import numpy as np
import pytest
from PySide6.QtCore import Qt

from ckpt_browser.core.tf.tfimport import tf
from ckpt_browser.ui.widgets.variable_panel import FILTER_IN_WORKER
from tests.ui.conftest import TIMEOUT


@pytest.fixture(scope="module")
def wide_checkpoint(tmp_path_factory):
    folder = tmp_path_factory.mktemp("wide")
    n = FILTER_IN_WORKER + 1000
    names = [f"block_{i // 100}/layer_{i % 100}/w" for i in range(n)]
    tf().raw_ops.SaveV2(
        prefix=str(folder / "model.ckpt-1"), tensor_names=names, shape_and_slices=[""] * n,
        tensors=[np.float32(i) for i in range(n)],
    )  # fmt: skip
    return folder, names


def _shown(window):
    return sorted(v.name for v in window.variables.shown_variables())


def test_typing_in_a_big_list_filters_in_the_pool(qtbot, window, open_dir, wide_checkpoint):
    folder, names = wide_checkpoint
    open_dir(folder)
    panel = window.variables
    assert len(panel.shown_variables()) == len(names)
    with qtbot.waitSignal(panel.filtered, timeout=TIMEOUT):
        qtbot.keyClicks(panel.filter_edit, "block_42/")
    want = sorted(n for n, _ in tf().train.list_variables(str(folder / "model.ckpt-1")) if "block_42/" in n)
    assert _shown(window) == want and len(want) == 100
    # Cleared: the whole list again, from the tree kept for it.
    with qtbot.waitSignal(panel.filtered, timeout=TIMEOUT):
        panel.filter_edit.clear()
    assert len(panel.shown_variables()) == len(names)


def test_a_full_collection_waits_for_the_user_to_pause(qtbot, window):
    from ckpt_browser.ui.collector import IDLE, UiThreadCollector

    collector = UiThreadCollector(interval_ms=60_000)  # checked by hand below
    saved = gc.get_threshold()
    try:
        gc.set_threshold(1, 0, 0)  # every check collects the young generations, and wants a full pass
        qtbot.keyClick(window.variables.filter_edit, Qt.Key.Key_X)  # the user is typing
        collector.check()
        assert collector.full_passes == 0
        collector.last_input = time.monotonic() - IDLE - 0.1  # ... and stopped
        collector.check()
        assert collector.full_passes == 1
    finally:
        gc.set_threshold(*saved)
        collector.stop()
        gc.disable()  # the window fixture's collector is still in charge
