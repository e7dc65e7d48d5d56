"""Plots read without arithmetic: ticks carry their own SI prefix (never "value (x0.001)"), a
one-element variable's History is its signed value, signed data is drawn with a diverging map
centred on zero, and a view never keeps the previous selection's axes."""

from __future__ import annotations

import numpy as np
import pytest

from ckpt_browser.core.tf.tfimport import tf
from ckpt_browser.ui.widgets.axes import tick_texts
from tests.ui.conftest import TIMEOUT


def test_tick_texts_carry_their_prefix():
    assert tick_texts([0.0, 0.02, 0.04], 0.02) == ["0", "0.02", "0.04"]
    assert tick_texts([0.0, 2e-5, 4e-5], 2e-5) == ["0", "20µ", "40µ"]
    assert tick_texts([15000.0, 20000.0], 5000) == ["15k", "20k"]
    assert tick_texts([-0.5, 0.0, 0.5], 0.5) == ["−0.5", "0", "0.5"]


@pytest.fixture(scope="module")
def bias_run(tmp_path_factory):
    """A scalar bias of -1.0, -2.0, 0.5 and a small kernel, saved at steps 1, 2, 3 by TensorFlow."""
    t = tf()
    folder = tmp_path_factory.mktemp("bias")
    bias = t.Variable(-1.0, name="bias")
    kernel = t.Variable(np.array([[1e-5, -3e-5], [2e-5, 4e-5]], np.float32), name="kernel")
    ckpt = t.train.Checkpoint(bias=bias, kernel=kernel)
    manager = t.train.CheckpointManager(ckpt, str(folder), max_to_keep=5)
    for step, value in ((1, -1.0), (2, -2.0), (3, 0.5)):
        bias.assign(value)
        manager.save(checkpoint_number=step)
    return folder


def _select(qtbot, window, name):
    view = window.tensor_view
    with qtbot.waitSignals([window.tensor_loaded, view.plot_ready], timeout=TIMEOUT):
        assert window.variables.select_variable(name)


def test_history_of_a_one_element_variable_is_its_signed_value(qtbot, window, open_dir, bias_run):
    open_dir(bias_run)
    _select(qtbot, window, "bias")
    with qtbot.waitSignal(window.view("history").history_ready, timeout=TIMEOUT):
        window.show_tab("history")
    history = window.view("history")
    truth = [
        float(tf().train.load_checkpoint(str(bias_run / f"ckpt-{s}")).get_tensor("bias/.ATTRIBUTES/VARIABLE_VALUE"))
        for s in (1, 2, 3)
    ]
    assert truth == [-1.0, -2.0, 0.5]
    np.testing.assert_array_equal(history.plotted()["values"], truth)
    assert history.how.currentText() == "value"


def test_scalar_plot_keeps_no_previous_axes_and_signed_data_diverges(qtbot, window, open_dir, bias_run):
    open_dir(bias_run)
    window.show_tab("plot")
    _select(qtbot, window, "kernel")
    heatmap = window.tensor_view.heatmap
    assert heatmap.isVisible() and heatmap.diverging
    lo, hi = heatmap.colorbar.levels()
    assert lo == -hi == pytest.approx(-4e-5)  # centred on zero: zero is the map's neutral middle
    axis = heatmap.colorbar.axis
    texts = axis.tickStrings([0.0, 2e-5, 4e-5], 1.0, 2e-5)
    assert texts == ["0", "20µ", "40µ"] and "x" not in axis.labelString()
    _select(qtbot, window, "bias")  # a scalar: no plot, and not the kernel's either
    assert heatmap.isHidden() and window.tensor_view.line.isHidden()
    assert heatmap.shown() is None
    assert "scalar" in window.tensor_view.plot_note.text()
