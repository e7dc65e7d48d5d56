"""The mismatch report: a checkpoint against its graph, an Estimator config, another
checkpoint, or an error log; summary, findings, advice to copy."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ckpt_browser.core.checks.logparse import LogFinding
from ckpt_browser.core.checks.mismatch import CheckResult
from ckpt_browser.core.checks.report import advice, markdown_report, summary
from ckpt_browser.core.checks.run import (
    CONFIG,
    LOG,
    LOG_COLUMNS,
    OWN,
    PATH,
    RESULT_COLUMNS,
    ReportRow,
    explain_log,
    log_rows,
    result_rows,
    run_check,
)
from ckpt_browser.core.model_dir.scan import ModelDir
from ckpt_browser.ui import copying
from ckpt_browser.ui.models.rows import ROW_ROLE, RowsModel
from ckpt_browser.ui.palette import colours
from ckpt_browser.ui.tasks import TaskRunner
from ckpt_browser.ui.text import esc
from ckpt_browser.ui.views import Selection, ViewContext
from ckpt_browser.ui.widgets.check_build import BuildBar
from ckpt_browser.ui.widgets.check_report import CheckReport, ProseArea, ProseLabel
from ckpt_browser.ui.widgets.estimator_form import EstimatorForm

BUILD_HINT = "The script was read, not run: Build with TensorFlow (above) runs it up to its first train or save."
__all__ = ["CONFIG", "LOG", "OWN", "PATH", "CheckView", "finding_rows"]


class SpecEdit(QPlainTextEdit):
    """Where the constructor call goes -- typed, or pasted with the lines above it that define its
    feature columns. Ctrl+Enter checks. text()/setText() as a line edit has them."""

    submitted = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setTabChangesFocus(True)
        self.setFixedHeight(int(self.fontMetrics().lineSpacing() * 4.5))
        self.setToolTip("The Estimator's constructor call as your training script has it (Ctrl+Enter to check)")

    def text(self) -> str:
        return self.toPlainText()

    def setText(self, text: str) -> None:  # noqa: N802 - the QLineEdit name callers use
        if text != self.toPlainText():
            self.setPlainText(text)

    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt override
        if script_paths(event.mimeData()):
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt override
        """A dropped .py / .ipynb is checked as a file (with the modules of its folder), not pasted as a URL."""
        paths = script_paths(event.mimeData())
        if not paths:
            super().dropEvent(event)
            return
        event.acceptProposedAction()
        self.setText(paths[0])
        self.submitted.emit()

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt override
        if (
            event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            self.submitted.emit()
            return
        super().keyPressEvent(event)


def script_paths(mime) -> list[str]:
    """Training scripts among dropped files."""
    return [u.toLocalFile() for u in mime.urls() if u.isLocalFile() and u.toLocalFile().endswith((".py", ".ipynb"))]


def finding_rows(view) -> list[tuple[str, ...]]:
    """The report table as text rows (what the user sees)."""
    return view.rows.rows()


class CheckView(QWidget):
    checked = Signal(object)  # list[CheckResult]
    log_explained = Signal(object)  # list[LogFinding]
    variable_requested = Signal(str)  # checkpoint variable to select in the tree

    @classmethod
    def create(cls, ctx: ViewContext) -> CheckView:
        return cls(ctx.runner)

    def show_selection(self, sel: Selection) -> None:
        if (
            sel.checkpoint is not None
            and sel.checkpoint.file_format.capabilities.model_config
            and self.mode.currentText() == OWN
        ):
            self.model_dir, self.prefix = sel.model_dir, sel.checkpoint.prefix
            self.rows.set_rows([])
            self.summary.setText(
                f"{sel.checkpoint.name} is a Keras / TensorFlow.js file: the Model tab lists what to know "
                "before loading it again (Lambda layers, custom objects, the accuracy metric, fresh weights)."
            )
            return
        self.set_context(sel.model_dir, sel.checkpoint.prefix if sel.checkpoint is not None else None)

    def __init__(self, runner: TaskRunner, parent=None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.model_dir: ModelDir | None = None
        self.prefix: Path | None = None
        self.results: list[CheckResult] = []

        self.mode = QComboBox()
        self.mode.addItems([OWN, CONFIG, PATH, LOG])
        self.mode.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.mode.setMinimumContentsLength(14)
        self.spec = SpecEdit()
        self.spec.submitted.connect(self.run)
        self.spec.textChanged.connect(self._spec_typed)
        self.form = EstimatorForm()
        self.form.changed.connect(self._form_changed)
        self.browse = QPushButton("Browse…")
        self.browse.clicked.connect(self._browse)
        self.open_script = QPushButton("Open Script…")
        self.open_script.setToolTip("Check against a training script (.py) or notebook (.ipynb); it is read, never run")
        self.open_script.clicked.connect(self._open_script)
        self.log_edit = QPlainTextEdit()
        self.log_edit.setPlaceholderText("Paste TensorFlow's error message here (or drop a log file on the window)")
        self.log_edit.setMaximumHeight(110)
        self.run_button = QPushButton("Check")
        self.run_button.clicked.connect(self.run)
        self.summary = ProseLabel("Open a model_dir; its checkpoints are checked against their own graphs.")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.summary_area = ProseArea(self.summary, 6.5)  # the findings below get the room (issue 31)
        self.build = BuildBar()
        self.build.build_requested.connect(self.run_build)
        self.report_tree = CheckReport()
        self.report_tree.variable_requested.connect(self.variable_requested)
        self.rows = RowsModel(RESULT_COLUMNS, self)
        self.rows.bad_column = 2  # the finding itself is red
        self.table = QTableView()
        copying.install(self.table)  # copy a finding, or all of its row
        self.table.setModel(self.rows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.setWordWrap(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.doubleClicked.connect(self._double_clicked)
        self.advice = QPlainTextEdit()
        self.advice.setReadOnly(True)
        self.advice.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)  # it holds code to copy
        self.advice.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.advice.setMaximumHeight(int(self.fontMetrics().lineSpacing() * 7.5))
        copy_advice = QPushButton("Copy advice")
        copy_advice.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.advice.toPlainText()))
        copy_report = QPushButton("Copy report")
        copy_report.setToolTip("Copy the report as Markdown")
        copy_report.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.report()))
        save_report = QPushButton("Save report…")
        save_report.clicked.connect(self._save)

        row = QHBoxLayout()
        row.addWidget(QLabel("Check against:"))
        row.addWidget(self.mode, 1)
        row.addWidget(self.run_button)
        row2 = QHBoxLayout()
        row2.addWidget(self.spec, 1)
        row2.addWidget(self.browse)
        row2.addWidget(self.open_script)
        buttons = QHBoxLayout()
        for b in (copy_advice, copy_report, save_report):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addLayout(row2)
        layout.addWidget(self.form)
        layout.addWidget(self.log_edit)
        layout.addWidget(self.build)
        layout.addWidget(self.summary_area)
        layout.addWidget(self.report_tree, 1)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.advice)
        layout.addLayout(buttons)
        self.mode.currentTextChanged.connect(self._mode_changed)
        self._mode_changed(OWN)

    def _mode_changed(self, mode: str) -> None:
        self.spec.setVisible(mode in (CONFIG, PATH))
        self.form.setVisible(mode == CONFIG)
        if mode == CONFIG and not self.spec.text().strip():
            self.spec.setText(self.form.spec())
        self.browse.setVisible(mode == PATH)
        self.open_script.setVisible(mode == CONFIG)
        self.log_edit.setVisible(mode == LOG)
        self.table.setVisible(mode == LOG)  # the log's explanations; checks are the grouped report
        self.report_tree.setVisible(mode != LOG)
        self._show_build()
        self.spec.setPlaceholderText(
            "Paste your training script (or just the Estimator call), or Open Script…" if mode == CONFIG
            else "path of a checkpoint, model_dir or .meta file"
        )  # fmt: skip

    def _spec_typed(self) -> None:
        """The form follows a typed call; a call it cannot show (a pasted script, instances) greys
        it out, the text being what is checked."""
        if self.mode.currentText() == CONFIG and self.spec.text() != self.form.spec():
            shown = self.form.set_spec(self.spec.text())
            self.form.setEnabled(shown or not self.spec.text().strip())
            self.form.setToolTip(
                "" if shown else "The call above says more than this form can show; it is what gets checked."
            )
            text = self.spec.text().strip()
            # a script file: the form has nothing to show, and the report needs the room
            self.form.setVisible("\n" not in text and not text.endswith((".py", ".ipynb")))
        self._show_build()

    def script_file(self) -> str | None:
        """The training script file the tab is against, if it is one (build mode runs only a file)."""
        text = self.spec.text().strip()
        if self.mode.currentText() == CONFIG and "\n" not in text and text.endswith((".py", ".ipynb")):
            return text
        return None

    def _show_build(self) -> None:
        self.build.setVisible(self.script_file() is not None)

    def run_build(self, python: str) -> None:
        """Build with TensorFlow: the script run up to its first train or save, in a child process,
        off the UI thread, cancellable (BuildBar's Cancel)."""
        from ckpt_browser.core.checks.build_check import build_and_check

        script = self.script_file()
        if self.model_dir is None or script is None:
            return
        cancel = self.build.started()
        self.summary.setText(f"Building: running {Path(script).name} with {python or 'this Python'} up to its first "
                             "train or save …")  # fmt: skip

        def done(results: list[CheckResult]) -> None:
            self.build.finished()
            self._show(results)

        def failed(message: str) -> None:
            self.build.finished()
            self._error(message, built=True)

        self.runner.submit(
            build_and_check, self.model_dir, script, python or None, cancel,
            key="build", on_done=done, on_error=failed, tf=False, label=f"Building {Path(script).name}",
        )  # fmt: skip

    def _form_changed(self, spec: str) -> None:
        if self.mode.currentText() == CONFIG:
            self.spec.setText(spec)  # the text stays editable for what the form cannot say

    def _double_clicked(self, index) -> None:
        row: ReportRow | None = self.rows.data(index, ROW_ROLE)
        if row is not None and row.variable:
            self.variable_requested.emit(row.variable)

    def set_context(self, model_dir: ModelDir | None, prefix: Path | None) -> None:
        """model_dir: a snapshot (the window's copy changes under live refresh)."""
        old = self.model_dir
        changed = model_dir is None or old is None or (old.path, old.names()) != (model_dir.path, model_dir.names())
        self.model_dir, self.prefix = model_dir, prefix
        if changed and model_dir is not None and self.mode.currentText() == OWN:
            self.run()

    def set_mode(self, mode: str, text: str = "") -> None:
        self.mode.setCurrentText(mode)
        if mode == LOG:
            self.log_edit.setPlainText(text)
        else:
            if mode == CONFIG:
                self.form.set_spec(text)
            self.spec.setText(text)

    def run(self) -> None:
        if self.model_dir is None:
            return
        mode = self.mode.currentText()
        if mode == LOG:
            if self.prefix is None:
                self.summary.setText("Select the checkpoint the log is about.")
                return
            self.runner.submit(
                explain_log, self.prefix, self.log_edit.toPlainText(),
                key="check", on_done=self._show_log, on_error=self._error, label="Reading the log",
            )  # fmt: skip
            return
        if mode != OWN and not self.spec.text().strip():
            self.summary.setText("Enter what to check against.")
            return
        self.summary.setText("Checking …")
        self.runner.submit(
            run_check, self.model_dir, mode, self.spec.text(),
            key="check", on_done=self._show, on_error=self._error, label="Checking",
        )  # fmt: skip

    def _error(self, message: str, built: bool = False) -> None:
        hint = ""
        if not built and self.script_file() is not None:  # what reading cannot tell, building can
            hint = f"<br><span style='color:{colours().muted}'>{BUILD_HINT}</span>"
        self.summary.setText(f"<span style='color:{colours().bad}'>{esc(message)}</span>{hint}")

    def _show(self, results: list[CheckResult]) -> None:
        self.results = results
        self.summary.setText(summary(results))
        self._set_rows(result_rows(results), RESULT_COLUMNS, wrap_column=None)
        self.report_tree.show_results(results)
        bad = [r for r in results if r.findings]
        self.advice.setPlainText(advice(bad[-1], self.model_dir.path) if bad else "")
        self.advice.setVisible(bool(bad))  # no advice: the findings get its room
        self.checked.emit(results)

    def _show_log(self, findings: list[LogFinding]) -> None:
        self.results = []
        self.summary.setText(f"The log names {len(findings)} problem(s); double-click a row to select the variable.")
        self._set_rows(log_rows(findings), LOG_COLUMNS, wrap_column=2)  # the explanation: a sentence or two
        self.advice.setPlainText("\n".join(f.text for f in findings))
        self.advice.setVisible(True)
        self.log_explained.emit(findings)

    def _set_rows(self, rows: list[ReportRow], headers, wrap_column: int | None) -> None:
        self.rows.set_rows(
            [r.cells for r in rows], headers, tips=[r.full for r in rows], bad=[r.bad for r in rows], objects=rows
        )
        header = self.table.horizontalHeader()
        for c in range(len(headers)):  # the wrapped column takes the room left; the others fit their contents
            stretch = c == (wrap_column if wrap_column is not None else 1)
            mode = QHeaderView.ResizeMode.Stretch if stretch else QHeaderView.ResizeMode.ResizeToContents
            header.setSectionResizeMode(c, mode)
        self.table.setWordWrap(wrap_column is not None)
        if wrap_column is not None:
            self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        else:
            self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)

    def report(self) -> str:
        if self.model_dir is None:
            return ""
        return markdown_report(self.results, self.model_dir.path)

    def _browse(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Model_dir to compare with")
        if path:
            self.spec.setText(path)

    def _open_script(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Training script to check against", "", "Training scripts (*.py *.ipynb);;All files (*)"
        )
        if path:
            self.check_script(path)

    def check_script(self, path: str) -> None:
        """Against a training script on disk (the modules of its folder that it imports are read too)."""
        self.mode.setCurrentText(CONFIG)
        self.spec.setText(path)
        self.run()

    def _save(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save report", "check-report.md", "Markdown (*.md);;Text (*.txt)")
        if path:
            text = self.report()
            self.runner.submit(Path(path).write_text, text, tf=False, label="Saving report",
                               on_error=self._error)  # fmt: skip
