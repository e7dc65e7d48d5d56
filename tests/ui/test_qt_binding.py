"""The Qt binding itself: a bug here crashes the app however correct our code is."""

from __future__ import annotations

import sys

import pytest
from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    changed = Signal(bool)


@pytest.mark.skipif(
    sys.version_info >= (3, 12), reason="True is immortal from Python 3.12: its count cannot show the leak"
)
def test_bool_signals_do_not_release_true(qtbot):
    """PySide6 6.12.0 drops a reference to True on every bool signal delivered to a Python
    slot (clicked, toggled, triggered ...); CPython then aborts at exit with bool_dealloc."""
    emitter = _Emitter()
    got = []
    emitter.changed.connect(lambda value: got.append(value))
    before = sys.getrefcount(True)
    for _ in range(200):
        emitter.changed.emit(True)
    got.clear()
    assert sys.getrefcount(True) - before > -50
