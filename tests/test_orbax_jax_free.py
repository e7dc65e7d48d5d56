"""Browsing Orbax checkpoints needs no JAX; without tensorstore one line says what to install.
Runs whether or not tensorstore is installed (make test-light's venv too): each command runs in a
fresh interpreter with the modules blocked (an import of them fails, as on a machine without them)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import pytest

from tests.conftest import DATA

ORBAX = DATA / "orbax"
BLOCKED = """
import sys
for name in {blocked!r}:
    sys.modules[name] = None  # `import name` now raises ImportError
from ckpt_browser.cli import main
code = main({argv!r})
print("loaded:", sorted(m for m in ("jax", "jaxlib", "orbax", "tensorflow") if sys.modules.get(m)), file=sys.stderr)
sys.exit(code)
"""


ARGV = ["show", str(ORBAX / "manager" / "2"), "params/codes", "--json"]
JAX = ["jax", "jaxlib", "orbax", "orbax.checkpoint", "tensorflow"]


@pytest.mark.skipif(importlib.util.find_spec("tensorstore") is None, reason="tensorstore is not installed")
def test_browsing_needs_no_jax():
    """JAX, Orbax and TensorFlow blocked: show still works (the tensorstore worker is started the
    same way: our import path, isolated), and none of them was imported. The array was saved sharded
    over eight devices, which Orbax's own restore needs; here there is one, and no JAX."""
    import numpy as np

    argv = ["show", str(ORBAX / "sharded"), "kernel", "--json", "--all"]
    r = subprocess.run([sys.executable, "-c", BLOCKED.format(blocked=JAX, argv=argv)],
                       capture_output=True, text=True, timeout=60)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "loaded: []" in r.stderr
    truth = ORBAX / "truth" / "sharded" / "3" / "default"
    entry = json.loads((truth / "truth.json").read_text())["kernel"]
    doc = json.loads(r.stdout)
    assert (doc["shape"], doc["dtype"]) == (entry["shape"], entry["dtype"])
    np.testing.assert_array_equal(np.asarray(doc["values"], np.float32), np.load(truth / entry["npy"]))


def test_without_tensorstore_one_line_says_what_to_install():
    blocked, argv = JAX, ARGV
    r = subprocess.run([sys.executable, "-c", BLOCKED.format(blocked=[*blocked, "tensorstore"], argv=argv)],
                       capture_output=True, text=True, timeout=60)  # fmt: skip
    lines = [line for line in r.stderr.splitlines() if not line.startswith("loaded:")]
    assert r.returncode == 2 and lines == [
        "ckpt-browser show: reading Orbax checkpoints needs tensorstore: pip install 'ckpt-browser[orbax]'"
    ], r.stderr
