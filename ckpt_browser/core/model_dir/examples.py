"""The bundled example model_dirs, copied out so the originals are never touched."""

from __future__ import annotations

import os
import shutil
import stat
import sys
from pathlib import Path

from ckpt_browser import __version__
from ckpt_browser.core.storage.cache import cache_dir

EXAMPLES = ("iris", "quadratic")  # the last opened is selected: the Fit example


def resources_dir() -> Path:
    """resources/: ckpt_browser/resources in a wheel (pyproject's force-include) and in the frozen build
    (packaging/pyinstaller.spec's datas), the repository's resources/ beside the package in a source
    checkout (pip install -e, what make run does). Found from the package folder, not from this module's,
    so moving this module into another sub-package cannot break it (issue 31)."""
    package = Path(__file__).resolve().parents[2]  # ckpt_browser/core/model_dir/examples.py
    candidates = [package / "resources", package.parent / "resources"]
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        candidates.insert(0, Path(frozen) / "ckpt_browser" / "resources")
    for candidate in candidates:
        if (candidate / "examples").is_dir():
            return candidate
    raise FileNotFoundError(f"resources folder not found: looked in {', '.join(str(c) for c in candidates)}")


def example_dirs(target: Path | None = None) -> list[Path]:
    """Copies of the bundled examples in a cache folder (made once per version)."""
    base = (target or cache_dir()) / f"examples-{__version__}"
    out = []
    for name in EXAMPLES:
        dest = base / name
        if not (dest / "checkpoint").exists():
            src = resources_dir() / "examples" / name
            tmp = base / f".{name}.partial"
            shutil.rmtree(tmp, ignore_errors=True)
            shutil.copytree(src, tmp)
            _make_writable(tmp)  # a read-only source would leave an undeletable copy
            shutil.rmtree(dest, ignore_errors=True)
            tmp.rename(dest)
        out.append(dest)
    return out


def _make_writable(folder: Path) -> None:
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            p = Path(root) / name
            p.chmod(p.stat().st_mode | stat.S_IWUSR)
