"""The app's cache folder: the bundled examples' copies and files fetched from buckets."""

from __future__ import annotations

import os
import time
from pathlib import Path

import platformdirs


def cache_dir() -> Path:
    override = os.environ.get("CKPT_BROWSER_CACHE_DIR")
    return Path(override) if override else platformdirs.user_cache_path("ckpt-browser")


def error_log_path() -> Path:
    """Where unexpected errors' tracebacks go (the error dialog and the CLI's one line point here)."""
    return cache_dir() / "errors.log"


def write_error_log(details: str) -> Path | None:
    """Append an unexpected error's traceback to the error log; its path, or None if unwritable."""

    path = error_log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as f:
            f.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')}\n{details}\n")
    except OSError:
        return None
    return path
