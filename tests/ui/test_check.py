"""Mismatch marks and the Check tab in the real window."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from ckpt_browser.ui.widgets.check_view import CONFIG, finding_rows
from tests.snippets import snippet_code
from tests.ui.conftest import TIMEOUT


def test_opening_marks_mismatched_checkpoints_and_variables(qtbot, window, iris_resized_dir):
    with qtbot.waitSignal(window.self_checked, timeout=TIMEOUT):
        window.open_path(str(iris_resized_dir))
    model = window.sources
    top = model.index(0, 0)
    flags = {model.index(r, 0, top).data(): model.index(r, 6, top).data() for r in range(model.rowCount(top))}
    assert "shape mismatch" in flags["model.ckpt-400"] and "shape mismatch" in flags["model.ckpt-300"]
    assert "shape mismatch" not in flags["model.ckpt-250"]
    qtbot.waitUntil(lambda: window.variables.model.marks() != {}, timeout=TIMEOUT)
    marks = window.variables.model.marks()
    assert "dnn/hiddenlayer_0/kernel" in marks and "dnn/logits/bias" not in marks


def test_check_tab_against_a_config(qtbot, window, iris_dir):
    with qtbot.waitSignal(window.self_checked, timeout=TIMEOUT):
        window.open_path(str(iris_dir))
    view = window.view("check")
    with qtbot.waitSignal(view.checked, timeout=TIMEOUT):
        window.show_tab("check")
    assert "compatible" in view.summary.text()
    rows = finding_rows(view)
    assert len(rows) == 5 * 15 and {r[2] for r in rows} == {"ok"}  # one row per variable
    # The user fills the form: DNNClassifier, hidden_units [20, 20], 3 classes, 4 features.
    view.mode.setCurrentText(CONFIG)
    view.form.kind.setCurrentText("DNNClassifier")
    view.form.hidden_units.setText("[20, 20]")
    view.form.n_classes.setValue(3)
    view.form.features.setText("4")
    assert (
        view.spec.text() == "DNNClassifier(hidden_units=[20, 20], n_classes=3, feature_columns=4, optimizer='Adagrad')"
    )
    with qtbot.waitSignal(view.checked, timeout=TIMEOUT):
        view.run()
    assert "[10, 10]" in view.summary.text() and "[20, 20]" in view.summary.text()
    rows = finding_rows(view)
    assert sum(r[2] == "shape" for r in rows) == 50  # 10 findings in each of 5 checkpoints
    assert ("model.ckpt-300", "dnn/logits/bias", "ok", "[3]", "same") in rows
    assert "WarmStartSettings" in view.advice.toPlainText()
    assert "| `dnn/hiddenlayer_0/kernel` | shape | [4, 10] float32 | [4, 20] float32 |" in view.report()


def test_dropped_log_selects_the_variable(qtbot, window, iris_dir, tmp_path):
    with qtbot.waitSignal(window.checkpoint_loaded, timeout=TIMEOUT):
        window.open_path(str(iris_dir))
    log = tmp_path / "train.log"
    log.write_text(
        "INFO:tensorflow:Restoring parameters\nInvalidArgumentError: tensor_name = dnn/hiddenlayer_1/bias/t_0/Adagrad; "
        "shape in shape_and_slice spec [10] does not match the shape stored in checkpoint: [20]\n"
    )
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(log))])
    drop = QDropEvent(
        QPointF(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier
    )
    with qtbot.waitSignal(window.view("check").log_explained, timeout=TIMEOUT):
        window.dropEvent(drop)
    view = window.view("check")
    assert window.value_tabs.tabText(window.value_tabs.currentIndex()) == "Check"
    assert view.rows.rows()[0][1] == "training/Adagrad/dnn/hiddenlayer_1/bias/accumulator"
    cell = view.table.visualRect(view.rows.index(0, 1)).center()
    # A user's double-click: the first click's press and release, then the second press.
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=cell)
    qtbot.mouseDClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=cell)
    assert window.variables.selected_variable().name == "training/Adagrad/dnn/hiddenlayer_1/bias/accumulator"
    # the explanation wraps in its column: its row is taller than one line, and nothing is cut off
    assert view.table.wordWrap()
    line = view.table.fontMetrics().lineSpacing()
    assert view.table.rowHeight(0) > 1.5 * line
    explanation = view.rows.index(0, 2).data()
    width = view.table.columnWidth(2)
    lines_needed = view.table.fontMetrics().horizontalAdvance(explanation) / max(width, 1)
    assert view.table.rowHeight(0) >= lines_needed * line


SCRIPTS = __import__("pathlib").Path(__file__).parent.parent / "data" / "scripts"


def test_an_opened_or_dropped_script_is_checked(qtbot, window, tmp_path):
    """Open Script... (its slot), a .py dropped on the window, a notebook dropped on the text box."""
    import shutil

    census = tmp_path / "census"
    shutil.copytree(SCRIPTS / "census", census)
    with qtbot.waitSignal(window.checkpoint_loaded, timeout=TIMEOUT):  # no graph here: no self-check
        window.open_path(str(census / "model_dir_wide"))
    view = window.view("check")
    window.show_tab("check")  # where the Open Script... button is
    with qtbot.waitSignal(view.checked, timeout=TIMEOUT):
        view.check_script(str(census / "census_main.py"))
    assert "model.ckpt-0, model.ckpt-20: fits census_main.py:18 (model_type == 'wide')" in view.summary.text()
    assert not view.form.isVisible() and view.open_script.isVisible()

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(SCRIPTS / "changed" / "census_hash" / "census_main.py"))])
    drop = QDropEvent(
        QPointF(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier
    )
    with qtbot.waitSignal(view.checked, timeout=TIMEOUT):
        window.dropEvent(drop)
    assert window.value_tabs.tabText(window.value_tabs.currentIndex()) == "Check"
    assert "fits no call of the script; the closest is census_main.py:18 (model_type == 'wide')" in view.summary.text()
    assert {r[1] for r in finding_rows(view) if r[2] == "shape"} == {
        "linear/linear_model/occupation/weights",
        "training/Ftrl/linear/linear_model/occupation/weights/accumulator",
        "training/Ftrl/linear/linear_model/occupation/weights/linear",
    }

    with qtbot.waitSignal(window.checkpoint_loaded, timeout=TIMEOUT):
        window.open_path(str(SCRIPTS / "notebook" / "model_dir"))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(SCRIPTS / "notebook" / "premade_estimators.ipynb"))])
    drop = QDropEvent(
        QPointF(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier
    )
    with qtbot.waitSignal(view.checked, timeout=TIMEOUT):
        view.spec.dropEvent(drop)
    assert view.spec.text() == str(SCRIPTS / "notebook" / "premade_estimators.ipynb")
    assert "fits premade_estimators.ipynb cell 6, line 2" in view.summary.text()
    assert "All 2 readable checkpoints are compatible with the script." in view.summary.text()


def test_form_follows_a_typed_spec(qtbot):
    from ckpt_browser.ui.widgets.estimator_form import EstimatorForm

    form = EstimatorForm()
    qtbot.addWidget(form)
    spec = "DNNLinearCombinedRegressor(dnn_hidden_units=[5, 3], label_dimension=2, dnn_feature_columns={'x': 2}, linear_feature_columns=['x'], dnn_optimizer='Adam', linear_optimizer='Ftrl')"
    assert form.set_spec(spec)
    assert form.spec() == spec
    assert not form.set_spec("NotAnEstimator()")
    assert form.spec() == spec  # unchanged


def test_a_pasted_training_script_is_checked(qtbot, window):
    """Issue 12: the constructor call is the spec, with the lines above it that it uses."""
    from tests.conftest import ESTIMATOR

    folder = ESTIMATOR / "canned" / "dnn_classifier_embedding"
    with qtbot.waitSignal(window.self_checked, timeout=TIMEOUT):
        window.open_path(str(folder))
    view = window.view("check")
    window.show_tab("check")
    view.mode.setCurrentText(CONFIG)
    script = (
        "kind = tf.feature_column.categorical_column_with_vocabulary_list('Kind', ['a', 'b', 'c', 'd'])\n"
        "cols = [tf.feature_column.numeric_column(k) for k in KEYS]\n"
    )
    view.spec.setText(script + "est = tf.estimator.DNNClassifier(hidden_units=[6], feature_columns=cols)")
    view.run()  # the comprehension is read (never run), but KEYS is nowhere: the user is told so, by line
    qtbot.waitUntil(
        lambda: (
            "line 3: feature_columns=cols is settled by neither the script nor the checkpoint" in view.summary.text()
            and "'KEYS', which the script does not define" in view.summary.text()
        ),
        timeout=TIMEOUT,
    )
    script = (
        "import tensorflow as tf\n"
        "kind = tf.feature_column.categorical_column_with_vocabulary_list('Kind', ['a', 'b', 'c', 'd'])\n"
        "cols = [tf.feature_column.numeric_column('SepalLength'), tf.feature_column.numeric_column('SepalWidth'),\n"
        "        tf.feature_column.numeric_column('PetalLength'), tf.feature_column.numeric_column('PetalWidth'),\n"
        "        tf.feature_column.embedding_column(kind, dimension=2)]\n"
        "estimator = tf.estimator.DNNClassifier(hidden_units=[6], feature_columns=cols, n_classes=3,\n"
        "                                       optimizer='Adagrad', model_dir=MODEL_DIR)\n"
    )
    view.spec.setText(script)  # model_dir=MODEL_DIR changes no variable: ignored
    with qtbot.waitSignal(view.checked, timeout=TIMEOUT):
        view.run()
    text = view.summary.text()
    assert "embedding Kind: vocabulary 3 vs 4" in text
    assert "model.ckpt-10, model.ckpt-20: fits no call of the script; the closest is line 6 (2 findings)" in text
    rows = {r[1] for r in finding_rows(view) if r[2] == "shape"}
    emb = "dnn/input_from_feature_columns/input_layer/Kind_embedding/embedding_weights"
    assert rows == {emb, f"training/Adagrad/{emb}/accumulator"}
    assert "tf.estimator.VocabInfo(" in view.advice.toPlainText()
    code = snippet_code(view.advice.toPlainText())
    assert "estimator = tf.estimator.DNNClassifier(hidden_units=[6], feature_columns=cols" in code


def test_the_form_adds_columns_by_kind(qtbot):
    from ckpt_browser.core.checks.estimators import expected_variables, parse_spec
    from ckpt_browser.ui.widgets.estimator_form import EstimatorForm

    form = EstimatorForm()
    qtbot.addWidget(form)
    form.kind.setCurrentText("DNNClassifier")
    form.hidden_units.setText("[4]")
    form.features.setText("[]")
    for kind, key, n in (("numeric", "x", 3), ("embedding", "word", 1000)):
        form.column_kind.setCurrentText(kind)
        form.column_key.setText(key)
        form.column_n.setValue(n)
        form.add_column.click()
    form.batch_norm.setChecked(True)
    spec = form.spec()
    assert (
        "numeric_column('x', shape=3)" in spec
        and "embedding_column(categorical_column_with_identity('word', 1000), 8)" in spec
    )
    layout = {n: v.shape for n, v in expected_variables(parse_spec(spec)).items()}
    assert layout["dnn/input_from_feature_columns/input_layer/word_embedding/embedding_weights"] == (1000, 8)
    assert layout["dnn/hiddenlayer_0/kernel"] == (11, 4)  # 3 numeric + 8 embedded
    assert layout["dnn/hiddenlayer_0/batchnorm_0/moving_mean"] == (4,)


def _canned():
    from tests.conftest import ESTIMATOR

    return sorted(p for p in (ESTIMATOR / "canned").iterdir() if p.is_dir())


@pytest.mark.parametrize("folder", _canned(), ids=lambda p: p.name)
def test_each_canned_model_dir_in_the_check_tab(qtbot, window, folder):
    """Issue 12: the call that wrote it fits; a changed width or class count does not."""
    call = (folder / "constructor.txt").read_text().splitlines()[0]
    with qtbot.waitSignal(window.self_checked, timeout=TIMEOUT):
        window.open_path(str(folder))
    view = window.view("check")
    window.show_tab("check")
    view.mode.setCurrentText(CONFIG)
    view.spec.setText(call)
    with qtbot.waitSignal(view.checked, timeout=TIMEOUT):
        view.run()
    assert "All 2 readable checkpoints are compatible" in view.summary.text()
    assert {r[2] for r in finding_rows(view)} == {"ok"}
    changed = (
        call.replace("n_classes=3", "n_classes=5")
        .replace("n_classes=2", "n_classes=5")
        .replace("n_classes=4", "n_classes=5")
        .replace("[5, 5, 5]", "[5, 5, 6]")
        .replace("[7, 3]", "[7, 4]")
        .replace("'c']", "'c', 'd']")
    )
    assert changed != call
    view.spec.setText(changed)
    with qtbot.waitSignal(view.checked, timeout=TIMEOUT):
        view.run()
    assert "2 of 2 checkpoints do not fit" in view.summary.text()
    assert "shape" in {r[2] for r in finding_rows(view)}
