"""Permission errors, met for real: as root (who reads everything) the CLI runs in a child with the
capabilities that bypass file permissions dropped (setpriv), so a chmod 000 file is unreadable to
it; as another user, directly. One line on stderr, exit 2, or a note; never a traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.conftest import ESTIMATOR

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def world_dir():
    folder = Path(tempfile.mkdtemp(prefix="ckpt-perm-", dir="/tmp"))
    folder.chmod(0o755)
    yield folder
    for p in folder.rglob("*"):  # give back what the test took away, so it can be removed
        p.chmod(0o755 if p.is_dir() else 0o644)
    shutil.rmtree(folder)


def run_as_user(*argv: str) -> subprocess.CompletedProcess:
    prefix = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv (util-linux): permissions cannot be taken away")
        prefix = [setpriv, "--bounding-set=-dac_override,-dac_read_search"]
    return subprocess.run(
        [*prefix, sys.executable, "-m", "ckpt_browser", *argv],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip


def _iris(world_dir: Path) -> Path:
    dest = world_dir / "iris"
    shutil.copytree(ESTIMATOR / "iris", dest)
    for p in [dest, *dest.rglob("*")]:
        p.chmod(0o755 if p.is_dir() else 0o644)
    return dest


def test_unreadable_model_dir(world_dir):
    iris = _iris(world_dir)
    iris.chmod(0o000)
    r = run_as_user("ls", str(iris))
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "Permission denied" in r.stderr or "permission denied" in r.stderr


def test_unreadable_index_is_named_and_the_rest_lists(world_dir):
    iris = _iris(world_dir)
    (iris / "model.ckpt-300.index").chmod(0o000)
    r = run_as_user("ls", str(iris), "--json")
    assert "Traceback" not in r.stderr
    import json

    out = json.loads(r.stdout)
    bad = next(c for c in out["checkpoints"] if c["name"] == "model.ckpt-300")
    assert not bad["files_ok"] and "Permission denied" in bad["problem"]
    # The latest is damaged: ls shows the newest readable one, and says nothing false about it.
    assert out["checkpoint"] == "model.ckpt-300" or out["variables"]


def test_unreadable_data_file_in_show_and_verify(world_dir):
    iris = _iris(world_dir)
    (iris / "model.ckpt-300.data-00000-of-00001").chmod(0o000)
    r = run_as_user("show", str(iris / "model.ckpt-300"), "dnn/logits/kernel")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "Permission denied" in r.stderr, r.stderr
    r = run_as_user("verify", str(iris))
    assert r.returncode in (1, 2) and "Traceback" not in r.stderr and "Permission denied" in r.stdout + r.stderr


def test_unreadable_state_file_is_a_note(world_dir):
    iris = _iris(world_dir)
    (iris / "checkpoint").chmod(0o000)
    r = run_as_user("ls", str(iris))
    assert r.returncode == 0, r.stderr
    assert "cannot read 'checkpoint': Permission denied" in r.stdout
