"""A folder of runs: the model_dirs below it, as TensorBoard finds runs under --logdir."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.model_dir.contents import open_source
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


ORBAX = Path(__file__).resolve().parents[1] / "data" / "orbax"


@pytest.fixture
def mixed_runs(tmp_path, iris_dir):
    """An Orbax run (keras.callbacks.OrbaxCheckpoint's step folders, tests/data/orbax) beside a TF one,
    and a sweep whose numbered folders are TF runs, not Orbax steps."""
    root = tmp_path / "runs"
    shutil.copytree(ORBAX / "keras_fit", root / "orbax_fit")
    shutil.copytree(ORBAX / "manager", root / "jax" / "manager")
    shutil.copytree(iris_dir, root / "tf_iris")
    for seed in (1, 2):
        shutil.copytree(iris_dir, root / "sweep" / str(seed))
    return root


def test_orbax_roots_are_runs_beside_tf_ones(mixed_runs):
    found = runs_below(mixed_runs)
    assert found.names() == ["jax/manager", "orbax_fit", "sweep/1", "sweep/2", "tf_iris"]
    for name in ("orbax_fit", "jax/manager"):
        source = open_source(found.runs[name])
        steps = [c.step for c in source.model_dir.checkpoints]
        on_disk = sorted(int(p.name) for p in found.runs[name].local.iterdir() if p.name.isdigit())
        assert steps == on_disk and steps


def test_the_orbax_marker_looks_into_a_few_numbered_folders(tmp_path, monkeypatch):
    from ckpt_browser.core import storage
    from ckpt_browser.core.formats import registry

    for n in range(50):  # numbered folders that are no Orbax steps, each with sub-folders
        for sub in "abcdef":
            (tmp_path / str(n) / sub).mkdir(parents=True)
    listed = []
    real = storage.list_dir
    monkeypatch.setattr(storage, "list_dir", lambda f: listed.append(f) or real(f))
    folder = storage.locate(tmp_path)
    entries = real(folder)
    assert not registry.holds_checkpoints(entries, lambda st: False, folder)
    assert 0 < len(listed) <= 4 * (1 + 4)  # PEEK numbered folders, PEEK sub-folders of each
