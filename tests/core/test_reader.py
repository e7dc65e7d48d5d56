"""Our variable list and values against TensorFlow's own answers, for every checkpoint kind."""

from __future__ import annotations

import numpy as np
import pytest

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.formats.reader import open_checkpoint
from ckpt_browser.core.model_dir.contents import open_source, read_contents
from ckpt_browser.core.tf.tfimport import tf
from tests.writers import DTYPE_VALUES

KINDS = ["saver", "object", "sharded", "partitioned", "saved_model", "dtypes"]


def _prefixes(written, kind):
    source = open_source(written[kind])
    return [c.prefix for c in source.model_dir.checkpoints]


@pytest.mark.parametrize("kind", KINDS)
def test_variables_agree_with_list_variables(written, kind):
    for prefix in _prefixes(written, kind):
        ours = open_checkpoint(prefix).variables()
        theirs = tf().train.list_variables(str(prefix))
        assert [(v.name, list(v.shape)) for v in ours] == [(n, list(s)) for n, s in theirs]
        dtypes = tf().train.load_checkpoint(str(prefix)).get_variable_to_dtype_map()
        for v in ours:
            want = "string" if dtypes[v.name] == tf().string else np.dtype(dtypes[v.name].as_numpy_dtype).name
            assert v.dtype == want


def test_partitioned_variable_is_listed_whole(written):
    (prefix,) = _prefixes(written, "partitioned")
    shapes = {v.name: v.shape for v in open_checkpoint(prefix).variables()}
    assert shapes["emb"] == (100, 8)
    assert not any("part_" in n for n in shapes)


def test_every_dtype_reads_back(written):
    (prefix,) = _prefixes(written, "dtypes")
    reader = open_checkpoint(prefix)
    # Checkpoint(root=module) makes the module the root object: names start at its attributes.
    dtypes = {v.name.split("/")[0]: v.dtype for v in reader.variables()}
    assert dtypes["bf16"] == "bfloat16" and dtypes["s"] == "string" and dtypes["f16"] == "float16"
    for short, value in DTYPE_VALUES.items():
        got = reader.read(f"{short}/.ATTRIBUTES/VARIABLE_VALUE")
        np.testing.assert_array_equal(got, value)


def test_read_matches_load_checkpoint(iris_dir):
    prefix = iris_dir / "model.ckpt-300"
    tf_reader = tf().train.load_checkpoint(str(prefix))
    ours = open_checkpoint(prefix)
    for v in ours.variables():
        np.testing.assert_array_equal(ours.read(v.name), tf_reader.get_tensor(v.name))


def test_garbage_index(iris_copy):
    (iris_copy / "model.ckpt-250.index").write_bytes(b"not an index at all" * 10)
    with pytest.raises(CheckpointError, match=r"model.ckpt-250.index is not a checkpoint index"):
        open_checkpoint(iris_copy / "model.ckpt-250")


def test_empty_index(iris_copy):
    (iris_copy / "model.ckpt-250.index").write_bytes(b"")
    info = open_source(iris_copy).model_dir.find("model.ckpt-250")
    assert info.problem == "model.ckpt-250.index is empty"
    with pytest.raises(CheckpointError, match="model.ckpt-250.index"):
        read_contents(info)


def test_truncated_data_is_reported_without_reading_values(iris_copy):
    data = iris_copy / "model.ckpt-300.data-00000-of-00001"
    data.write_bytes(data.read_bytes()[:300])
    contents = read_contents(open_source(iris_copy).model_dir.find("model.ckpt-300"))
    assert len(contents.variables) == 15  # the index is intact: the list still shows
    assert "truncated" in contents.warning and "1,560" in contents.warning
    with pytest.raises(CheckpointError, match="truncated"):
        open_checkpoint(iris_copy / "model.ckpt-300").read("dnn/logits/kernel")


def test_index_that_is_a_folder(iris_copy):
    (iris_copy / "model.ckpt-150.index").unlink()
    (iris_copy / "model.ckpt-150.index").mkdir()
    info = open_source(iris_copy).model_dir.find("model.ckpt-150")
    assert info.problem == "model.ckpt-150.index is not a file"
    with pytest.raises(CheckpointError):
        read_contents(info)


def test_unknown_variable(iris_dir):
    with pytest.raises(CheckpointError, match="has no variable 'nope'"):
        open_checkpoint(iris_dir / "model.ckpt-300").read("nope")
