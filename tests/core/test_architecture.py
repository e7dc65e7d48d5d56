"""House rules: core never imports Qt; nothing imports TensorFlow at import time."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import ckpt_browser.core


def test_core_imports_without_qt_and_without_tensorflow():
    modules = [m.name for m in pkgutil.iter_modules(ckpt_browser.core.__path__, "ckpt_browser.core.")]
    code = (
        "import sys\n"
        "for blocked in ('PySide6', 'pyqtgraph', 'shiboken6', 'superqt'):\n"
        "    sys.modules[blocked] = None  # any import of them now fails\n"
        f"for m in {modules!r}:\n"
        "    __import__(m)\n"
        "print('tensorflow' in sys.modules)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
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
