"""The window at its default size shows every tab and every checkpoint column; what the user
arranges is there again next time."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect

from ckpt_browser.ui.main_window import MainWindow
from ckpt_browser.ui.settings import Settings
from ckpt_browser.ui.tasks import TaskRunner
from ckpt_browser.ui.views import VIEWS
from tests.ui.conftest import TIMEOUT


def placed(widget, window) -> QRect:
    """Where the widget is on the window, in the window's coordinates (measured, not asked)."""
    return QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())


def test_default_size_shows_every_tab_and_column(qtbot, window, open_dir, iris_dir):
    open_dir(iris_dir)
    qtbot.wait(50)  # the first-run layout runs once the window is shown
    # The window opens whole on the screen it is on (the tests' offscreen screen is 1920 x 1080), and
    # uses most of it: each pane shows, inside the window, beside the others.
    screen = window.screen().availableGeometry()
    assert screen.contains(window.frameGeometry()), (window.frameGeometry(), screen)
    assert window.width() >= screen.width() * 3 // 4 and window.height() >= screen.height() * 3 // 4
    panes = {"checkpoints": window.sources_view, "variables": window.variables.tree, "tabs": window.value_tabs}
    rects = {name: placed(w, window) for name, w in panes.items()}
    for name, rect in rects.items():
        assert panes[name].isVisible() and window.rect().contains(rect), (name, rect, window.rect())
        assert rect.width() >= 200 and rect.height() >= 200, (name, rect)
    names = list(rects)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert not rects[a].intersects(rects[b]), (a, rects[a], b, rects[b])
    bar = window.value_tabs.tabBar()
    assert bar.count() == 1 + len(VIEWS)
    assert bar.sizeHint().width() <= bar.width(), "the tab bar would need scroll arrows"
    for i in range(bar.count()):
        assert bar.tabRect(i).right() <= bar.width()
    header = window.sources_view.header()
    assert header.length() <= window.sources_view.viewport().width(), "a column of the checkpoint list is cut"
    # With a variable's values on show, the names in the tree still read (at 1600 px wide, ten
    # tabs left the name column a few characters wide).
    with qtbot.waitSignal(window.tensor_loaded, timeout=TIMEOUT):
        window.variables.select_variable("dnn/hiddenlayer_0/kernel")
    qtbot.wait(50)
    tree = window.variables.tree
    assert tree.columnWidth(0) >= tree.fontMetrics().horizontalAdvance("hiddenlayer_0") + 60


def test_window_and_splitter_sizes_are_remembered(qtbot, tmp_path, iris_dir):
    settings_file = tmp_path / "settings.ini"
    runner = TaskRunner()
    first = MainWindow(runner, Settings(settings_file))
    qtbot.addWidget(first)
    first.show()
    qtbot.wait(50)
    first.resize(1300, 800)
    split = first.centralWidget()
    split.setSizes([500, 300])
    qtbot.waitUntil(lambda: split.sizes()[0] > split.sizes()[1], timeout=TIMEOUT)
    wanted = split.sizes()
    first.close()
    second = MainWindow(runner, Settings(settings_file))
    qtbot.addWidget(second)
    second.show()
    qtbot.wait(50)
    assert (second.width(), second.height()) == (1300, 800)
    assert second.centralWidget().sizes() == wanted
    second.close()
    runner.shutdown(wait=True)
