"""Damaged Orbax checkpoints: each gives one line naming what is damaged, never a traceback, the
catch-all or a hang. Copies of a fixture step are damaged in a temporary folder; entries inside
the OCDBT database (a .zarray, a chunk) are replaced by writing to the database with tensorstore,
as another writer would."""

from __future__ import annotations

import os
import shutil
import time

import pytest

from tests.conftest import DATA

ts = pytest.importorskip("tensorstore", reason="tensorstore (ckpt-browser[orbax]) is not installed")

from ckpt_browser.core.base.errors import CheckpointError  # noqa: E402
from ckpt_browser.core.formats.orbax import open_orbax, scan_orbax  # noqa: E402

STEP = DATA / "orbax" / "manager" / "2"


@pytest.fixture
def step(tmp_path):
    dest = tmp_path / "2"
    shutil.copytree(STEP, dest)
    return dest


def read_all(path):
    reader = open_orbax(path)
    for v in reader.variables():
        reader.read(v.name)
    return reader


def one_line(fn, *args) -> str:
    start = time.perf_counter()
    with pytest.raises(CheckpointError) as err:
        fn(*args)
    text = str(err.value)
    assert text and "\n" not in text and "Traceback" not in text and "unexpected" not in text.lower()
    assert time.perf_counter() - start < 15
    return text


def put(step, key: str, value: bytes) -> None:
    """Replace one entry of the item's OCDBT database (a new version of it, as a writer makes)."""
    kv = ts.KvStore.open({"driver": "ocdbt", "base": f"file://{step / 'default'}/"}).result()
    kv.write(key, value).result()


def test_a_damaged_manifest(step):
    manifest = step / "default" / "manifest.ocdbt"
    manifest.write_bytes(manifest.read_bytes()[:50])
    assert "manifest.ocdbt of " in one_line(open_orbax, step)
    assert "is damaged" in one_line(open_orbax, step)


def test_a_damaged_btree_node(step):
    (node,) = (step / "default" / "d").iterdir()  # the merged database's one data file: its B-tree
    data = bytearray(node.read_bytes())
    data[20:36] = b"X" * 16
    node.write_bytes(bytes(data))
    text = one_line(open_orbax, step)
    assert f"d/{node.name[:12]}" in text and "damaged B-tree node" in text


def test_a_missing_data_file(step):
    (node,) = (step / "default" / "d").iterdir()
    node.unlink()
    text = one_line(open_orbax, step)
    assert f"d/{node.name[:12]}" in text and "is missing" in text


def test_a_damaged_zarray(step):
    put(step, "params.big/.zarray", b'{"zarr_format": 2, "shape": [128')
    assert one_line(open_orbax, step).startswith("params/big: its zarr metadata is damaged")


def test_a_zarray_that_lies_about_the_dtype(step):
    put(step, "params.big/.zarray",
        b'{"chunks":[32,32],"compressor":{"id":"zstd","level":1},"dimension_separator":".","dtype":"<f8",'
        b'"fill_value":null,"filters":null,"order":"C","shape":[128,64],"zarr_format":2}')  # fmt: skip
    reader = open_orbax(step)
    assert {v.name: v.dtype for v in reader.variables()}["params/big"] == "float64"  # what it says
    text = one_line(reader.read, "params/big")
    assert text.startswith("params/big: params.big/") and "is damaged" in text


def test_a_damaged_chunk(step):
    put(step, "params.big/1.1", b"not zstd at all")
    reader = open_orbax(step)
    reader.read("params/embed")  # the other arrays still read
    text = one_line(reader.read, "params/big")
    assert text.startswith("params/big: params.big/1.1 (in the OCDBT database of ") and "is damaged" in text
    assert one_line(reader.check, "params/big").startswith("params/big: params.big/1.1")


def test_damaged_json(step):
    (step / "default" / "_METADATA").write_text("{")
    assert one_line(open_orbax, step).startswith("default/_METADATA is not valid JSON")
    (step / "default" / "_METADATA").write_text("[]")
    assert "not a JSON object" in one_line(open_orbax, step)
    (step / "_CHECKPOINT_METADATA").write_text("{nope")
    (found,) = scan_orbax(step)
    assert "_CHECKPOINT_METADATA is not valid JSON" in found.problem


def test_a_manifest_that_is_a_fifo(step):
    manifest = step / "default" / "manifest.ocdbt"
    manifest.unlink()
    os.mkfifo(manifest)
    assert "manifest.ocdbt is a FIFO" in one_line(open_orbax, step)


def test_a_step_half_written(tmp_path):
    """A step folder as a killed save leaves it: named N.orbax-checkpoint-tmp, its item's database
    not written yet. Listed as being written; opening it says what is missing, in one line."""
    root = tmp_path / "run"
    shutil.copytree(STEP.parent, root)
    tmp = root / "3.orbax-checkpoint-tmp-1796637999"
    shutil.copytree(root / "2", tmp)
    (tmp / "commit_success.txt").unlink()
    shutil.rmtree(tmp / "default" / "d")
    shutil.rmtree(tmp / "default" / "ocdbt.process_0")
    (tmp / "default" / "manifest.ocdbt").unlink()
    found = {f.step: f for f in scan_orbax(root)}
    assert not found[3].complete and "being written" in found[3].problem
    assert "no Orbax PyTree with arrays" in one_line(open_orbax, tmp)


def test_a_data_file_that_never_answers(step):
    """A data file replaced by a FIFO: tensorstore blocks reading it, in the worker, which is
    stopped at the call's time limit (a few seconds for a small database): one line, no hang."""
    (node,) = (step / "default" / "d").iterdir()
    node.unlink()
    os.mkfifo(node)
    text = one_line(open_orbax, step)
    assert text.startswith("tensorstore looped on default in 2: stopped after")
