"""Listing checkpoints: state file merged with the disk, and every way it can be broken."""

from __future__ import annotations

import shutil

import pytest

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.model_dir.scan import resolve_path, scan_model_dir


def test_iris_lists_the_five_kept_checkpoints(iris_dir):
    md = scan_model_dir(iris_dir)
    assert [c.name for c in md.checkpoints] == [f"model.ckpt-{s}" for s in (100, 150, 200, 250, 300)]
    assert [c.step for c in md.checkpoints] == [100, 150, 200, 250, 300]
    assert md.latest == "model.ckpt-300"
    assert [c.latest for c in md.checkpoints] == [False] * 4 + [True]
    for c in md.checkpoints:
        assert c.in_state and c.on_disk and c.files_ok and c.has_meta
        assert c.shards == 1
        files = [c.prefix.local.with_name(c.name + s) for s in (".index", ".data-00000-of-00001")]
        assert c.bytes == sum(f.stat().st_size for f in files)
        assert c.problem is None
    assert md.notes == [] and md.state_error is None


def test_timestamps_come_from_the_state(written):
    from ckpt_browser.core.tf.tfimport import tf

    # CheckpointManager records save times in the state; a plain Saver does not.
    md = scan_model_dir(written["object"])
    state = tf().train.get_checkpoint_state(str(written["object"]))
    assert len(state.all_model_checkpoint_timestamps) == 1
    assert [c.timestamp for c in md.checkpoints] == list(state.all_model_checkpoint_timestamps)


def test_state_with_another_machines_paths_still_resolves(iris_copy):
    (iris_copy / "checkpoint").write_text(
        'model_checkpoint_path: "/home/alice/runs/iris/model.ckpt-300"\n'
        'all_model_checkpoint_paths: "/home/alice/runs/iris/model.ckpt-250"\n'
        'all_model_checkpoint_paths: "/home/alice/runs/iris/model.ckpt-300"\n'
    )
    md = scan_model_dir(iris_copy)
    assert md.latest == "model.ckpt-300"
    assert md.find("model.ckpt-300").files_ok
    assert md.find("model.ckpt-250").in_state
    assert not md.find("model.ckpt-100").in_state
    assert "not in state" in md.find("model.ckpt-100").flags(md.has_state)
    assert len(md.notes) == 1 and "/home/alice/runs/iris" in md.notes[0]


def test_state_naming_missing_files(iris_copy):
    for f in iris_copy.glob("model.ckpt-100.*"):
        f.unlink()
    md = scan_model_dir(iris_copy)
    gone = md.find("model.ckpt-100")
    assert gone.in_state and not gone.on_disk and not gone.files_ok
    assert "files missing" in gone.flags()
    assert "model.ckpt-100.index is missing" in gone.problem


def test_broken_state_file_falls_back_to_disk(iris_copy):
    (iris_copy / "checkpoint").write_text("this is { not a proto")
    md = scan_model_dir(iris_copy)
    assert "not a valid checkpoint state" in md.state_error
    assert len(md.checkpoints) == 5 and md.latest is None
    assert md.default_checkpoint().name == "model.ckpt-300"
    assert all("not in state" not in c.flags(md.has_state) for c in md.checkpoints)


def test_missing_data_shard_is_named(iris_copy):
    (iris_copy / "model.ckpt-200.data-00000-of-00001").unlink()
    info = scan_model_dir(iris_copy).find("model.ckpt-200")
    assert info.on_disk and not info.files_ok
    assert "no data file" in info.problem


def test_sharded_checkpoint_counts_shards(written, tmp_path):
    folder = tmp_path / "sharded"
    shutil.copytree(written["sharded"], folder)
    (folder / "x").mkdir()  # unrelated entries are ignored
    (folder / "notes.txt").write_text("not a checkpoint")
    md = scan_model_dir(folder)
    (info,) = md.checkpoints
    assert info.shards == 2 and info.files_ok and not info.has_meta


def test_second_shard_missing(tmp_path, written):
    dest = tmp_path / "sharded"
    shutil.copytree(written["sharded"], dest)
    next(dest.glob("*.data-00001-of-00002")).unlink()
    (info,) = scan_model_dir(dest).checkpoints
    assert not info.files_ok
    assert "data-00001-of-00002 is missing" in info.problem and "2 shards" in info.problem


def test_folder_without_checkpoint(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(CheckpointError, match="no checkpoint in"):
        scan_model_dir(tmp_path)


def test_saved_model_variables_are_a_checkpoint(written):
    md = scan_model_dir(written["saved_model"])
    assert [c.name for c in md.checkpoints] == ["variables/variables"]
    assert md.checkpoints[0].files_ok


@pytest.mark.parametrize(
    "suffix, expected",
    [
        ("", None),
        ("/checkpoint", None),
        ("/model.ckpt-200", "model.ckpt-200"),
        ("/model.ckpt-200.index", "model.ckpt-200"),
        ("/model.ckpt-200.meta", "model.ckpt-200"),
        ("/model.ckpt-200.data-00000-of-00001", "model.ckpt-200"),
    ],
)
def test_resolve_path_forms(iris_dir, suffix, expected):
    model_dir, name = resolve_path(str(iris_dir) + suffix)
    assert model_dir == iris_dir.resolve()
    assert name == expected


def test_resolve_saved_model_file(written):
    model_dir, name = resolve_path(written["saved_model"] / "variables" / "variables.index")
    assert model_dir == written["saved_model"].resolve() and name == "variables/variables"


def test_resolve_rejects_unrelated(tmp_path):
    with pytest.raises(CheckpointError, match="does not exist"):
        resolve_path(tmp_path / "nope")
    (tmp_path / "x.txt").write_text("")
    with pytest.raises(CheckpointError, match="not a checkpoint file"):
        resolve_path(tmp_path / "x.txt")


def test_scanning_never_writes(iris_dir):
    before = {p: p.stat().st_mtime_ns for p in iris_dir.rglob("*")}
    scan_model_dir(iris_dir)
    assert {p: p.stat().st_mtime_ns for p in iris_dir.rglob("*")} == before
