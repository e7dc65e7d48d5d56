"""Orbax checkpoints in the window: the variable tree by PyTree path, values, History and Compare
over the steps, and live follow while a step is being written -- against Orbax's own restore
(tests/data/orbax/truth)."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from PySide6.QtCore import QModelIndex

from tests.conftest import DATA
from tests.ui.conftest import TIMEOUT

pytest.importorskip("tensorstore", reason="tensorstore (ckpt-browser[orbax]) is not installed")

ORBAX = DATA / "orbax"
TRUTH = ORBAX / "truth"
KERNEL = "trainable_variables/small/dense/kernel"
LIVE = 10_000


def oracle(item: str, name: str) -> np.ndarray:
    entry = json.loads((TRUTH / item / "truth.json").read_text())[name]
    return np.load(TRUTH / item / entry["npy"])


def _select(qtbot, window, name):
    view = window.tensor_view
    with qtbot.waitSignals([window.tensor_loaded, view.stats_ready, view.plot_ready], timeout=TIMEOUT):
        assert window.variables.select_variable(name)
    return view


def test_tree_values_history_and_compare(qtbot, qtmodeltester, window, open_dir):
    open_dir(ORBAX / "keras_fit")
    assert window.current_checkpoint().name == "12"
    model = window.variables.model
    qtmodeltester.check(model)
    top = {model.index(r, 0, QModelIndex()).data() for r in range(model.rowCount(QModelIndex()))}
    assert top == {"trainable_variables", "non_trainable_variables", "optimizer_variables", "metrics_variables"}
    view = _select(qtbot, window, KERNEL)
    want = oracle("keras_fit/12/pytree", KERNEL)
    assert (view.table_model.rowCount(), view.table_model.columnCount()) == want.shape
    np.testing.assert_array_equal(view.heatmap.shown(), want)
    chunks = json.loads((TRUTH / "keras_fit/12/pytree" / "truth.json").read_text())[KERNEL]["chunks"]
    assert f"chunks [{', '.join(map(str, chunks))}]" in view.header.text()  # how Orbax stored it

    with qtbot.waitSignal(window.view("history").history_ready, timeout=TIMEOUT) as h:
        window.show_tab("history")
    assert h.args[0].x == [8, 10, 12]
    kernels = [oracle(f"keras_fit/{s}/pytree", KERNEL).astype(np.float64) for s in (8, 10, 12)]
    np.testing.assert_allclose(window.view("history").plotted()["values"], [k.mean() for k in kernels], rtol=1e-6)

    with qtbot.waitSignal(window.view("compare").compared, timeout=TIMEOUT) as c:
        window.show_tab("compare")
    assert c.args[0].label_b == f"{KERNEL} in 10"
    np.testing.assert_allclose(window.view("compare").heatmap.shown(), kernels[2] - kernels[1], rtol=1e-5, atol=1e-7)


def test_live_follow_while_a_step_is_written(qtbot, window, tmp_path):
    """Orbax writes step 2 as 2.orbax-checkpoint-tmp and renames it when done (the writer's own
    folders, copied in that order): the window lists it as being written, then follows it."""
    run = tmp_path / "run"
    run.mkdir()
    shutil.copytree(ORBAX / "manager" / "1", run / "1")
    with qtbot.waitSignal(window.checkpoint_loaded, timeout=TIMEOUT):
        window.open_path(str(run))
    window.variables.select_variable("params/embed")
    assert window.current_checkpoint().name == "1"

    def names():
        (source,) = window.sources.sources()
        return {c.name: c for c in source.model_dir.checkpoints}

    tmp = run / "2.orbax-checkpoint-tmp-1796637999"
    shutil.copytree(ORBAX / "manager" / "2", tmp)
    qtbot.waitUntil(lambda: tmp.name in names(), timeout=LIVE)
    assert names()[tmp.name].being_written and window.current_checkpoint().name == "1"
    tmp.rename(run / "2")
    qtbot.waitUntil(lambda: set(names()) == {"1", "2"}, timeout=LIVE)
    qtbot.waitUntil(lambda: window.current_checkpoint().name == "2", timeout=LIVE)
    qtbot.waitUntil(lambda: (c := window.variables.contents()) is not None and c.checkpoint.name == "2", timeout=LIVE)
    assert window.variables.selected_variable().name == "params/embed"
