"""The app never writes into what it browses: every command and every view, restore and event
reading included, leave the folder's names, sizes, times and bytes as they were."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from tests.conftest import ESTIMATOR


def snapshot(folder: Path) -> dict[str, tuple]:
    out = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            p = Path(root) / name
            st = p.lstat()
            digest = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else ""
            out[str(p.relative_to(folder))] = (st.st_size, st.st_mtime_ns, st.st_mode, digest)
    return out


def test_every_command_leaves_the_folders_untouched(browsed):
    from ckpt_browser.cli import main

    iris, quad = browsed
    before = {p: snapshot(p) for p in browsed}
    commands = [
        ["ls", str(iris)], ["ls", str(quad), "--json"], ["show", str(iris), "dnn/logits/kernel"],
        ["diff", str(iris / "model.ckpt-100"), str(iris / "model.ckpt-300")], ["check", str(iris)],
        ["check", str(ESTIMATOR / "iris_resized"), "--against", str(iris)], ["verify", str(iris)],
        ["verify", str(quad), "--json"], ["run", str(quad), "--fetch", "y_est", "--feed", "X=-2:4:5"],
        ["check", str(iris), "--against", "DNNClassifier(hidden_units=[10, 10], n_classes=3, feature_columns=4)"],
    ]  # fmt: skip
    for argv in commands:
        assert main(argv) in (0, 1), argv
    assert {p: snapshot(p) for p in browsed} == before
