"""PyTorch and safetensors files in a bucket (issue 36), on moto's S3 behind the relay that counts the
wire: listing a sharded safetensors checkpoint costs its index and each shard's header, not its data;
a torch.save archive costs its central directory and data.pkl; values equal the local files'."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from ckpt_browser.core.storage import remote
from tests.conftest import DATA
from tests.core.torch_pickles import safetensors_bytes, state_dict, tensor
from tests.remote.wire import WireRelay, s3_env

TORCH = DATA / "torch"
BUCKET = "weights"
SHARD_MB = 8


@pytest.fixture(scope="module")
def bucket(moto, tmp_path_factory):
    """The fixtures and a 4-shard safetensors checkpoint of 4 x 8 MB, uploaded by s3fs."""
    import s3fs

    relay = WireRelay(*moto)
    saved = {k: os.environ.get(k) for k in s3_env("")}
    os.environ.update(s3_env(relay.url))
    s3fs.S3FileSystem.clear_instance_cache()
    fs = s3fs.S3FileSystem()
    fs.mkdir(BUCKET)
    big = tmp_path_factory.mktemp("big")
    rng = np.random.default_rng(36)
    weight_map = {}
    for i in range(4):
        arrays = {f"layer.{i}.{k}.weight": rng.standard_normal((512, 1024)).astype(np.float32) for k in range(4)}
        name = f"model-{i + 1:05d}-of-00004.safetensors"
        (big / name).write_bytes(safetensors_bytes(arrays))
        weight_map.update(dict.fromkeys(arrays, name))
    (big / "model.safetensors.index.json").write_text(json.dumps({"metadata": {}, "weight_map": weight_map}))
    pickled = state_dict({f"w{i}": tensor(str(i), 1 << 21, (1024, 2048), (2048, 1)) for i in range(4)})
    import zipfile

    with zipfile.ZipFile(big / "big.pt", "w") as z:  # torch.save's layout: data.pkl first, then the storages
        z.writestr("big/data.pkl", pickled)
        for i in range(4):
            z.writestr(f"big/data/{i}", rng.standard_normal(1 << 21).astype(np.float32).tobytes())
    fs.put(str(big), f"{BUCKET}/big", recursive=True)
    fs.put(str(TORCH), f"{BUCKET}/torch", recursive=True)
    yield relay, big
    relay.close()
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    s3fs.S3FileSystem.clear_instance_cache()


def test_listing_a_sharded_checkpoint_costs_its_headers(bucket):
    from ckpt_browser.core.formats.safetensors import ShardedCheckpoint

    relay, big = bucket
    remote.clear_blocks()
    relay.reset()
    reader = ShardedCheckpoint(f"s3://{BUCKET}/big/model.safetensors.index.json")
    listed = reader.variables()
    listing = relay.down
    data = sum(p.stat().st_size for p in big.glob("*.safetensors"))
    assert len(listed) == 16 and data > 4 * SHARD_MB * 1_000_000
    print(f"listing: {listing:,} bytes down of {data:,}")
    assert listing < 200_000, listing  # index + 4 headers (a block each) + the requests' own headers
    relay.reset()
    value = reader.read("layer.2.3.weight")
    local = ShardedCheckpoint(big / "model.safetensors.index.json").read("layer.2.3.weight")
    assert np.array_equal(value, local) and value.nbytes <= relay.down < value.nbytes + 100_000


def test_a_torch_archive_costs_its_directory_and_pickle(bucket):
    from ckpt_browser.core.formats.torch_file import TorchFile

    relay, big = bucket
    remote.clear_blocks()
    relay.reset()
    reader = TorchFile(f"s3://{BUCKET}/big/big.pt")
    assert [v.name for v in reader.variables()] == ["w0", "w1", "w2", "w3"]
    assert reader.truncation() is None  # from the central directory: no request per storage
    print(f"torch archive listing: {relay.down:,} bytes down of {(big / 'big.pt').stat().st_size:,}")
    assert relay.down < 200_000 < (big / "big.pt").stat().st_size, relay.down
    assert np.array_equal(reader.read("w1"), TorchFile(big / "big.pt").read("w1"))


@pytest.mark.parametrize("rel", ["state_dtypes.pt", "legacy.pt", "tensors.safetensors", "bert_pt/pytorch_model.bin",
                                 "sharded_bin/pytorch_model.bin.index.json"])  # fmt: skip
def test_values_in_the_bucket_equal_the_writers(bucket, rel):
    from tests.core.test_torch_formats import TRUTH, expected, open_any

    reader = open_any(TORCH / rel)
    there = type(reader)(f"s3://{BUCKET}/torch/{rel}")
    assert [(v.name, v.shape, v.dtype) for v in there.variables()] == [
        (v.name, v.shape, v.dtype) for v in reader.variables()
    ]
    for name, truth in TRUTH[rel].items():
        want = expected(rel, name)
        got = there.read(name)
        assert np.array_equal(got.view(want.dtype) if truth.get("bits") else got, want, equal_nan=True), name


def test_the_command_line_lists_a_bucket_file_as_the_local_one(bucket, capsys):
    from ckpt_browser.cli import main

    assert main(["ls", "--json", str(TORCH / "bert_pt" / "model.safetensors")]) == 0
    here = json.loads(capsys.readouterr().out)["variables"]
    assert main(["ls", "--json", f"s3://{BUCKET}/torch/bert_pt/model.safetensors"]) == 0
    assert json.loads(capsys.readouterr().out)["variables"] == here
    assert main(["map", str(TORCH / "bert_tf" / "bert_model.ckpt"), f"s3://{BUCKET}/torch/bert_untransposed.bin"]) == 1
    assert "FAIL bert/encoder/layer_1/attention/self/value/kernel" in capsys.readouterr().out
