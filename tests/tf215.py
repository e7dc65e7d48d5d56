"""The Python that writes Estimator checkpoints (TensorFlow 2.15.1 + tensorflow-estimator 2.15):
build mode's tests run Estimator scripts with it. `make test` creates it as .venv-tf215 and exports
CKPT_BROWSER_TF215_PYTHON; a test that needs it is skipped, with the reason, only where it is
absent and CI is not set (in CI an absent one fails the test)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VAR = "CKPT_BROWSER_TF215_PYTHON"


def tf215_python() -> str:
    path = os.environ.get(VAR) or str(ROOT / ".venv-tf215" / "bin" / "python")
    if os.access(path, os.X_OK):
        return path
    why = f"no TensorFlow 2.15 Python at {path} (make .venv-tf215, or set {VAR})"
    if os.environ.get("CI"):
        pytest.fail(why)
    pytest.skip(why)
