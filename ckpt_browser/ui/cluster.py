"""Tools > Run on a Dask cluster…: the window's verify, diff, health and History statistics on a
Dask cluster's workers instead of this computer's cores (the `[dask]` extra).

The window keeps one distributed.Client while a cluster is in use (made and closed off the UI
thread: importing distributed and reaching a scheduler take seconds). Widgets submit their core
function through ``placed(runner, fn)``: on a cluster it runs with a DaskEngine on that client,
still in the runner's worker thread, and the task's progress then counts the cluster's tasks as
they finish there."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ckpt_browser.core.values.dask_engine import DaskEngine, connect
from ckpt_browser.ui.palette import colours
from ckpt_browser.ui.tasks import TaskRunner
from ckpt_browser.ui.text import esc

SETTING = "dask_scheduler"
EXAMPLE = "tcp://127.0.0.1:8786"


def _connect(address: str) -> tuple[Any, int]:
    """(a Client of the scheduler, its workers, each able to run our tasks): in a runner's
    thread, never the UI's."""

    client = connect(address)
    try:
        return client, DaskEngine(address, client=client).check()
    except BaseException:
        client.close()
        raise


def _close(client: Any) -> None:
    client.close()


class Cluster(QObject):
    """Which Dask cluster the window uses: None (this computer) or a scheduler's address."""

    changed = Signal(str)  # what the status bar says: "" when the work runs here
    failed = Signal(str)  # one line: the scheduler could not be reached

    def __init__(self, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.address: str | None = None
        self.client: Any = None
        runner.cluster = self  # type: ignore[attr-defined] - placed() finds it there

    def use(self, address: str) -> None:
        """Connect off the UI thread; changed or failed says how it went."""
        self.runner.submit(
            _connect, address, key="dask-connect", tf=False, label=f"Connecting to {address}",
            on_done=lambda got: self._connected(address, *got), on_error=self.failed.emit,
        )  # fmt: skip

    def _connected(self, address: str, client: Any, workers: int) -> None:
        self.use_here()  # a previous cluster's client is closed
        self.address, self.client = address, client
        self.changed.emit(f"Dask: {address} ({workers} worker{'s' if workers != 1 else ''})")

    def use_here(self) -> None:
        """Back to this computer's cores."""
        if self.client is not None:
            self.runner.submit(_close, self.client, tf=False)
        self.address = self.client = None
        self.changed.emit("")


class _OnCluster:
    """fn(*args, progress, engine=a DaskEngine): the engine made in the task's thread, its count
    of finished cluster tasks given to the task's progress (the core's own count left out: two
    counts in one bar would make it jump)."""

    def __init__(self, fn: Callable[..., Any], client: Any, address: str) -> None:
        self.fn, self.client, self.address = fn, client, address
        self.__name__ = getattr(fn, "__name__", "task")

    def __call__(self, *args: Any) -> Any:
        *rest, progress = args
        engine = DaskEngine(self.address, client=self.client, progress=progress)
        return self.fn(*rest, lambda *_: None, engine=engine)


def placed(runner: TaskRunner, fn: Callable[..., Any]) -> Callable[..., Any]:
    """fn as the window runs it now: on the Dask cluster in use, else here. fn takes the task's
    progress as its last positional argument (submit with a progress) and an engine= keyword."""
    cluster = getattr(runner, "cluster", None)
    if cluster is None or cluster.client is None:
        return fn
    return _OnCluster(fn, cluster.client, cluster.address)


class ClusterDialog(QDialog):
    """The scheduler's address (remembered), Connect, or back to this computer."""

    def __init__(self, cluster: Cluster, settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Run on a Dask cluster — ckpt-browser")
        self.setObjectName("dask_dialog")
        self.cluster, self.settings = cluster, settings
        intro = QLabel(
            "Verify, Compare, Health and History read and compute on the workers of a Dask cluster "
            "instead of this computer's cores. Each worker reads the checkpoint itself (a bucket "
            "with its own credentials), so put the cluster next to the data."
        )
        intro.setWordWrap(True)
        self.address = QLineEdit(str(settings.value(SETTING, "") or cluster.address or ""))
        self.address.setPlaceholderText(EXAMPLE)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self._show_state()
        buttons = QDialogButtonBox()
        self.connect_button = buttons.addButton("Connect", QDialogButtonBox.ButtonRole.AcceptRole)
        self.here_button = QPushButton("Use This Computer")
        buttons.addButton(self.here_button, QDialogButtonBox.ButtonRole.ResetRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.connect_button.clicked.connect(self._connect)
        self.here_button.clicked.connect(self._here)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(QLabel("Scheduler address:"))
        layout.addWidget(self.address)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.resize(520, self.sizeHint().height())
        cluster.changed.connect(self._changed)
        cluster.failed.connect(self._failed)

    def _show_state(self) -> None:
        if self.cluster.address:
            self.status.setText(f"In use: <b>{esc(self.cluster.address)}</b>")
        else:
            self.status.setText("In use: this computer's cores.")
        self.status.setStyleSheet("")

    def _connect(self) -> None:
        address = self.address.text().strip()
        if not address:
            self._failed(f"Give the scheduler's address, e.g. {EXAMPLE}")
            return
        if "://" not in address:
            address = "tcp://" + address
            self.address.setText(address)
        self.settings.set_value(SETTING, address)
        self.connect_button.setEnabled(False)
        self.status.setStyleSheet("")
        self.status.setText(f"Connecting to {esc(address)}…")
        self.cluster.use(address)

    def _here(self) -> None:
        self.cluster.use_here()

    def _changed(self, text: str) -> None:
        self.connect_button.setEnabled(True)
        self._show_state()
        if text:  # connected: the status bar says so from now on
            self.close()

    def _failed(self, message: str) -> None:
        self.connect_button.setEnabled(True)
        self.status.setStyleSheet(f"color: {colours().bad}")
        self.status.setText(esc(message))
