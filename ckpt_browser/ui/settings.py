"""Persistent settings (window geometry, recent files) in the user's config folder."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs
from PySide6.QtCore import QSettings

from ckpt_browser.core.base.errors import redact

MAX_RECENT = 10


def settings_path() -> Path:
    override = os.environ.get("CKPT_BROWSER_CONFIG_DIR")
    base = Path(override) if override else platformdirs.user_config_path("ckpt-browser")
    return base / "settings.ini"


class Settings:
    """The few things the app remembers between runs."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or settings_path()
        self._qs = QSettings(str(self.path), QSettings.Format.IniFormat)

    def recent_files(self) -> list[str]:
        value = self._qs.value("recent", [])
        if isinstance(value, str):  # QSettings gives a str for a one-item list
            value = [value]
        return [str(v) for v in value or []]

    def add_recent(self, path: str) -> list[str]:
        path = redact(path)  # a password in a URL is not written to a settings file (nor shown in the menu)
        items = [p for p in self.recent_files() if p != path]
        items.insert(0, path)
        del items[MAX_RECENT:]
        self._qs.setValue("recent", items)
        self._qs.sync()
        return items

    def clear_recent(self) -> None:
        self._qs.setValue("recent", [])
        self._qs.sync()

    def value(self, key: str, default=None):
        return self._qs.value(key, default)

    def set_value(self, key: str, value) -> None:
        self._qs.setValue(key, value)

    def sync(self) -> None:
        self._qs.sync()
