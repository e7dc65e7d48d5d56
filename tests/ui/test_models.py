"""Qt's own model checks on our item models, filled from real checkpoints."""

from __future__ import annotations

from ckpt_browser.core.model_dir.contents import open_source, read_contents
from ckpt_browser.ui.models.sources import SourcesModel
from ckpt_browser.ui.models.variables import VariableTreeModel


def test_sources_model(qtmodeltester, iris_dir, written):
    model = SourcesModel()
    model.add_source(open_source(iris_dir))
    model.add_source(open_source(written["saver"]))
    qtmodeltester.check(model)
    assert model.rowCount() == 2
    first = model.index(0, 0)
    assert model.rowCount(first) == 5
    assert model.index(4, 0, first).data() == "model.ckpt-300"
    assert model.index(4, 6, first).data() == "latest"
    assert model.checkpoint_at(model.index(4, 0, first)).name == "model.ckpt-300"
    # Re-opening the same folder replaces it instead of listing it twice.
    model.add_source(open_source(iris_dir))
    assert model.rowCount() == 2


def test_variable_model(qtmodeltester, written):
    c = read_contents(open_source(written["saver"]).checkpoint())
    model = VariableTreeModel()
    model.set_variables(c.variables)
    qtmodeltester.check(model)
    dense = model.index_of("dense")
    kernel = model.index_of("dense/kernel")
    assert kernel.parent() == dense
    assert model.index(kernel.row(), 1, dense).data() == "[3, 2]"
    assert model.index(kernel.row(), 2, dense).data() == "float32"
    adam = model.index_of("dense/kernel/Adam")
    assert model.index(adam.row(), 5, kernel).data() == "optimizer"


def test_diff_model_and_its_filter_sort_numbers_as_numbers(qtmodeltester, pair):
    from PySide6.QtCore import Qt

    from ckpt_browser.core.values.diff import diff_checkpoints
    from ckpt_browser.ui.models.diff_table import DiffFilterModel, DiffTableModel

    a, b = pair
    diff = diff_checkpoints(a, b)
    model = DiffTableModel()
    model.set_diff(diff)
    qtmodeltester.check(model)
    proxy = DiffFilterModel()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy)
    # Sorted by the max |difference| column, as a click on its header does: largest first.
    proxy.sort(2, Qt.SortOrder.DescendingOrder)
    shown = [model.row_at(proxy.mapToSource(proxy.index(r, 0)).row()).max_abs_diff for r in range(proxy.rowCount())]
    numbers = [x for x in shown if x is not None]
    assert len(numbers) >= 2 and numbers == sorted(numbers, reverse=True)
    changed = diff.counts()["changed"]
    proxy.set_status("changed")
    qtmodeltester.check(proxy)
    assert proxy.rowCount() == changed > 0
    proxy.set_status(None)
    proxy.setFilterFixedString("no such variable anywhere")
    assert proxy.rowCount() == 0


def test_rows_model_over_a_check_report(qtmodeltester, iris_dir, iris_resized_dir):
    from ckpt_browser.core.checks.mismatch import check_model_dir, path_expected
    from ckpt_browser.core.checks.run import RESULT_COLUMNS, result_rows
    from ckpt_browser.core.model_dir.scan import scan_model_dir
    from ckpt_browser.ui.models.rows import RowsModel

    results = check_model_dir(scan_model_dir(iris_dir), path_expected(iris_resized_dir / "model.ckpt-400.meta"))
    rows = result_rows(results)
    model = RowsModel(RESULT_COLUMNS)
    model.set_rows([r.cells for r in rows], tips=[r.full for r in rows], bad=[r.bad for r in rows], objects=rows)
    qtmodeltester.check(model)
    assert model.rowCount() == len(rows) > 0
    assert model.rows()[0] == rows[0].cells
    model.set_rows([])
    qtmodeltester.check(model)
