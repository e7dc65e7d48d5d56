"""Copying as a user does: Ctrl+C on values at full precision, right-click menus on the variable
tree and the tables (name, NumPy literal), Help > Keyboard Shortcuts, and the dark theme."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QGuiApplication, QImage

from ckpt_browser.core.tf.tfimport import tf
from tests.ui.conftest import TIMEOUT


def _kernel(qtbot, window, open_dir, iris_dir):
    open_dir(iris_dir)
    with qtbot.waitSignal(window.tensor_loaded, timeout=TIMEOUT):
        assert window.variables.select_variable("dnn/hiddenlayer_0/kernel")
    return tf().train.load_checkpoint(str(iris_dir / "model.ckpt-300")).get_tensor("dnn/hiddenlayer_0/kernel")


def _action(menu, text):
    return next(a for a in menu.actions() if a.text() == text)


def test_ctrl_c_copies_full_precision(qtbot, window, open_dir, iris_dir):
    truth = _kernel(qtbot, window, open_dir, iris_dir)
    table = window.tensor_view.table
    model = table.model()
    sel = table.selectionModel()
    sel.select(model.index(0, 0), QItemSelectionModel.SelectionFlag.Select)
    sel.select(model.index(0, 1), QItemSelectionModel.SelectionFlag.Select)
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    text = QGuiApplication.clipboard().text()
    assert text == "0.33220857\t-0.5526094"  # the table shows 0.332209
    assert [np.float32(x) for x in text.split("\t")] == list(truth[0, :2])  # reads back bit for bit
    menu = table.menu_at(table.visualRect(model.index(0, 0)).center())
    _action(menu, "Copy as NumPy Literal").trigger()
    np.testing.assert_array_equal(eval(QGuiApplication.clipboard().text(), {"np": np}), truth[:1, :2])  # noqa: S307 - our own text


def test_variable_tree_menu(qtbot, window, open_dir, iris_dir):
    truth = _kernel(qtbot, window, open_dir, iris_dir)
    tree = window.variables.tree
    index = window.variables.model.index_of("dnn/hiddenlayer_0/kernel")
    menu = tree.menu_at(tree.visualRect(index).center())
    texts = [a.text() for a in menu.actions()]
    assert {"Copy", "Copy Name", "Copy as NumPy Literal", "Export .npy…"} <= set(texts)
    _action(menu, "Copy Name").trigger()
    assert QGuiApplication.clipboard().text() == "dnn/hiddenlayer_0/kernel"
    _action(menu, "Copy as NumPy Literal").trigger()
    np.testing.assert_array_equal(eval(QGuiApplication.clipboard().text(), {"np": np}), truth)  # noqa: S307
    with qtbot.waitSignal(window.tensor_loaded, timeout=TIMEOUT):
        assert window.variables.select_variable("global_step")
    index = window.variables.model.index_of("global_step")
    _action(tree.menu_at(tree.visualRect(index).center()), "Copy Value (full precision)").trigger()
    assert QGuiApplication.clipboard().text() == "300"


def test_keyboard_shortcuts_lists_the_menus(qtbot, window):
    dialog = window.show_shortcuts()
    qtbot.addWidget(dialog)
    rows = {what: keys.split(", ") for what, keys in dialog.rows()}
    assert rows["File > Open Folder"] == ["Ctrl+O"]  # not "Ctrl+O, Open": no keyboard has an Open key (issue 31)
    assert rows["Tools > Compare Checkpoints"] == ["Ctrl+D"]
    assert "F1" in rows["Help > Keyboard Shortcuts"]
    assert ["Ctrl+C"] in rows.values()
    dialog.close()


def test_dark_theme_darkens_the_plots_too(tmp_path, iris_dir):
    shot = tmp_path / "dark.png"
    env = dict(os.environ, CKPT_BROWSER_CONFIG_DIR=str(tmp_path))
    r = subprocess.run(
        [sys.executable, "-m", "ckpt_browser", str(iris_dir), "--select", "dnn/hiddenlayer_0/bias", "--tab", "plot",
         "--theme", "dark", "--size", "1366x768", "--screenshot", str(shot)],
        capture_output=True, text=True, timeout=180, env=env,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-2000:]
    image = QImage(str(shot))
    assert (image.width(), image.height()) == (1366, 768)
    grey = [image.pixelColor(x, y).lightness() for x in range(0, 1366, 37) for y in range(0, 768, 29)]
    assert np.median(grey) < 80  # mostly dark
    # The plot's own background (lower right, inside the Values tab) is dark as well.
    assert image.pixelColor(1366 - 300, 768 - 160).lightness() < 80
