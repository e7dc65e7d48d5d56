"""The Values tab's ways out: the plot as a PNG, the tensor as .npy, the shown slice as .csv (each
written by a task, off the UI thread), and the selected cells copied at full precision or as a
NumPy literal. A mixin of TensorView, which holds the array, the table and the plots."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog, QWidget

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.values.export import save_csv, save_npy
from ckpt_browser.core.values.text import exact_block, numpy_literal


class TensorExport:
    """Export and copy for TensorView (self is the view)."""

    # -- export ----------------------------------------------------------------------------
    def save_plot(self, path: str | Path) -> bool:
        """PNG of the histogram when it is showing, else of the line plot or heatmap."""
        if self.tabs.currentWidget() is self.histogram_holder:
            widget: QWidget = self.histogram
        else:
            self._plot_widgets()
            widget = self.plot_holder
        if widget.layout() is not None:
            widget.layout().activate()  # a page built just now: laid out before it is grabbed
        return widget.grab().save(str(path))

    def export_npy_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export tensor", f"{_safe(self._name)}.npy", "NumPy (*.npy)")
        if path and self._array is not None:
            self._run_export(save_npy, self._array, path)

    def export_csv_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export shown slice", f"{_safe(self._name)}.csv", "CSV (*.csv)")
        if path and self._array is not None:
            self._run_export(save_csv, self.shown_plane(), path)

    def save_plot_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save plot", f"{_safe(self._name)}.png", "PNG (*.png)")
        if path and not self.save_plot(path):
            self.header.setText(f"Could not write {path}")

    def _run_export(self, fn, data: np.ndarray, path: str) -> None:
        self.runner.submit(
            fn, data, path, tf=False, label=f"Writing {Path(path).name}",
            on_error=lambda msg: self.stats_status.setText(f"Export failed: {msg}"),
        )  # fmt: skip

    def _selected_block(self) -> np.ndarray | None:
        """The selected cells' rectangle of the shown slice (the whole slice when none is)."""
        plane = self.table_model.array()
        indexes = self.table.selectionModel().selectedIndexes()
        if not indexes:
            return plane if plane.size else None
        rows = sorted({i.row() for i in indexes})
        cols = sorted({i.column() for i in indexes})
        return plane[np.ix_(rows, cols)]

    def copied_text(self) -> str:
        """Ctrl+C: the selected cells at full precision (0.33220857, not the table's 0.332209)."""
        block = self._selected_block() if self.table.selectionModel().selectedIndexes() else None
        return "" if block is None else exact_block(block)

    def copy_selection(self) -> None:
        QGuiApplication.clipboard().setText(self.copied_text())

    def _table_menu(self, menu, _index) -> None:
        def literal() -> None:
            block = self._selected_block()
            if block is None:
                return
            try:
                QGuiApplication.clipboard().setText(numpy_literal(block))
            except CheckpointError as exc:
                self.stats_status.setText(str(exc))

        menu.addAction("Copy as NumPy Literal", literal)
        menu.addSeparator()
        menu.addAction("Export Tensor .npy…", self.export_npy_dialog).setEnabled(self._array is not None)
        menu.addAction("Export Shown Slice .csv…", self.export_csv_dialog).setEnabled(self._array is not None)


def _safe(name: str) -> str:
    return name.replace("/", "_").replace(".", "_") or "tensor"
