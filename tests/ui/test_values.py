"""Selecting variables of each rank and dtype: what the table, plots and statistics show."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from ckpt_browser.core.tf.tfimport import tf
from ckpt_browser.ui.models.tensor_table import TensorTableModel
from tests.ui.conftest import TIMEOUT


def _select(qtbot, window, name):
    """Select a variable; wait for its values, statistics and plot."""
    view = window.tensor_view
    with qtbot.waitSignals([window.tensor_loaded, view.stats_ready, view.plot_ready], timeout=TIMEOUT):
        assert window.variables.select_variable(name)
    return view


def _truth(window, stored_name):
    prefix = window.current_checkpoint().prefix
    return tf().train.load_checkpoint(str(prefix)).get_tensor(stored_name)


def _cell(view, r, c):
    m = view.table_model
    return m.data(m.index(r, c))


def _stat(view, label):
    form = view.stats_form
    for row in range(form.rowCount()):
        if form.itemAt(row, form.ItemRole.LabelRole).widget().text() == label:
            return form.itemAt(row, form.ItemRole.FieldRole).widget().text()
    raise KeyError(label)


def test_2d_table_heatmap_and_statistics(qtbot, window, open_dir, iris_dir):
    open_dir(iris_dir)
    view = _select(qtbot, window, "dnn/hiddenlayer_0/kernel")
    want = _truth(window, "dnn/hiddenlayer_0/kernel")
    assert (view.table_model.rowCount(), view.table_model.columnCount()) == (4, 10)
    assert _cell(view, 2, 7) == f"{want[2, 7]:.6g}"
    assert not view.heatmap.isHidden() and view.line.isHidden()  # the Plot tab holds the heatmap
    np.testing.assert_array_equal(view.heatmap.shown(), want)
    assert view.heatmap.value_text(1, 3) == f"[1, 3] = {want[1, 3]:.6g}"
    assert _stat(view, "mean") == f"{want.astype(np.float64).mean():.6g}"
    assert _stat(view, "L2 norm") == f"{np.linalg.norm(want.astype(np.float64)):.6g}"
    assert _stat(view, "max") == f"{want.max():.6g}"
    _, counts = view.histogram.plotted()
    assert counts.sum() == want.size


def test_1d_line_plot(qtbot, window, open_dir, iris_dir):
    open_dir(iris_dir)
    view = _select(qtbot, window, "dnn/logits/bias")
    want = _truth(window, "dnn/logits/bias")
    x, y = view.line.plotted()
    np.testing.assert_array_equal(y, want)
    assert not view.line.isHidden() and view.heatmap.isHidden()
    assert [_cell(view, r, 0) for r in range(3)] == [f"{v:.6g}" for v in want]


def test_scalar_shown_as_a_number(qtbot, window, open_dir, iris_dir):
    open_dir(iris_dir)
    view = _select(qtbot, window, "global_step")
    assert "300" in view.header.text()
    assert _cell(view, 0, 0) == "300"


def test_nd_axes_and_index(qtbot, window, open_dir, written):
    open_dir(written["dtypes"])
    view = _select(qtbot, window, "nd")
    want = _truth(window, "nd/.ATTRIBUTES/VARIABLE_VALUE")
    assert view.axes_box.isVisibleTo(view)
    assert (view.table_model.rowCount(), view.table_model.columnCount()) == (4, 5)  # last two axes
    with qtbot.waitSignal(view.plot_ready, timeout=TIMEOUT):
        view.index_spins[0].setValue(1)
    with qtbot.waitSignal(view.plot_ready, timeout=TIMEOUT):
        view.index_spins[1].setValue(2)
    assert _cell(view, 3, 4) == f"{want[1, 2, 3, 4]:.6g}"
    np.testing.assert_array_equal(view.heatmap.shown(), want[1, 2])
    assert view.slice_label.text() == "[1, 2, :, :]"
    with qtbot.waitSignal(view.plot_ready, timeout=TIMEOUT):
        view.rows_combo.setCurrentIndex(0)  # rows: axis 0, columns: axis 3
    np.testing.assert_array_equal(view.heatmap.shown(), want[:, view.spec().index[1], view.spec().index[2], :])


@pytest.mark.parametrize(
    "name, cell",
    [
        ("f16", "1.5"), ("f64", "3.14159"), ("i8", "-8"), ("u16", "65535"), ("i64", str(2**40)),
        ("b", "true"), ("c64", "1+2j"), ("bf16", "1"), ("s", "hello"),
    ],
)  # fmt: skip
def test_every_dtype_shows(qtbot, window, open_dir, written, name, cell):
    open_dir(written["dtypes"])
    view = _select(qtbot, window, name)
    assert _cell(view, 0, 0) == cell
    if name == "s":
        assert _cell(view, 1, 0) == "wörld" and _cell(view, 2, 0) == "\\xff\\xfe"
        assert "strings have no plot" in view.plot_note.text()


def test_nan_and_inf_are_counted(qtbot, window, open_dir, written):
    open_dir(written["dtypes"])
    view = _select(qtbot, window, "nan")
    assert _stat(view, "NaN") == "1" and _stat(view, "Inf") == "2"
    assert _stat(view, "min") == "-3" and _stat(view, "max") == "1"
    assert _cell(view, 1, 0) == "nan"


def test_copy_and_export(qtbot, window, open_dir, iris_dir, tmp_path):
    open_dir(iris_dir)
    view = _select(qtbot, window, "dnn/logits/kernel")
    want = _truth(window, "dnn/logits/kernel")
    view.table.selectionModel().select(view.table_model.index(0, 0), view.table.selectionModel().SelectionFlag.Select)
    view.table.selectionModel().select(view.table_model.index(1, 1), view.table.selectionModel().SelectionFlag.Select)
    view.copy_selection()
    rows = [line.split("\t") for line in QApplication.clipboard().text().split("\n")]
    assert [[np.float32(x) for x in row] for row in rows] == [list(want[0, :2]), list(want[1, :2])]  # full precision
    from ckpt_browser.core.values.export import save_csv, save_npy

    save_npy(view.array(), tmp_path / "k.npy")
    np.testing.assert_array_equal(np.load(tmp_path / "k.npy"), want)
    save_csv(view.shown_plane(), tmp_path / "k.csv")
    np.testing.assert_array_equal(np.loadtxt(tmp_path / "k.csv", delimiter=",", dtype=np.float32), want)
    assert view.save_plot(tmp_path / "k.png") and (tmp_path / "k.png").stat().st_size > 1000


def test_history_and_compare_tabs(qtbot, window, open_dir, written):
    open_dir(written["saver"])
    _select(qtbot, window, "dense/kernel")
    with qtbot.waitSignal(window.view("history").history_ready, timeout=TIMEOUT) as h:
        window.show_tab("history")
    assert h.args[0].x == [10, 20, 30]
    kernels = [
        tf()
        .train.load_checkpoint(str(written["saver"] / f"model.ckpt-{s}"))
        .get_tensor("dense/kernel")
        .astype(np.float64)
        for s in (10, 20, 30)
    ]
    # A many-element variable: its mean, in a band from its min to its max (not the L2 norm).
    drawn = window.view("history").plotted()
    np.testing.assert_allclose(drawn["values"], [k.mean() for k in kernels], rtol=1e-6)
    np.testing.assert_allclose(drawn["low"], [k.min() for k in kernels], rtol=1e-6)
    np.testing.assert_allclose(drawn["high"], [k.max() for k in kernels], rtol=1e-6)
    history = window.view("history")
    with qtbot.waitSignal(history.history_ready, timeout=TIMEOUT):
        history.how.setCurrentText("L2 norm")
        history.how.activated.emit(history.how.currentIndex())
    np.testing.assert_allclose(history.plotted()["values"], [np.linalg.norm(k) for k in kernels], rtol=1e-6)
    assert history.plotted()["low"].size == 0
    with qtbot.waitSignal(window.view("compare").compared, timeout=TIMEOUT) as c:
        window.show_tab("compare")
    # Newer minus older against the checkpoint before: what the last save interval changed.
    assert c.args[0].label_b == "dense/kernel in model.ckpt-20" and not c.args[0].b_is_newer
    change = kernels[2] - kernels[1]
    assert f"{np.abs(change).max():.4g}" in window.view("compare").figures.text()
    np.testing.assert_allclose(window.view("compare").heatmap.shown(), change, rtol=1e-5, atol=1e-7)
    assert window.view("compare").heatmap.diverging  # zero (no change) takes the neutral colour
    with qtbot.waitSignal(window.view("compare").compared, timeout=TIMEOUT) as c:
        assert window.view("compare").choose("its EMA shadow")
    r = tf().train.load_checkpoint(str(window.current_checkpoint().prefix))
    delta = r.get_tensor("dense/kernel/ExponentialMovingAverage") - r.get_tensor("dense/kernel")
    assert f"{np.abs(delta).max():.4g}" in window.view("compare").figures.text()


def test_diff_window(qtbot, window, open_dir, written):
    open_dir(written["saver"])
    diff = window.show_diff_window()
    qtbot.addWidget(diff)
    with qtbot.waitSignal(diff.diff_ready, timeout=TIMEOUT) as d:
        diff.run()
    result = d.args[0]
    assert result.a.name == "model.ckpt-20" and result.b.name == "model.ckpt-30"
    assert diff.proxy.rowCount() == len(result.rows)
    diff.status_combo.setCurrentIndex(diff.status_combo.findData("same"))
    assert diff.proxy.rowCount() == result.counts()["same"]
    diff.status_combo.setCurrentIndex(0)
    diff.filter_edit.setText("kernel/Adam")
    assert {diff.proxy.index(r, 0).data() for r in range(diff.proxy.rowCount())} == {
        "dense/kernel/Adam",
        "dense/kernel/Adam_1",
    }
    with qtbot.waitSignal(diff.pair_shown, timeout=TIMEOUT) as p:
        diff.table.selectRow(0)
    pair = p.args[0]
    ra = tf().train.load_checkpoint(str(result.a))
    rb = tf().train.load_checkpoint(str(result.b))
    want = rb.get_tensor(pair.name).astype(np.float32) - ra.get_tensor(pair.name)
    np.testing.assert_allclose(diff.panels[2].heatmap.shown(), want, rtol=1e-5, atol=1e-7)


def test_big_table_model_is_virtual(qtmodeltester):
    big = np.zeros((30522, 768), np.float32)
    m = TensorTableModel()
    m.set_array(big)
    assert (m.rowCount(), m.columnCount()) == (30522, 768)
    assert m.data(m.index(30521, 767)) == "0"
    small = TensorTableModel()
    small.set_array(np.arange(12).reshape(3, 4))
    qtmodeltester.check(small)
