"""The window's size and pane widths from the screen it is on: a first-run layout where the
variable names read and every tab can be reached, at 1366x768, at 1920x1080 scaled 150 % or
200 %, and at 2560x1440; and what the user arranged remembered from run to run."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFontMetrics, QGuiApplication, QPixmap

DEFAULT_SIZE = (1760, 960)  # on a 1920 x 1080 screen; bigger screens get no bigger first window
TABS_LEAST = 360  # logical pixels the tabs keep beside the variable tree, where the names allow
NARROW = 1100  # logical pixels: below, the checkpoint list goes above the variables, not beside them
# Widest usual content of each checkpoint-list column (Checkpoint, Step, Saved, Size, Shards, Meta, Flags).
SAMPLE_ROW = ("model.ckpt-100000", "100000", "2026-12-31 23:59:59", "100.0 MB", "Shards", "Meta", "not in state")
# And of the variable tree's columns after Name (Shape, DType, Params, Bytes, Kind).
TREE_SAMPLE = ("[10, 10]", "float32", "100,000", "400.0 KB", "optimizer")


def default_size(size: tuple[int, int] | None = None) -> tuple[int, int]:
    """size if given (--size, documentation shots), else DEFAULT_SIZE within what the screen the
    window opens on leaves (a laptop: nearly all of it)."""
    if size is not None:
        return size
    w, h = DEFAULT_SIZE
    screen = QGuiApplication.primaryScreen()
    if screen is not None:
        avail = screen.availableGeometry()
        w, h = min(w, avail.width() - 16), min(h, avail.height() - 40)
    return max(w, 640), max(h, 400)


def sources_width(view) -> int:
    """What the checkpoint list needs for SAMPLE_ROW without cutting a column."""
    fm = view.fontMetrics()
    bold = view.font()
    bold.setBold(True)
    names = QFontMetrics(bold).horizontalAdvance(SAMPLE_ROW[0]) + view.indentation() + 12
    rest = sum(fm.horizontalAdvance(text) + 8 for text in SAMPLE_ROW[1:])
    return names + rest + view.verticalScrollBar().sizeHint().width() + 4


def tree_width(tree, name_chars: int = 36) -> int:
    """What the variable tree wants: name_chars of name beside the other columns."""
    fm = tree.fontMetrics()
    rest = sum(fm.horizontalAdvance(t) + 14 for t in TREE_SAMPLE)
    name = fm.averageCharWidth() * name_chars + tree.indentation() * 3
    return name + rest + tree.verticalScrollBar().sizeHint().width() + 12


def first_layout(window) -> None:
    """No saved layout: panes sized from the window's width. Run once the window is shown (sizes
    given before are redone by the first layout pass)."""
    width, height = window.width(), window.height()
    split = window.centralWidget()
    tree = window.variables.tree
    if width < NARROW:
        # Too narrow for three panes side by side: the checkpoint list (with the variable details
        # behind it, a tab away) above; the variables and the tabs share the width below.
        window.addDockWidget(Qt.DockWidgetArea.TopDockWidgetArea, window.sources_dock)
        window.addDockWidget(Qt.DockWidgetArea.TopDockWidgetArea, window.details_dock)
        window.tabifyDockWidget(window.sources_dock, window.details_dock)
        window.sources_dock.raise_()
        window.resizeDocks([window.sources_dock], [max(120, height * 28 // 100)], Qt.Orientation.Vertical)
        available = width - 12
        left = min(tree_width(tree, 28), max(tree_width(tree, 24) - 60, available * 45 // 100))
        split.setSizes([left, max(available - left, 200)])
        return
    want = sources_width(window.sources_view)
    # From 1600 px every column of the list shows; narrower, the list gets a share and scrolls sideways.
    dock = want if width >= 1600 else min(want, max(260, width * 24 // 100))
    window.resizeDocks([window.sources_dock], [dock], Qt.Orientation.Horizontal)
    window.resizeDocks([window.sources_dock, window.details_dock], [height * 55 // 100, height * 30 // 100],
                       Qt.Orientation.Vertical)  # fmt: skip
    available = width - dock - 24
    # The tabs get their whole bar where they can, the tree what its columns want within 40 % of
    # what is left -- at least 24 characters of name with shape and dtype (Kind may scroll).
    tabs = window.value_tabs.tabBar().sizeHint().width() + window.tabs_menu_button.sizeHint().width() + 16
    least = tree_width(tree, 24) - tree.fontMetrics().horizontalAdvance("optimizer  100,000") - 20
    left = min(tree_width(tree), max(least, min(available * 40 // 100, available - tabs)))
    split.setSizes([left, max(available - left, 280)])
    fit_variables_pane(window)


def fit_variables_pane(window) -> None:
    """The variable tree as wide as the names on show need (to NAME_CAP characters, beside the other
    columns), at least what shows each of them to NAME_CHARS characters (Kind may scroll); the tabs
    the rest, their whole bar where the names leave room for it, else at least TABS_LEAST with the
    tree at most 55 % of the split. Redone when another checkpoint's names are shown, until the user moves the
    splitter: from then on their widths are theirs (and remembered)."""
    # deferred: start-up: loads PySide6, google.protobuf, google_crc32c (+176 modules)
    from ckpt_browser.ui.widgets.variable_panel import NAME_CAP, NAME_CHARS

    split = window.centralWidget()
    panel = window.variables
    if window.split_by_user or panel.contents() is None:
        return
    total = sum(split.sizes())
    if total <= 0:
        return
    least = panel.pane_width(NAME_CHARS, kind=False)
    want = panel.pane_width(NAME_CAP)
    bar = window.value_tabs.tabBar().sizeHint().width() + window.tabs_menu_button.sizeHint().width() + 16
    if least + bar <= total:  # the tabs' whole bar shows beside the names: the names get the rest
        most = total - bar
    else:  # the bar scrolls (and the Tabs menu lists them) anyway: the names come first
        most = max(least, min(total * 55 // 100, total - TABS_LEAST))
    left = min(max(least, min(want, most)), total - 200)
    if abs(split.sizes()[0] - left) > 2:
        split.setSizes([left, total - left])


def screen_shot(widget):
    """The widget as the screen it is on shows it: in device pixels (a 150 % screen's shot is
    1.5 times the logical size, its text as sharp as there)."""

    screen = widget.screen()
    ratio = screen.devicePixelRatio() if screen is not None else 1.0
    pixmap = QPixmap(round(widget.width() * ratio), round(widget.height() * ratio))
    pixmap.setDevicePixelRatio(ratio)
    widget.render(pixmap)
    return pixmap


def restore(window, settings) -> None:
    geometry = settings.value("window/geometry")
    if geometry is not None:
        window.restoreGeometry(geometry)
    state = settings.value("window/state")
    split = settings.value("window/split")
    if state is not None:
        window.restoreState(state)
        if split is not None:
            window.centralWidget().restoreState(split)
            window.split_by_user = settings.value("window/split_by_user") in (True, "true")
    else:
        QTimer.singleShot(0, window, lambda: first_layout(window))


def save(window, settings) -> None:
    settings.set_value("window/geometry", window.saveGeometry())
    settings.set_value("window/state", window.saveState())
    settings.set_value("window/split", window.centralWidget().saveState())
    settings.set_value("window/split_by_user", window.split_by_user)
    settings.sync()
