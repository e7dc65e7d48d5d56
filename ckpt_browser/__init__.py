"""ckpt-browser: a desktop browser for TensorFlow checkpoints, and a Python API to the same reading.

    import ckpt_browser as cb
    cb.open("runs/iris").latest.read("dnn/logits/bias")

The API (ckpt_browser/api/browse.py, docs/api.md) is imported on first use, so that this package -- and
`ckpt-browser ls` -- stay light to import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

# Versions of the Python API: a change to it is a CHANGELOG entry (docs/api.md).
API_VERSION = "1.0"

__all__ = [
    "API_VERSION",
    "Checkpoint",
    "ModelDir",
    "Variable",
    "__version__",
    "check",
    "diff",
    "map_weights",
    "open",
    "verify",
]

if TYPE_CHECKING:
    from ckpt_browser.api import Checkpoint, ModelDir, Variable, check, diff, map_weights, open, verify


def __getattr__(name: str) -> Any:
    if name in ("open", "diff", "check", "verify", "map_weights", "ModelDir", "Checkpoint", "Variable"):
        import importlib

        return getattr(importlib.import_module("ckpt_browser.api"), name)
    raise AttributeError(f"module 'ckpt_browser' has no attribute {name!r}")
