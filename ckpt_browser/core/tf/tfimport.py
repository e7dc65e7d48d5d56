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

# Whether TensorFlow is here, and the line saying how to add it, are known without importing it:
# readers below this package ask (core/base/tf_presence.py); kept importable from here.
from ckpt_browser.core.base.tf_presence import (  # noqa: F401
    ADD_TF,
    LITE_BUILD,
    TensorFlowMissing,
    findable,
    not_installed,
    why_missing,
)

log = logging.getLogger(__name__)

_lock = threading.Lock()
_tf: ModuleType | None = None
_failure: str | None = None


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
                _failure = why_missing(exc)
                raise TensorFlowMissing(_failure) from exc
            tensorflow.get_logger().setLevel(logging.ERROR)
            log.debug("imported tensorflow %s", tensorflow.__version__)
            _tf = tensorflow
    return _tf


def is_loaded() -> bool:
    """Whether TensorFlow has been imported already (nothing is imported by asking)."""
    return _tf is not None
