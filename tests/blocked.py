"""Run Python code in a fresh interpreter where some packages cannot be imported."""

from __future__ import annotations

import subprocess
import sys


def run_without(modules: tuple[str, ...], body: str, timeout: int = 60) -> subprocess.CompletedProcess:
    """body runs after every module in `modules` is made unimportable (sys.modules[m] = None)."""
    code = f"import sys\nfor _m in {modules!r}:\n    sys.modules[_m] = None\n" + body
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout)
