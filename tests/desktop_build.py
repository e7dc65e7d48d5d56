"""Making the desktop build in a test: PyInstaller with our spec into a folder the caller removes.

The full build bundles TensorFlow (about 1.5 GB in dist/, the same again in PyInstaller's work
folder), so the work folder goes as soon as the build is made and the caller removes the rest when
its tests are done: CI's disk is shared, and a suite that leaves gigabytes behind on each run fails
later runs in tests that have nothing to do with packaging.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def build_desktop_app(work: Path, env: dict[str, str] | None = None) -> Path:
    """Run PyInstaller with packaging/pyinstaller.spec; return the dist folder."""
    r = subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--distpath", str(work / "dist"),
         "--workpath", str(work / "build"), str(ROOT / "packaging" / "pyinstaller.spec")],
        capture_output=True, text=True, timeout=1800, env=env,
    )  # fmt: skip
    free = shutil.disk_usage(work).free / 2**30
    shutil.rmtree(work / "build", ignore_errors=True)
    if r.returncode != 0:
        raise AssertionError(
            f"PyInstaller exited {r.returncode} ({free:.1f} GiB free where it built):\n{r.stderr[-3000:]}"
        )
    return work / "dist"


def remove_build(work: Path) -> None:
    shutil.rmtree(work, ignore_errors=True)


__all__ = ["build_desktop_app", "remove_build"]
