"""A file the user names is settled by its first bytes where its name does not tell: torch.save
to a bare .bin opens (written by torch: tests/data/torch/make_fixtures.py bare-bin), a TF.js
weight file named on its own is one line pointing at its model, a shard named on its own opens."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import fsspec
import numpy as np
import pytest

from ckpt_browser.cli import main
from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.formats import registry
from ckpt_browser.core.model_dir.contents import open_source, read_contents, read_variable
from ckpt_browser.core.model_dir.resolve import resolve_path
from ckpt_browser.core.model_dir.scan import scan_model_dir

DATA = Path(__file__).resolve().parents[1] / "data"
TORCH = DATA / "torch"
TRUTH = json.loads((TORCH / "truth.json").read_text())


def _truth(rel: str, name: str) -> np.ndarray:
    return np.load(TORCH / "values" / (rel.replace("/", "__") + ".npz"))[TRUTH[rel][name]["key"]]


@pytest.mark.parametrize("rel", ["bare/weights.bin", "bare/legacy.bin"])
def test_a_bare_bin_by_torch_opens_by_its_first_bytes(rel, tmp_path):
    path = tmp_path / "weights.bin"  # a folder of its own: the memory of named files is per path
    shutil.copy(TORCH / rel, path)
    assert registry.claims_file(path) is None  # its name alone claims nothing (TF.js shards are .bin)
    assert registry.of_file(path, path.read_bytes()[:16]).name == "torch"
    folder, name = resolve_path(path)
    assert (folder, name) == (tmp_path.resolve(), "weights.bin")
    source = open_source(path)
    info = source.checkpoint()
    assert info.file_format.label == "PyTorch file"
    listed = {v.name: (list(v.shape), v.dtype) for v in read_contents(info).variables}
    assert listed == {n: (t["shape"], t["dtype"]) for n, t in TRUTH[rel].items()}
    for n, t in TRUTH[rel].items():
        got = read_variable(info, n).value
        want = _truth(rel, n)
        assert np.array_equal(got.view(want.dtype) if t.get("bits") else got, want), n
    assert scan_model_dir(tmp_path).names() == ("weights.bin",)  # the window's refresh keeps it


def test_a_bare_bin_in_a_bucket(tmp_path):
    fs = fsspec.filesystem("memory")
    fs.put(str(TORCH / "bare" / "weights.bin"), "/named-bin/run/weights.bin")
    try:
        source = open_source("memory://named-bin/run/weights.bin")
        info = source.checkpoint()
        assert info.name == "weights.bin" and info.file_format.label == "PyTorch file"
        name = "encoder.layer.0.dense.weight"
        assert np.array_equal(read_variable(info, name).value, _truth("bare/weights.bin", name))
    finally:
        fs.rm("/named-bin", recursive=True)


def test_tfjs_weight_files_named_alone_are_one_line(capsys):
    # Written by tensorflowjs (tests/data/tfjs): weights beside their model.json / weights_manifest.json.
    assert main(["ls", str(DATA / "tfjs" / "graph" / "group1-shard1of1.bin")]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "is a part of the TensorFlow.js model model.json: open model.json" in err
    assert main(["ls", str(DATA / "tfjs" / "layers" / "weights.bin")]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "weights.bin is not a checkpoint file" in err and "holds model.json" in err


def test_a_file_of_no_format_stays_refused(tmp_path):
    (tmp_path / "notes.bin").write_bytes(b"\x80\x01not a pickle torch writes")
    with pytest.raises(CheckpointError, match="notes.bin is not a checkpoint file"):
        resolve_path(tmp_path / "notes.bin")


@pytest.mark.parametrize(
    ("folder", "shard"),
    [("torch/sharded", "model-00002-of-00003.safetensors"), ("keras/fuzz", "sharded_00000.weights.h5")],
)
def test_a_shard_named_on_its_own_opens_as_itself(folder, shard, tmp_path):
    where = tmp_path / "copy"
    shutil.copytree(DATA / folder, where)
    owned = registry.parts_of([p.name for p in where.iterdir()])
    assert shard in owned
    source = open_source(where / shard)
    assert source.checkpoint().name == shard and read_contents(source.checkpoint()).variables
    assert set(scan_model_dir(where).names()) >= {shard, owned[shard]}


def test_two_formats_claiming_a_name_are_told_apart_by_the_bytes(tmp_path, monkeypatch):
    # A second format claiming ".pt" with a magic of its own: a file the user names is settled by
    # its first bytes, and what was settled is the format every later open of that path uses.
    from ckpt_browser.core.formats.reader import format_of

    other = registry.Format("other", "Other file", "file", registry.Capabilities(), opener="x:y",
                            suffixes=(".pt",), magic=(b"OTHER",))  # fmt: skip
    monkeypatch.setattr(registry, "FORMATS", (other, *registry.FORMATS))
    torch_written = tmp_path / "model.pt"
    shutil.copy(TORCH / "bare" / "weights.bin", torch_written)
    reads = []
    assert registry.of_file(torch_written, lambda: reads.append(1) or torch_written.read_bytes()[:16]).name == "torch"
    assert reads == [1]
    resolve_path(torch_written)
    assert format_of(torch_written).name == "torch"  # not "other", the first to claim the name
    once = []
    assert registry.of_file(TORCH / "tensors.safetensors", lambda: once.append(1) or b"").name == "safetensors"
    assert once == []  # one format claims the name: no bytes read
