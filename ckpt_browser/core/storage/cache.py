"""The app's cache folder: the bundled examples' copies and files fetched from buckets."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs


def cache_dir() -> Path:
    override = os.environ.get("CKPT_BROWSER_CACHE_DIR")
    return Path(override) if override else platformdirs.user_cache_path("ckpt-browser")
