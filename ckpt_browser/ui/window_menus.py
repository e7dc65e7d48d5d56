"""The main window's menus, status bar and dialogs (About, unexpected errors): a part of
MainWindow (main_window.py), kept apart so each file stays small."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMessageBox

from ckpt_browser import __version__
from ckpt_browser.core.tf.tfimport import tf
from ckpt_browser.ui import copying
from ckpt_browser.ui.theme_menu import add_theme_menu


class WindowMenus:
    """Mixed into MainWindow: builds its menus and keeps its status bar."""

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self._action(file_menu, "Open &Folder…", self.open_folder_dialog, QKeySequence.StandardKey.Open)
        self._action(file_menu, "Open &File…", self.open_file_dialog, "Ctrl+Shift+O")
        self._action(file_menu, "Open &URL…", self.open_url_dialog, "Ctrl+L")
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        file_menu.addSeparator()
        self._action(file_menu, "&Reload", self.reload_current, QKeySequence.StandardKey.Refresh)
        self._action(file_menu, "&Close Source", self.close_current_source, QKeySequence.StandardKey.Close)
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit)

        view = self.menuBar().addMenu("&View")
        self._action(view, "&Filter Variables", self._focus_filter, QKeySequence.StandardKey.Find)
        for box, shortcut in (
            (self.variables.hide_optimizer_box, "Ctrl+Shift+H"),
            (self.variables.object_graph_box, None),
            (self.variables.regex_box, None),
        ):
            act = QAction(box.text(), self, checkable=True)
            if shortcut:
                act.setShortcut(shortcut)
            act.toggled.connect(box.setChecked)
            box.toggled.connect(act.setChecked)
            view.addAction(act)
        # On while the latest checkpoint is on show (the app state's rule): a new one is then shown.
        self.follow_action = QAction("Follow &Latest Checkpoint", self, checkable=True)
        self.follow_action.setChecked(self.state.follow_latest)  # and as it changes: window_render.py
        self.follow_action.setShortcut(QKeySequence("Ctrl+End"))
        self.follow_action.triggered.connect(self.state.set_follow_latest)
        view.addAction(self.follow_action)
        view.addSeparator()
        view.addAction(self.sources_dock.toggleViewAction())
        view.addAction(self.details_dock.toggleViewAction())
        view.addSeparator()
        self.theme_actions = add_theme_menu(self, view)  # System, Light, Dark: remembered

        tools = self.menuBar().addMenu("&Tools")
        self._action(tools, "&Compare Checkpoints…", self.show_diff_window, "Ctrl+D")
        self._action(tools, "&Verify Checkpoints…", self.show_verify_dialog, "Ctrl+Shift+V")
        self._action(tools, "&Map onto PyTorch…", self.show_map_dialog)
        tools.addSeparator()
        self._action(tools, "Run on a &Dask Cluster…", self.show_cluster_dialog)

        help_menu = self.menuBar().addMenu("&Help")
        self._action(help_menu, "&Keyboard Shortcuts", self.show_shortcuts, QKeySequence.StandardKey.HelpContents)
        self._action(help_menu, "Open &Example", self.open_examples)
        self._action(help_menu, "&Create Example…", self.create_example_dialog)
        self._action(help_menu, "&About ckpt-browser", self.show_about)
        self._install_copying()

    # -- copying and context menus ------------------------------------------------------------
    def _install_copying(self) -> None:
        copying.install(self.sources_view, self._checkpoint_menu)
        copying.install(self.variables.tree, self._variable_menu, copy=self._selected_names)

    def _checkpoint_menu(self, menu, index) -> None:
        info = self.sources.checkpoint_at(index)
        source = self.sources.source_at(index)
        if info is not None:
            menu.addAction("Copy Name", lambda: copying.set_clipboard(info.name))
            menu.addAction("Copy Path", lambda: copying.set_clipboard(str(info.prefix)))
        elif source is not None:
            menu.addAction("Copy Path", lambda: copying.set_clipboard(str(source.model_dir.path)))

    def _selected_names(self) -> str:
        model = self.variables.model
        rows = self.variables.tree.selectionModel().selectedRows()
        names = [v.display_name for v in (model.variable_at(i) for i in rows) if v is not None]
        return "\n".join(names)

    def _variable_menu(self, menu, index) -> None:
        from ckpt_browser.core.base.errors import CheckpointError
        from ckpt_browser.core.values.text import exact, numpy_literal

        v = self.variables.model.variable_at(index)
        if v is None:
            return
        menu.addSeparator()
        menu.addAction("Copy Name", lambda: copying.set_clipboard(v.display_name))
        if v.name != v.display_name:
            menu.addAction("Copy Stored Name", lambda: copying.set_clipboard(v.name))
        read = self.state.value if self.state.variable == v.name else None
        array = read.value if read is not None else None
        if array is None:
            return

        def literal() -> None:
            try:
                copying.set_clipboard(numpy_literal(array))
            except CheckpointError as exc:
                self.status_label.setText(str(exc))

        if array.ndim == 0:
            menu.addAction("Copy Value (full precision)", lambda: copying.set_clipboard(exact(array[()])))
        menu.addAction("Copy as NumPy Literal", literal)
        menu.addAction("Export .npy…", self.tensor_view.export_npy_dialog)

    def show_shortcuts(self):
        from ckpt_browser.ui.shortcuts import IN_VIEWS, ShortcutsDialog, menu_shortcuts

        dialog = ShortcutsDialog(menu_shortcuts(self.menuBar()) + list(IN_VIEWS), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def _action(self, menu, text, slot, shortcut=None) -> QAction:
        act = QAction(text, self)
        if isinstance(shortcut, QKeySequence.StandardKey):
            # Every binding of the platform, not only the first: Close is Ctrl+F4 and Ctrl+W on Linux.
            act.setShortcuts(shortcut)
        elif shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
        act.triggered.connect(slot)
        menu.addAction(act)
        return act

    # -- a Dask cluster (ui/cluster.py) -------------------------------------------------------
    def show_map_dialog(self):
        """Will the checkpoint on show map onto a PyTorch / safetensors file (ckpt-browser map)."""
        from ckpt_browser.ui.widgets.map_dialog import MapDialog

        if getattr(self, "map_dialog", None) is None:
            self.map_dialog = MapDialog(self.runner, self)
        info = self.current_checkpoint()
        if info is not None and info.file_format.has_state_file and not self.map_dialog.tf_path.text():
            self.map_dialog.set_checkpoint(str(info.prefix))
        self.map_dialog.show()
        return self.map_dialog

    def show_cluster_dialog(self):
        from ckpt_browser.ui.cluster import Cluster, ClusterDialog

        if getattr(self, "cluster", None) is None:  # made on first use: most sessions never need it
            self.cluster = Cluster(self.runner, self)
            self.cluster_label = QLabel()
            self.cluster_label.hide()
            self.statusBar().insertPermanentWidget(1, self.cluster_label)  # before the progress bar
            self.cluster.changed.connect(self._cluster_changed)
            self.cluster.failed.connect(self.status_label.setText)
        dialog = ClusterDialog(self.cluster, self.settings, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def _cluster_changed(self, text: str) -> None:
        self.cluster_label.setText(text)
        self.cluster_label.setToolTip("Verify, Compare, Health and History run there (Tools > Run on a Dask Cluster…)")
        self.cluster_label.setVisible(bool(text))
        here = "Verify, Compare, Health and History run on this computer again"
        self.status_label.setText(
            f"Verify, Compare, Health and History run on {self.cluster.address}" if text else here
        )

    # -- status ----------------------------------------------------------------------------
    def _on_busy(self, pending: int) -> None:
        self.progress.setVisible(pending > 0)
        if pending == 0:
            self.progress.setRange(0, 0)

    def _on_progress(self, text: str, done: int, total: int) -> None:
        # Progress lives in the bar (with its text); the status label keeps messages.
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
            self.progress.setFormat(f"{text} %p%")
        else:
            self.progress.setRange(0, 0)
        self.progress.setToolTip(text)
        self.progress.setTextVisible(bool(total))

    def _on_unexpected(self, message: str, details: str) -> None:
        """One dialog, details collapsed; more errors while it is open join its details."""
        box = getattr(self, "_error_box", None)
        if box is not None and box.isVisible():
            box.setDetailedText(box.detailedText() + "\n" + details)
            return
        from ckpt_browser.ui.tasks import error_log_path

        box = QMessageBox(QMessageBox.Icon.Warning, "Unexpected error", message, parent=self)
        box.setInformativeText(
            f"This is a bug in ckpt-browser; the rest of the window still works. The details are kept in "
            f"{error_log_path()} and below: they help to fix it."
        )
        box.setDetailedText(details)  # shown only when the user asks (Show Details...)
        self._error_box = box
        box.open()

    def show_about(self) -> None:
        import platform
        from importlib.metadata import PackageNotFoundError, version

        from PySide6 import __version__ as pyside_version
        from PySide6.QtCore import qVersion

        from ckpt_browser.core.tf.tfimport import is_loaded

        if is_loaded():
            tf_version = tf().__version__
        else:  # the installed version, without a 3-5 s import on the UI thread
            try:
                tf_version = f"{version('tensorflow')} (not loaded yet)"
            except PackageNotFoundError:
                tf_version = "not found"
        QMessageBox.about(
            self,
            "About ckpt-browser",
            f"<b>ckpt-browser {__version__}</b><br>Browse, compare and check TensorFlow checkpoints."
            f"<br><br>TensorFlow {tf_version}<br>Qt {qVersion()} (PySide6 {pyside_version})"
            f"<br>Python {platform.python_version()}",
        )
