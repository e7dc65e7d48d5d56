"""Whether TensorFlow is installed here, told without importing it, and the one line saying how to
add it. The readers ask before they hand a checkpoint to TensorFlow's worker process; the one
import of TensorFlow itself stays in core/tf/tfimport.py."""

from __future__ import annotations

import sys

from ckpt_browser.core.base.errors import CheckpointError


class TensorFlowMissing(CheckpointError):
    """TensorFlow cannot be imported here; what needs it says so in one line."""


# What the installed package says; the desktop build's light edition has no pip to run.
ADD_TF = "pip install 'ckpt-browser[tf]' adds it (or install ckpt-browser where your TensorFlow 2.x is)"
LITE_BUILD = (
    "this light build of ckpt-browser has no TensorFlow; the full build (make package) restores a "
    "checkpoint into its graph, runs it, fits it, runs SavedModel signatures and writes the demo"
)


def why_missing(exc: BaseException) -> str:
    """One line: TensorFlow is not installed (how to add it), or is there but does not import."""
    if isinstance(exc, ModuleNotFoundError) and exc.name == "tensorflow":
        if getattr(sys, "frozen", False):  # a PyInstaller build without it: the light edition
            return f"needs TensorFlow: {LITE_BUILD}"
        return f"needs TensorFlow, which is not installed here: {ADD_TF}"
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else "the import failed"
    return f"needs TensorFlow, which cannot be imported here ({reason}); reinstall it, or {ADD_TF}"


def findable() -> bool:
    """Whether TensorFlow looks importable here, without importing it (the worker process that
    reads checkpoints with it imports it there)."""
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"] is not None
    import importlib.util

    try:
        return importlib.util.find_spec("tensorflow") is not None
    except (ImportError, ValueError):
        return False


def not_installed() -> str:
    """The line for a TensorFlow that findable() does not find."""
    if getattr(sys, "frozen", False):
        return f"needs TensorFlow: {LITE_BUILD}"
    return f"needs TensorFlow, which is not installed here: {ADD_TF}"
