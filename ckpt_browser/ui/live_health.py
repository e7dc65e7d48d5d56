"""Live runs: each new checkpoint a training job writes is checked for NaN and Inf, off the UI
thread; one that has them raises a banner above the checkpoint list and a desktop notification."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel, QSystemTrayIcon

from ckpt_browser.core.values.health import HealthReport, health
from ckpt_browser.ui.text import esc

log = logging.getLogger(__name__)
BANNER_STYLE = "QLabel { background: #b00020; color: white; padding: 6px; font-weight: bold; }"


class LiveHealth(QObject):
    """Follows the window's live refreshes: the app state says which checkpoints are new
    (core/state/results.py: take_new) and keeps what the check found (set_alarm); this renders it."""

    alarmed = Signal(str)  # the banner's text

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.results = window.state.results
        self.notification: tuple[str, str] | None = None  # the last desktop notification asked for
        self._tray: QSystemTrayIcon | None = None
        self.banner = QLabel()
        self.banner.setObjectName("health_banner")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(BANNER_STYLE)
        self.banner.linkActivated.connect(lambda _: window.show_tab("health"))
        self.banner.hide()
        window.sources_dock.widget().layout().insertWidget(0, self.banner)
        window.source_refreshed.connect(self._refreshed)
        self.results.events.alarm.connect(lambda event: self._alarm(*event.value[1:]))

    def _refreshed(self, snap) -> None:
        md = snap.model_dir
        for info in self.results.take_new(md):
            self.window.runner.submit(
                health, [info], False, None, 1, str(md.path), False,
                key=f"live-health:{md.path}:{info.name}", tf=False,
                on_done=lambda report, p=md.path: self._checked(p, report),
                on_error=lambda msg: log.info("live health check failed: %s", msg),
            )  # fmt: skip

    def _checked(self, path, report: HealthReport) -> None:
        c = report.checkpoints[0]
        bad = [v for v in c.variables if v.nan or v.inf]
        if not bad:
            return
        what = ", ".join(
            f"{v.display_name or v.name} ({v.nan + v.inf:,} {'NaN' if v.nan else 'Inf'})" for v in bad[:3]
        ) + (f" and {len(bad) - 3} more" if len(bad) > 3 else "")
        kinds = " and ".join(k for k, n in (("NaN", sum(v.nan for v in bad)), ("Inf", sum(v.inf for v in bad))) if n)
        self.results.set_alarm(path, kinds, f"{kinds} in {Path(str(path)).name}/{c.name}: {what}")

    def _alarm(self, kinds: str, text: str) -> None:
        self.banner.setText(f"{esc(text)} — <a href='health' style='color: white'>open Health</a>")
        self.banner.show()
        self._notify(f"Training went wrong: {kinds}", text)
        self.alarmed.emit(text)

    def _notify(self, title: str, text: str) -> None:
        self.notification = (title, text)
        if not QSystemTrayIcon.isSystemTrayAvailable():
            return  # no tray here (a headless session): the banner says it
        if self._tray is None:
            self._tray = QSystemTrayIcon(self.window.windowIcon(), self)
            self._tray.show()
        self._tray.showMessage(title, text, QSystemTrayIcon.MessageIcon.Warning, 15000)
