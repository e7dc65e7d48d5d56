"""The one place that imports TensorFlow: lazily, once, thread-safe and quietly.

Only restore, run, the Fit view, the demo writer and SavedModel signatures need it; browsing
(listing, values, events, checks) reads the files natively and must work where TensorFlow is
missing or broken. A failed import becomes TensorFlowMissing, one line a user can act on.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
import tempfile
import threading
from collections.abc import Iterator
from types import ModuleType

from ckpt_browser.core.base.errors import CheckpointError

log = logging.getLogger(__name__)

_lock = threading.Lock()
_tf: ModuleType | None = None
_failure: str | None = None


class TensorFlowMissing(CheckpointError):
    """TensorFlow cannot be imported here; what needs it says so in one line."""


# What TensorFlow's import prints on file descriptor 2 (absl, CUDA stubs, CPU features, oneDNN).
_NOISE = re.compile(
    r"^([IWEF]\d{4} \d\d:\d\d:\d\d|WARNING: All log messages before absl::InitializeLog|"
    r"To enable the following instructions|.*(cpu_feature_guard|cudart_stub|oneDNN custom operations|"
    r"Unable to register cu(DNN|FFT|BLAS) factory|computation_placer|TF-TRT Warning))"
)


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Hold back what is written to file descriptor 2 while TensorFlow loads, then pass on all
    of it but TensorFlow's own lines.

    TF 2.21 prints absl and CUDA-stub lines at import even with TF_CPP_MIN_LOG_LEVEL=3; the CLI
    promises one line on stderr per error, so the import must not add any. Anything else written
    meanwhile (another thread's message, a warning) comes out afterwards, not lost.
    Set CKPT_BROWSER_TF_VERBOSE=1 to see everything as it is printed.
    """
    if os.environ.get("CKPT_BROWSER_TF_VERBOSE"):
        yield
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real fd 2 (e.g. a windowed PyInstaller build)
        yield
        return
    held = tempfile.TemporaryFile()
    done = [0]  # bytes of `held` already passed on
    try:
        os.dup2(held.fileno(), 2)
        yield
    finally:
        with contextlib.suppress(OSError, ValueError):
            sys.stderr.flush()
        # What was held goes out before fd 2 is given back, so it comes before anything written
        # after; what lands in the instant between the two is passed on right after.
        if hasattr(os, "pread"):
            _pass_on(held, done, saved)
        os.dup2(saved, 2)
        os.close(saved)
        _pass_on(held, done, 2)
        held.close()


def _pass_on(held, done: list[int], fd: int) -> None:
    """Write the held lines not passed on yet to fd, less TensorFlow's own. Reads by position
    (pread): fd 2 shares the file's offset while it still points there."""
    size = os.fstat(held.fileno()).st_size
    if size <= done[0]:
        return
    if hasattr(os, "pread"):
        data = os.pread(held.fileno(), size - done[0], done[0])
    else:  # Windows: fd 2 is given back before this is called, so seeking is safe
        held.seek(done[0])
        data = held.read(size - done[0])
    done[0] += len(data)
    kept = [line for line in data.splitlines(keepends=True) if not _NOISE.match(line.decode(errors="replace"))]
    if kept:
        os.write(fd, b"".join(kept))


def tf() -> ModuleType:
    """Return the tensorflow module, importing it on first use (3-5 s).

    Raises TensorFlowMissing when it cannot be imported (not installed, a broken wheel, blocked).
    """
    global _tf, _failure
    if _tf is not None:
        return _tf
    with _lock:
        if _tf is None:
            if _failure is not None:
                raise TensorFlowMissing(_failure)
            os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
            try:
                with _quiet_stderr():
                    import tensorflow
            except Exception as exc:  # noqa: BLE001 - ImportError, or whatever a broken wheel raises
                _failure = _why_missing(exc)
                raise TensorFlowMissing(_failure) from exc
            tensorflow.get_logger().setLevel(logging.ERROR)
            log.debug("imported tensorflow %s", tensorflow.__version__)
            _tf = tensorflow
    return _tf


# What the installed package says; the desktop build's light edition has no pip to run.
ADD_TF = "pip install 'ckpt-browser[tf]' adds it (or install ckpt-browser where your TensorFlow 2.x is)"
LITE_BUILD = (
    "this light build of ckpt-browser has no TensorFlow; the full build (make package) restores a "
    "checkpoint into its graph, runs it, fits it, runs SavedModel signatures and writes the demo"
)


def _why_missing(exc: BaseException) -> str:
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


def is_loaded() -> bool:
    """Whether TensorFlow has been imported already (nothing is imported by asking)."""
    return _tf is not None
