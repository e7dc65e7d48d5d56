"""The bundled example model_dirs, copied out so the originals are never touched."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

from ckpt_browser import __version__
from ckpt_browser.core.storage.cache import cache_dir

EXAMPLES = ("iris", "quadratic")  # the last opened is selected: the Fit example


def resources_dir() -> Path:
    """resources/: inside the package when installed or frozen, beside it in a source tree."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "resources", here.parent / "resources"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"resources folder not found next to {here}")


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
