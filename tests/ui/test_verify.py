"""Corruption as the user meets it: a tensor shown under a red banner, Tools > Verify flags."""

from __future__ import annotations

from pathlib import Path

from ckpt_browser.core.formats.bundle import BundleReader
from ckpt_browser.core.tf.tfimport import tf
from tests.ui.conftest import TIMEOUT


def _flip_byte_of(prefix: Path, variable: str) -> None:
    entry = BundleReader(prefix).entry_info(variable)
    data = Path(str(prefix) + ".data-00000-of-00001")
    raw = bytearray(data.read_bytes())
    raw[entry.offset + 2] ^= 0x20
    data.write_bytes(bytes(raw))


def test_corrupt_tensor_is_shown_under_a_red_banner(qtbot, window, open_dir, iris_copy):
    _flip_byte_of(iris_copy / "model.ckpt-300", "dnn/logits/kernel")
    open_dir(iris_copy)
    with qtbot.waitSignal(window.tensor_loaded, timeout=TIMEOUT) as got:
        window.variables.select_variable("dnn/logits/kernel")
    shown = got.args[0]
    banner = window.tensor_view.banner
    assert banner.isVisibleTo(window) and "Checksum mismatch in dnn/logits/kernel" in banner.text()
    assert "model.ckpt-300.data-00000-of-00001" in banner.text()
    clean = tf().train.load_checkpoint(str(Path(__file__).parents[1] / "data/estimator/iris/model.ckpt-300"))
    assert shown.shape == (10, 3) and (shown != clean.get_tensor("dnn/logits/kernel")).sum() == 1
    assert window.tensor_view.table_model.rowCount() == 10  # the values are in the table
    # A clean variable shows no banner.
    with qtbot.waitSignal(window.tensor_loaded, timeout=TIMEOUT):
        window.variables.select_variable("dnn/logits/bias")
    assert not banner.isVisibleTo(window)


def test_verify_flags_the_corrupt_checkpoint(qtbot, window, open_dir, iris_copy):
    _flip_byte_of(iris_copy / "model.ckpt-200", "dnn/hiddenlayer_1/kernel")
    open_dir(iris_copy)
    action = next(a for m in window.menuBar().actions() for a in m.menu().actions() if "Verify" in a.text())
    assert action.shortcut().toString() == "Ctrl+Shift+V"
    with qtbot.waitSignal(window.sources.dataChanged, timeout=TIMEOUT):
        action.trigger()
    dialog = window.verify_dialog
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 5, timeout=TIMEOUT)
    statuses = [dialog.model.index(r, 1).data() for r in range(5)]
    assert statuses == ["ok", "ok", "corrupt", "ok", "ok"]
    assert "1 corrupt" in dialog.summary.text()
    source = window.sources.sources()[0]
    flags = window.sources.checkpoint_index(source, "model.ckpt-200").siblingAtColumn(6).data()
    assert "corrupt" in flags
    assert "corrupt" not in window.sources.checkpoint_index(source, "model.ckpt-300").siblingAtColumn(6).data()


def test_verify_model_passes_the_model_tester(qtmodeltester, window, open_dir, qtbot, iris_dir):
    open_dir(iris_dir)
    dialog = window.show_verify_dialog()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 5, timeout=TIMEOUT)
    qtmodeltester.check(dialog.model)


def test_verify_of_a_format_without_checksums_says_so(qtbot, window, open_dir):
    """An Orbax run (written by Orbax: tests/data/orbax/manager): the dialog does not claim a checksum
    was checked; it shows the reader's note of what was."""
    import pytest

    pytest.importorskip("tensorstore", reason="tensorstore (ckpt-browser[orbax]) is not installed")
    open_dir(Path(__file__).parents[1] / "data" / "orbax" / "manager")
    dialog = window.show_verify_dialog()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 2, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: "2 ok" in dialog.summary.text(), timeout=TIMEOUT)
    assert "checksum" not in dialog.title.text() and "Checked every tensor" in dialog.title.text()
    assert "Orbax stores no checksums" in dialog.summary.text()
