"""The `checkpoint` state file, parsed without TensorFlow, against tf.train.get_checkpoint_state;
and state files no trainer wrote, which must never cost the model_dir."""

from __future__ import annotations

import json
import os

import pytest

from ckpt_browser.core.model_dir.scan import scan_model_dir
from ckpt_browser.core.model_dir.state import STATE_FILE, parse_state
from ckpt_browser.core.storage import locate
from ckpt_browser.core.tf.tfimport import tf
from tests.conftest import ESTIMATOR

CANNED = sorted(p for p in (ESTIMATOR / "canned").iterdir() if p.is_dir())


def _same_as_tensorflow(folder):
    theirs = tf().train.get_checkpoint_state(str(folder))
    ours = parse_state((folder / STATE_FILE).read_bytes(), locate(folder))
    assert ours.model_checkpoint_path == theirs.model_checkpoint_path
    assert list(ours.all_model_checkpoint_paths) == list(theirs.all_model_checkpoint_paths)
    assert list(ours.all_model_checkpoint_timestamps) == list(theirs.all_model_checkpoint_timestamps)
    assert ours.last_preserved_timestamp == theirs.last_preserved_timestamp


@pytest.mark.parametrize("folder", [ESTIMATOR / "iris", ESTIMATOR / "iris_resized", *CANNED], ids=lambda p: p.name)
def test_estimator_state_files_parse_like_tensorflow(folder):
    _same_as_tensorflow(folder)


@pytest.mark.parametrize("kind", ["saver", "object", "partitioned"])
def test_written_state_files_parse_like_tensorflow(written, kind):
    _same_as_tensorflow(written[kind])


def test_relative_paths_of_the_demo_parse_like_tensorflow(quadratic):
    _same_as_tensorflow(quadratic)


GOOD = 'model_checkpoint_path: "model.ckpt-300"\nall_model_checkpoint_paths: "model.ckpt-300"\n'


@pytest.mark.parametrize(
    "content, words",
    [
        (GOOD + "bogus: 1\n", "not a valid checkpoint state"),
        (GOOD[: len(GOOD) // 2], "not a valid checkpoint state"),
        (b'model_checkpoint_path: "model.ckpt-300\xff"\n', "not text"),
        ("", "names no checkpoint"),
        ('all_model_checkpoint_paths: "model.ckpt-300"\n', "names no checkpoint"),
        ("[" * 5000, "not a valid checkpoint state"),
    ],
    ids=["bogus-field", "half-truncated", "not-utf8", "empty", "no-latest", "deep-nesting"],
)
def test_broken_state_files_give_a_message_and_the_disk_listing(iris_copy, content, words):
    path = iris_copy / STATE_FILE
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    md = scan_model_dir(iris_copy)
    assert words in md.state_error and "listing checkpoints from disk" in md.state_error
    assert [c.name for c in md.checkpoints] == [f"model.ckpt-{s}" for s in (100, 150, 200, 250, 300)]
    assert md.default_checkpoint().name == "model.ckpt-300"


def test_a_huge_sparse_state_file_is_refused_without_reading_it(iris_copy):
    path = iris_copy / STATE_FILE
    with open(path, "r+b") as f:
        f.truncate(50 << 30)  # 50 GiB of holes: reading it would take minutes and all memory
    md = scan_model_dir(iris_copy)
    assert "far too big" in md.state_error
    assert len(md.checkpoints) == 5


@pytest.mark.parametrize("stamp", ["1e308", "nan", "-inf", "-5"])
def test_impossible_timestamps_are_dropped_not_fatal(iris_copy, stamp):
    (iris_copy / STATE_FILE).write_text(
        GOOD + f"all_model_checkpoint_timestamps: {stamp}\nlast_preserved_timestamp: {stamp}\n"
    )
    md = scan_model_dir(iris_copy)
    info = md.find("model.ckpt-300")
    assert md.state_error is None and info.latest
    # The time falls back to the file's; ls --json stays valid JSON (no bare NaN).
    assert info.timestamp == pytest.approx(os.stat(iris_copy / "model.ckpt-300.index").st_mtime)
    json.loads(json.dumps(info.to_json(), allow_nan=False))
