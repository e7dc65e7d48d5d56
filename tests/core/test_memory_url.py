"""Any fsspec URL, not only S3: the iris model_dir copied into fsspec's memory file system reads
the same as on disk (the path the tests of issue 15 call memory://)."""

from __future__ import annotations

import fsspec
import numpy as np
import pytest

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.model_dir.contents import open_source, read_contents, read_variable
from ckpt_browser.core.model_dir.events import EventReader
from ckpt_browser.core.tf.tfimport import tf


@pytest.fixture
def memory_iris(iris_dir):
    fs = fsspec.filesystem("memory")
    fs.put(str(iris_dir), "/bucket/iris", recursive=True)
    yield "memory://bucket/iris"
    fs.rm("/bucket", recursive=True)


def test_a_memory_url_lists_and_reads_like_the_folder(memory_iris, iris_dir):
    source = open_source(memory_iris)
    md = source.model_dir
    assert [c.name for c in md.checkpoints] == [c.name for c in open_source(iris_dir).model_dir.checkpoints]
    assert md.latest == "model.ckpt-300" and all(c.files_ok and c.has_meta for c in md.checkpoints)
    info = source.checkpoint()
    names = [v.name for v in read_contents(info).variables]
    theirs = tf().train.load_checkpoint(str(iris_dir / "model.ckpt-300"))
    assert names == sorted(theirs.get_variable_to_shape_map())
    for name in ("dnn/hiddenlayer_0/kernel", "global_step"):
        np.testing.assert_array_equal(read_variable(info, name).value, theirs.get_tensor(name))


def test_events_of_a_memory_url_are_read(memory_iris, iris_dir):
    ours, local = EventReader(memory_iris), EventReader(iris_dir)
    ours.refresh()
    local.refresh()
    assert {k: s.values for k, s in ours.data.series.items()} == {k: s.values for k, s in local.data.series.items()}
    assert ("eval", "accuracy") in ours.data.series


def test_a_prefix_and_a_file_url_select_their_checkpoint(memory_iris):
    assert open_source(memory_iris + "/model.ckpt-150").selected == "model.ckpt-150"
    assert open_source(memory_iris + "/model.ckpt-200.index").selected == "model.ckpt-200"
    with pytest.raises(CheckpointError, match="does not exist"):
        open_source(memory_iris + "/model.ckpt-999")


def test_an_unknown_protocol_is_one_line():
    with pytest.raises(CheckpointError, match="no file system knows the protocol nosuch://"):
        open_source("nosuch://bucket/run")
