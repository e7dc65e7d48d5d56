"""What crosses the wire: opening a model_dir in a bucket reads its listing, the state file and
the .index files; showing a variable reads that variable's bytes, once."""

from __future__ import annotations

import numpy as np
import pytest

from ckpt_browser.core.formats import reader as reader_module
from ckpt_browser.core.model_dir.contents import open_source, read_contents, read_variable
from ckpt_browser.core.storage import remote
from ckpt_browser.core.tf.tfimport import tf


@pytest.fixture(scope="module")
def wide(s3, tmp_path_factory):
    """A checkpoint shaped like a real model's: 1,500 small variables (a ~100 KB index), a
    [4000, 768] embedding (12 MB) and a [768] bias, written by TensorFlow's SaveV2."""
    t = tf()
    folder = tmp_path_factory.mktemp("wide")
    rng = np.random.default_rng(0)
    tensors = {f"layer_{i:04d}/kernel": rng.standard_normal((4, 4)).astype(np.float32) for i in range(1500)}
    tensors["embeddings"] = rng.standard_normal((4000, 768)).astype(np.float32)
    tensors["output/bias"] = rng.standard_normal(768).astype(np.float32)
    names = sorted(tensors)
    t.raw_ops.SaveV2(
        prefix=str(folder / "model.ckpt-1"), tensor_names=names, shape_and_slices=[""] * len(names),
        tensors=[tensors[n] for n in names],
    )  # fmt: skip
    (folder / "checkpoint").write_text('model_checkpoint_path: "model.ckpt-1"\n')
    s3.fs.put(str(folder), "runs/wide", recursive=True)
    return "s3://runs/wide", folder, tensors


def fresh() -> None:
    """A new session: no reader or block kept from an earlier test."""
    reader_module._cache.clear()
    remote.clear_blocks()


def test_opening_reads_the_listing_the_state_and_the_index_only(s3, wide):
    url, folder, tensors = wide
    fresh()
    s3.fs.invalidate_cache()
    s3.relay.reset()
    s3.fs.ls("runs/wide")  # what one listing of the prefix costs on this wire
    listing = s3.relay.down
    index = (folder / "model.ckpt-1.index").stat().st_size
    state = (folder / "checkpoint").stat().st_size
    s3.relay.reset()
    source = open_source(url)
    contents = read_contents(source.checkpoint())
    opened = s3.relay.down
    assert len(contents.variables) == len(tensors)
    print(f"opening: {opened:,} bytes on the wire; index {index:,}, listing {listing:,}")
    assert opened < 2 * index + listing + state
    data = (folder / "model.ckpt-1.data-00000-of-00001").stat().st_size
    assert data > 100 * opened  # the 12 MB data shard was not read


def test_showing_a_variable_reads_its_bytes_once(s3, wide):
    url, _, tensors = wide
    fresh()
    source = open_source(url)
    info = source.checkpoint()
    read_contents(info)
    s3.relay.reset()
    value = read_variable(info, "output/bias").value
    first = s3.relay.down
    np.testing.assert_array_equal(value, tensors["output/bias"])
    print(f"showing a [768] variable: {first:,} bytes on the wire")
    assert first < 64 << 10
    fetched = remote.transfers.bytes
    s3.relay.reset()
    np.testing.assert_array_equal(read_variable(info, "output/bias").value, tensors["output/bias"])
    assert remote.transfers.bytes == fetched  # from the block cache: no ranged read again
    assert s3.relay.down < 2 << 10  # one look at the index's size and ETag, nothing more


def test_history_reads_that_variable_from_each_checkpoint_and_nothing_else(s3):
    from ckpt_browser.core.values.history import variable_history

    fresh()
    source = open_source(s3.urls["iris"])
    md = source.model_dir
    fetched = remote.transfers.bytes
    history = variable_history(md.checkpoints, "dnn/logits/bias")
    assert history.names == [c.name for c in md.checkpoints]
    for name, norm in zip(history.names, history.values):
        local = tf().train.load_checkpoint(str(s3.local["iris"] / name)).get_tensor("dnn/logits/bias")
        assert norm == pytest.approx(float(np.linalg.norm(local.astype(np.float64))))
    data_bytes = sum((s3.local["iris"] / f"{c.name}.data-00000-of-00001").stat().st_size for c in md.checkpoints)
    # At most one 16 KiB block per checkpoint, however big its data shard is.
    assert remote.transfers.bytes - fetched <= len(md.checkpoints) * remote.BLOCK
    assert data_bytes > 0


def test_ls_reads_only_the_checkpoint_records_of_the_event_files(s3):
    """ls prints save times from the event files' checkpoint records (iris' state has none): the
    graphs that are most of those files' bytes stay in the bucket (issue 25)."""
    from tests.remote.test_s3 import cli
    from tests.test_lazy_events import saved_column, tf_saves, when

    events = sum(p.stat().st_size for p in s3.local["iris"].rglob("events.out.tfevents.*"))
    s3.relay.reset()
    r = cli("ls", s3.urls["iris"], "--wide")
    assert r.returncode == 0, r.stderr
    wire = s3.relay.down
    print(f"ls of the bucket's iris: {wire:,} bytes on the wire; its event files hold {events:,}")
    saved = tf_saves(s3.local["iris"])
    assert len(saved_column(r.stdout)) == 5
    assert saved_column(r.stdout) == {n: when(saved[n]) for n in saved_column(r.stdout)}
    assert wire < events / 4
    s3.relay.reset()
    out = cli("ls", s3.urls["iris"], "--json")  # prints the scalars: reads every record
    assert out.returncode == 0 and '"scalars"' in out.stdout
    assert s3.relay.down > events
