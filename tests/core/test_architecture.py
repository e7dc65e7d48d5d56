"""House rules: core never imports Qt; nothing imports TensorFlow at import time."""

from __future__ import annotations

import pkgutil

import ckpt_browser.core
from tests.blocked import run_without


def test_core_imports_without_qt_and_without_tensorflow():
    modules = [m.name for m in pkgutil.iter_modules(ckpt_browser.core.__path__, "ckpt_browser.core.")]
    r = run_without(
        ("PySide6", "pyqtgraph", "shiboken6", "superqt"),
        f"for m in {modules!r}:\n    __import__(m)\nprint('tensorflow' in sys.modules)\n",
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "False"


def test_only_tfimport_imports_tensorflow():
    import re
    from pathlib import Path

    root = Path(ckpt_browser.core.__file__).parent.parent
    pattern = re.compile(r"^\s*(import|from)\s+tensorflow\b", re.MULTILINE)
    offenders = [
        str(p.relative_to(root))
        for p in root.rglob("*.py")
        if p.name != "tfimport.py" and pattern.search(p.read_text())
    ]
    assert offenders == []
