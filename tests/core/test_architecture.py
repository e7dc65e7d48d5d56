"""House rules: core never imports Qt; nothing imports TensorFlow at import time."""

from __future__ import annotations

import re
from pathlib import Path

import ckpt_browser.core
from tests.blocked import run_without

CORE = Path(ckpt_browser.core.__file__).parent


def test_core_imports_without_qt_and_without_tensorflow():
    """Every core module, packages and all (walk_packages imports each package to walk into it),
    imported where Qt cannot be: none needs Qt, none imports TensorFlow at import time."""
    body = (
        "import importlib, pkgutil\n"
        "import ckpt_browser.core as core\n"
        "def fail(name):\n    raise ImportError(name)\n"
        "names = [m.name for m in pkgutil.walk_packages(core.__path__, 'ckpt_browser.core.', onerror=fail)]\n"
        "for m in names:\n    importlib.import_module(m)\n"
        "print(core.__file__, len(names) + 1, 'tensorflow' in sys.modules)\n"
    )
    r = run_without(("PySide6", "pyqtgraph", "shiboken6", "superqt"), body)
    assert r.returncode == 0, r.stderr
    on_disk = [p for p in CORE.rglob("*.py") if "__pycache__" not in p.parts]
    assert r.stdout.split() == [ckpt_browser.core.__file__, str(len(on_disk)), "False"]


def test_only_tfimport_imports_tensorflow():
    root = CORE.parent
    pattern = re.compile(r"^\s*(import|from)\s+tensorflow\b", re.MULTILINE)
    offenders = [
        str(p.relative_to(root))
        for p in root.rglob("*.py")
        if p.name != "tfimport.py" and pattern.search(p.read_text())
    ]
    assert offenders == []
