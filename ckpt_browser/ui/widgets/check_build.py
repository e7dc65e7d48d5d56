"""The Check tab's build mode: a button that runs the training script with a chosen Python up to its
first train or save (core/checks/build*.py), the interpreter chooser (remembered), and Cancel."""

from __future__ import annotations

import threading

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.checks.build import DEFAULT_TIMEOUT, default_python

SETTING = "build/python"  # the interpreter last chosen
RECENT = "build/pythons"  # those chosen before
BUTTON = "Build with TensorFlow"
EXPLAIN = (
    "Runs the script with this Python up to its first train or save, then stops it before training: "
    "the variables are those TensorFlow writes there. Nothing is written where the script points "
    f"(a temporary folder, removed); stopped after {DEFAULT_TIMEOUT:g} s."
)


def _settings():
    from ckpt_browser.ui.settings import Settings  # deferred: start-up: loads platformdirs (+8 modules)

    return Settings()


class BuildBar(QWidget):
    """Shown when the Check tab is against a script file. build_requested(python) asks the view to run."""

    build_requested = Signal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.cancel_event: threading.Event | None = None
        self.button = QPushButton(BUTTON)
        self.button.setToolTip(EXPLAIN)
        self.button.clicked.connect(self._clicked)
        self.python = QComboBox()
        self.python.setEditable(True)
        self.python.setMinimumContentsLength(24)
        self.python.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.python.setToolTip("The Python of your training environment (Estimators need TensorFlow <= 2.15)")
        self.python.lineEdit().setPlaceholderText("the Python to run the script with")
        self.choose = QPushButton("Choose…")
        self.choose.clicked.connect(self._choose)
        self.cancel = QPushButton("Cancel")
        self.cancel.setVisible(False)
        self.cancel.clicked.connect(self.stop)
        self.note = QLabel("Runs the script with Python and stops it before training.")
        self.note.setWordWrap(True)
        self.note.setToolTip(EXPLAIN)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.button)
        row.addWidget(QLabel("with"))
        row.addWidget(self.python, 1)
        row.addWidget(self.choose)
        row.addWidget(self.cancel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.note)
        self._load()

    def _load(self) -> None:
        settings = _settings()
        recent = settings.value(RECENT, [])
        recent = [recent] if isinstance(recent, str) else [str(p) for p in recent or []]
        try:
            default = default_python()
        except CheckpointError:
            default = ""
            self.python.lineEdit().setPlaceholderText("this app's Python has no TensorFlow: choose your training one")
        for p in dict.fromkeys([*recent, default]):
            if p:
                self.python.addItem(p)
        chosen = str(settings.value(SETTING, "") or default)
        self.python.setCurrentText(chosen)

    def remember(self, python: str) -> None:
        settings = _settings()
        items = [python] + [
            self.python.itemText(i) for i in range(self.python.count()) if self.python.itemText(i) != python
        ]
        settings.set_value(SETTING, python)
        settings.set_value(RECENT, items[:8])
        settings.sync()
        if self.python.findText(python) < 0:
            self.python.insertItem(0, python)

    def _choose(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Python of your training environment", "", "Python (python*);;All files (*)"
        )
        if path:
            self.python.setCurrentText(path)

    def _clicked(self) -> None:
        python = self.python.currentText().strip()
        if python:
            self.remember(python)
        self.build_requested.emit(python)

    def started(self) -> threading.Event:
        self.cancel_event = threading.Event()
        self.button.setEnabled(False)
        self.cancel.setVisible(True)
        return self.cancel_event

    def finished(self) -> None:
        self.button.setEnabled(True)
        self.cancel.setVisible(False)

    def stop(self) -> None:
        if self.cancel_event is not None:
            self.cancel_event.set()
