"""Imports at the top unless deferring one is worth it (tools/check_imports.py, also run by make lint):
every import inside a function of the package is of a heavy or optional library, or says why."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("check_imports", ROOT / "tools" / "check_imports.py")
assert _spec is not None and _spec.loader is not None
check_imports = importlib.util.module_from_spec(_spec)
sys.modules["check_imports"] = check_imports
_spec.loader.exec_module(check_imports)


def test_every_deferred_import_says_why():
    assert check_imports.problems(ROOT / "ckpt_browser") == []


def test_the_checker_finds_what_it_should(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "sub.py").write_text("")
    (pkg / "mod.py").write_text(
        '"""A module."""\n'
        "import json\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    import csv\n"
        "\n"
        "def f():\n"
        "    import os\n"  # 8: no reason
        "    import numpy\n"  # heavy: fine
        "    import json\n"  # 10: at the top already
        "    import csv\n"  # only under TYPE_CHECKING at the top: a run-time import, needs a reason
        "    import re  # deferred: a child process must not load it first\n"
        "    # deferred: an optional feature\n"
        "    from pkg import sub\n"
        "    from . import sub as again\n"  # 15: relative, resolved to pkg.sub, no reason
        "    g = lambda: __import__('x')\n"
        "    from google.protobuf import descriptor_pb2\n"  # heavy by its dotted name
        "    return g\n"
        "\n"
        "class C:\n"
        "    import sqlite3\n"  # a class body is not a function
        "    def m(self):\n"
        "        from pkg import mod  # noqa: F401 -- a comment that gives no reason\n"  # 23
    )
    found = check_imports.problems(pkg)
    lines = sorted((int(p.split(":")[1]), p.split(": ", 1)[1].split()[0]) for p in found)
    assert lines == [(8, "os"), (10, "json"), (11, "csv"), (15, "pkg.sub"), (23, "pkg.mod")]
    assert "at the top already" in next(p for p in found if ":10:" in p)
