"""The one place that imports TensorFlow: lazily, once, thread-safe and quietly."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
from collections.abc import Iterator
from types import ModuleType, SimpleNamespace

log = logging.getLogger(__name__)

_lock = threading.Lock()
_tf: ModuleType | None = None


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Silence what TensorFlow's C++ side prints on file descriptor 2 while it loads.

    TF 2.21 prints absl and CUDA-stub lines at import even with TF_CPP_MIN_LOG_LEVEL=3;
    the CLI promises one line on stderr per error, so the import must not add any.
    Set CKPT_BROWSER_TF_VERBOSE=1 to see them.
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
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def tf() -> ModuleType:
    """Return the tensorflow module, importing it on first use (3-5 s)."""
    global _tf
    if _tf is not None:
        return _tf
    with _lock:
        if _tf is None:
            os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
            with _quiet_stderr():
                import tensorflow

            tensorflow.get_logger().setLevel(logging.ERROR)
            log.debug("imported tensorflow %s", tensorflow.__version__)
            _tf = tensorflow
    return _tf


def is_loaded() -> bool:
    """Whether TensorFlow has been imported already (nothing is imported by asking)."""
    return _tf is not None


def checkpoint_state_class() -> type:
    """TensorFlow's ``CheckpointState`` proto class, the format of a ``checkpoint`` file."""
    tf()
    from tensorflow.python.training.checkpoint_state_pb2 import CheckpointState

    return CheckpointState


def protos() -> SimpleNamespace:
    """TensorFlow's proto classes we parse files with: Event, MetaGraphDef, GraphDef, SavedModel."""
    tf()
    from tensorflow.core.framework import graph_pb2
    from tensorflow.core.protobuf import meta_graph_pb2, saved_model_pb2
    from tensorflow.core.util import event_pb2

    return SimpleNamespace(
        Event=event_pb2.Event,
        SessionLog=event_pb2.SessionLog,
        MetaGraphDef=meta_graph_pb2.MetaGraphDef,
        GraphDef=graph_pb2.GraphDef,
        SavedModel=saved_model_pb2.SavedModel,
    )
