"""Files of a folder that are parts of another checkpoint there (a shard of an index.json, of a
Keras X.weights.json) are listed as that checkpoint, whatever the format: the registry's `parts`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ckpt_browser.core.formats import registry
from ckpt_browser.core.model_dir.scan import scan_model_dir

DATA = Path(__file__).resolve().parents[1] / "data"
PACKAGE = Path(__file__).resolve().parents[2] / "ckpt_browser"


@pytest.mark.parametrize(
    ("folder", "index"),
    [("sharded", "model.safetensors.index.json"), ("sharded_bin", "pytorch_model.bin.index.json")],
)
def test_save_pretrained_shards_belong_to_their_index(folder, index):
    # Written by transformers' save_pretrained (tests/data/torch/make_fixtures.py): the index's
    # weight_map names the shards it owns.
    where = DATA / "torch" / folder
    shards = set(json.loads((where / index).read_text())["weight_map"].values())
    assert len(shards) == 3
    names = [p.name for p in where.iterdir()]
    assert registry.parts_of(names) == dict.fromkeys(shards, index)
    md = scan_model_dir(where)
    assert md.names() == (index,)
    info = md.checkpoints[0]
    assert info.shards == 3
    assert info.bytes == sum((where / n).stat().st_size for n in [index, *shards])


def test_keras_shards_belong_to_their_weights_json():
    # Written by Keras 3 (tests/data/keras/fuzz/make_seeds.py): sharded.weights.json + its shard.
    where = DATA / "keras" / "fuzz"
    owned = registry.parts_of([p.name for p in where.iterdir()])
    assert owned == {"sharded_00000.weights.h5": "sharded.weights.json"}
    md = scan_model_dir(where)
    assert "sharded.weights.json" in md.names() and "sharded_00000.weights.h5" not in md.names()
    assert md.find("sharded.weights.json").shards == 1
    assert "model.weights.h5" in md.names()  # a whole weights file is no part


def test_a_shard_without_its_owner_is_a_checkpoint(tmp_path):
    # A shard copied away from its index: nothing owns it, it is listed as the file it is.
    shard = DATA / "torch" / "sharded" / "model-00001-of-00003.safetensors"
    (tmp_path / shard.name).write_bytes(shard.read_bytes())
    assert scan_model_dir(tmp_path).names() == (shard.name,)


def test_no_format_specific_shard_rule_outside_the_registry():
    scan = (PACKAGE / "core" / "model_dir" / "scan.py").read_text()
    assert "weights.h5" not in scan and "safetensors" not in scan
