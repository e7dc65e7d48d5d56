"""Run in a process of its own on an offscreen screen (QT_QPA_PLATFORM=offscreen:configfile=...): open
model_dirs as a user would, one after the other, and print as JSON what the user sees of each (issue 31):
every name the variable tree shows, as Qt elides it in the room its cell has on screen; the panes'
widths; the checkpoint list's columns against the text in them, and where the selected checkpoint is.
tests/ui/test_layout_by_content.py runs it once per screen."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path


def shown_names(tree) -> list[tuple[str, str]]:
    """(name, what of it the user sees) for every row on show: Qt's elision of the name in its cell's
    text room, the cell cut by the viewport's right edge where the column runs past it."""
    from PySide6.QtCore import QModelIndex, Qt
    from PySide6.QtWidgets import QStyle

    model, fm = tree.model(), tree.fontMetrics()
    margin = tree.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, tree) + 1
    out, todo = [], [QModelIndex()]
    while todo:
        parent = todo.pop()
        for r in range(model.rowCount(parent)):
            index = model.index(r, 0, parent)
            rect = tree.visualRect(index)
            right = min(rect.right(), tree.viewport().width())
            room = right - max(rect.left(), 0) - 2 * margin
            name = model.data(index)
            out.append((name, fm.elidedText(name, Qt.TextElideMode.ElideRight, max(room, 0))))
            if tree.isExpanded(index):
                todo.append(index)
    return out


def checkpoint_list(window) -> dict:
    from PySide6.QtCore import Qt

    view, model = window.sources_view, window.sources
    header = view.header()
    fm = view.fontMetrics()
    columns = {}
    for c in range(model.columnCount()):
        title = model.headerData(c, Qt.Orientation.Horizontal)
        if header.isSectionHidden(c):
            columns[title] = None
            continue
        left = header.sectionViewportPosition(c)
        columns[title] = {"left": left, "right": left + header.sectionSize(c)}
    # The widest Flags text of any row, in the font of its row (the latest is bold).
    flags = []
    for s in range(model.rowCount()):
        parent = model.index(s, 0)
        for r in range(model.rowCount(parent)):
            index = model.index(r, 6, parent)
            text = model.data(index) or ""
            font = model.data(index, Qt.ItemDataRole.FontRole)
            flags.append((text, (fm if font is None else type(fm)(font)).horizontalAdvance(text)))
    current = view.visualRect(view.currentIndex())
    return {
        "viewport": [view.viewport().width(), view.viewport().height()],
        "columns": columns,
        "flags": flags,
        "current": [current.left(), current.top(), current.right(), current.bottom()],
        "current_name": model.data(view.currentIndex()),
    }


def main(shot_prefix: str, *model_dirs: str) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    from ckpt_browser.ui.app import create_app
    from ckpt_browser.ui.main_window import MainWindow
    from ckpt_browser.ui.settings import Settings
    from ckpt_browser.ui.tasks import TaskRunner

    app = create_app()
    runner = TaskRunner()
    window = MainWindow(runner, Settings(Path(tempfile.mkdtemp()) / "settings.ini"))
    window.show()

    def wait(signal=None, ms: int = 30_000) -> None:
        loop = QEventLoop()
        if signal is not None:
            signal.connect(loop.quit)
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    seen = {}
    for i, model_dir in enumerate(model_dirs):
        window.open_path(model_dir)
        wait(window.checkpoint_loaded)
        wait(ms=200)  # the layouts that follow and a paint
        split = window.centralWidget()
        seen[model_dir] = {
            "names": shown_names(window.variables.tree),
            "split": split.sizes(),
            "checkpoints": checkpoint_list(window),
        }
        if shot_prefix:
            from ckpt_browser.ui.layout import screen_shot

            screen_shot(window).save(f"{shot_prefix}-{i}.png")
    screen = window.screen()
    out = {
        "screen": [screen.availableGeometry().width(), screen.availableGeometry().height(), screen.devicePixelRatio()],
        "window": [window.width(), window.height()],
        "seen": seen,
    }
    print(json.dumps(out))
    window.close()
    runner.shutdown(wait=True)
    app.quit()


if __name__ == "__main__":
    main(sys.argv[1], *sys.argv[2:])
