"""A folder of runs: the model_dirs below it, as TensorBoard finds runs under --logdir."""

from __future__ import annotations

import shutil

import pytest

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.model_dir.runs import runs_below


@pytest.fixture
def runs(tmp_path, iris_dir):
    root = tmp_path / "runs"
    shutil.copytree(iris_dir, root / "iris")  # its eval/ subfolder belongs to it
    shutil.copytree(iris_dir, root / "sweep" / "lr_0.1" / "seed_1")
    shutil.copytree(iris_dir, root / ".hidden" / "copy")
    (root / "logs" / "empty").mkdir(parents=True)
    return root


def test_model_dirs_at_any_depth(runs):
    found = runs_below(runs)
    assert found.names() == ["iris", "sweep/lr_0.1/seed_1"]
    assert found.runs["iris"] == runs / "iris"
    assert not found.notes


def test_depth_limit_is_said(runs):
    found = runs_below(runs, max_depth=2)
    assert found.names() == ["iris"]
    assert found.notes == ["folders more than 2 levels below runs were not searched"]


def test_a_link_loop_is_listed_once(runs):
    (runs / "sweep" / "lr_0.1" / "back").symlink_to(runs / "sweep")
    assert runs_below(runs).names() == ["iris", "sweep/lr_0.1/seed_1"]


def test_not_a_folder(tmp_path):
    with pytest.raises(CheckpointError):
        runs_below(tmp_path / "nope")
