"""The Files tab: the checkpoint's files as they are on disk, and Verify marking the shard that
holds a corrupt tensor."""

from __future__ import annotations

from PySide6.QtCore import Qt

from ckpt_browser.core.formats.variables import human_bytes
from tests.ui.conftest import TIMEOUT
from tests.ui.test_verify import _flip_byte_of


def test_files_of_the_checkpoint_with_sizes_and_checksums(qtbot, window, open_dir, iris_copy):
    _flip_byte_of(iris_copy / "model.ckpt-300", "dnn/logits/kernel")
    open_dir(iris_copy)
    view = window.view("files")
    with qtbot.waitSignal(view.listed, timeout=TIMEOUT):
        window.show_tab("files")
    on_disk = sorted(p.name for p in iris_copy.iterdir() if p.name.startswith("model.ckpt-300."))
    rows = view.model.rows()
    assert [r[0] for r in rows] == on_disk
    for name, _kind, size, _status in rows:
        assert size == human_bytes((iris_copy / name).stat().st_size)
    status = {r[0]: r[3] for r in rows}
    assert status["model.ckpt-300.index"] == "every block's crc32c ok"
    assert status["model.ckpt-300.data-00000-of-00001"].startswith("not verified yet")
    assert not any(view.model.is_bad(i) for i in range(len(rows)))

    with qtbot.waitSignal(view.listed, timeout=TIMEOUT):
        qtbot.mouseClick(view.verify_button, Qt.MouseButton.LeftButton)
    rows = view.model.rows()
    data = next(i for i, r in enumerate(rows) if r[0] == "model.ckpt-300.data-00000-of-00001")
    assert view.model.is_bad(data)
    assert rows[data][3].startswith("1 corrupt tensor(s)") and "dnn/logits/kernel" in rows[data][3]

    # Another checkpoint: clean, and said so after Verify.
    window.select_checkpoint("model.ckpt-250")
    qtbot.waitUntil(
        lambda: bool(view.model.rows()) and view.model.rows()[0][0].startswith("model.ckpt-250"), timeout=TIMEOUT
    )
    with qtbot.waitSignal(view.listed, timeout=TIMEOUT):
        qtbot.mouseClick(view.verify_button, Qt.MouseButton.LeftButton)
    assert {r[3] for r in view.model.rows() if r[1] == "data shard"} == {"every tensor's crc32c ok"}
