"""gs:// for real: the fixtures their writers wrote (a TF Estimator model_dir, Keras files, safetensors
and torch files) uploaded by gcsfs to a Google Cloud Storage emulator (tests/remote/gcs.py) behind
the relay that counts the wire; every command answers what the writer's own reading of the local
files says, lazily, and a damaged object or a missing bucket is one line."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from ckpt_browser.core.formats import reader as reader_module
from ckpt_browser.core.storage import remote
from ckpt_browser.core.tf.tfimport import tf
from tests.conftest import DATA
from tests.remote.gcs import GcsEmulator, emulator_environment, emulator_fs
from tests.remote.test_s3 import cli, same_answer
from tests.remote.wire import WireRelay

pytest.importorskip("gcsfs", reason="gcsfs (ckpt-browser[gcs]) is not installed")

BUCKET = "runs"
KERAS = DATA / "keras" / "keras_2_13.keras"  # TensorFlow 2.13's Keras; keras_2_13_expected.npz: its weights
WEIGHTS = DATA / "orbax" / "keras_pair" / "model.weights.h5"  # Keras 3.15's save_weights
TORCH = DATA / "torch"


@pytest.fixture(scope="module")
def gcs(iris_dir):
    """The bucket: iris, the Keras files, the sharded safetensors checkpoint and two torch files;
    this process's environment points gcsfs (and the CLI's children) at the relay, as a user's
    shell names an emulator."""
    server = GcsEmulator()
    relay = WireRelay(server.host, server.port)
    with emulator_environment(relay.url):
        fs = emulator_fs()
        fs.mkdir(BUCKET)
        uploads = {"iris": iris_dir, "torch/sharded": TORCH / "sharded"}
        for name, local in uploads.items():
            fs.put(str(local), f"{BUCKET}/{name}", recursive=True)
        for local in (KERAS, WEIGHTS, TORCH / "tensors.safetensors", TORCH / "state_dtypes.pt"):
            fs.put(str(local), f"{BUCKET}/files/{local.name}")
        yield Gcs(relay, fs, iris_dir)
    relay.close()
    server.stop()


class Gcs:
    def __init__(self, relay, fs, iris) -> None:
        self.relay, self.fs, self.iris = relay, fs, iris
        self.url = f"gs://{BUCKET}"


def fresh() -> None:
    """No reader or block kept from an earlier test: what crosses the wire is this test's."""
    reader_module._cache.clear()
    remote.clear_blocks()


def one_line(r: subprocess.CompletedProcess) -> str:
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr and "unexpected error" not in r.stderr, r.stderr
    return lines[0]


def test_ls_json_lists_what_tensorflow_lists(gcs):
    url = f"{gcs.url}/iris"
    local, there = cli("ls", gcs.iris, "--json"), cli("ls", url, "--json")
    assert there.returncode == 0, there.stderr
    assert there.stderr == ""
    doc = json.loads(there.stdout)
    if str(gcs.iris) in (gcs.iris / "checkpoint").read_text():
        doc["notes"] = [n for n in doc["notes"] if "another machine" not in n]
    same_answer(json.loads(local.stdout), doc, gcs.iris, url)
    prefix = str(gcs.iris / doc["checkpoint"])
    want = tf().train.list_variables(prefix)  # the writer's own listing of the local copy
    assert [(v["name"], v["shape"]) for v in doc["variables"]] == [(n, list(s)) for n, s in want]


def test_show_values_equal_tensorflow_bit_for_bit(gcs):
    import ckpt_browser as cb

    fresh()
    checkpoint = cb.open(f"{gcs.url}/iris").checkpoint("model.ckpt-300")
    reader = tf().train.load_checkpoint(str(gcs.iris / "model.ckpt-300"))
    names = [v.name for v in checkpoint.variables]
    assert len(names) == 15
    for name in names:
        want = reader.get_tensor(name)
        got = checkpoint.read(name)
        assert got.dtype == want.dtype and got.tobytes() == np.asarray(want).tobytes(), name
    r = cli("show", f"{gcs.url}/iris", "dnn/logits/kernel", "--json", "--all")
    assert r.returncode == 0, r.stderr
    np.testing.assert_array_equal(np.asarray(json.loads(r.stdout)["values"], np.float32),
                                  reader.get_tensor("dnn/logits/kernel"))  # fmt: skip


def test_verify_is_ok_and_equals_the_local_answer(gcs):
    local, there = cli("verify", gcs.iris, "--json"), cli("verify", f"{gcs.url}/iris", "--json")
    assert there.returncode == local.returncode == 0, there.stderr
    doc = json.loads(there.stdout)
    assert [c["status"] for c in doc["checkpoints"]] == ["ok"] * 5
    same_answer(json.loads(local.stdout), doc, gcs.iris, f"{gcs.url}/iris")


def test_listing_reads_the_index_not_the_model_dir(gcs):
    """Opening the model_dir and listing its latest checkpoint: the listing, the state file, the
    .index and the event files' checkpoint records -- not the graph, the .meta files or the data."""
    import ckpt_browser as cb

    fresh()
    gcs.relay.reset()
    variables = cb.open(f"{gcs.url}/iris").checkpoint("model.ckpt-300").variables
    wire = gcs.relay.down + gcs.relay.up
    total = sum(p.stat().st_size for p in gcs.iris.rglob("*") if p.is_file())
    print(f"\ngs listing of {len(variables)} variables: {wire:,} bytes on the wire of {total:,} in the folder")
    assert len(variables) == 15
    # 51 KB of 1.8 MB when measured; one .meta (142 KB), the graph or the event file read whole would not fit.
    assert wire < total / 10, (wire, total)


@pytest.mark.parametrize("name", [KERAS.name, WEIGHTS.name])
def test_keras_files_read_as_the_local_ones(gcs, name):
    local = KERAS if name == KERAS.name else WEIGHTS
    url = f"{gcs.url}/files/{name}"
    here, there = cli("ls", local, "--json"), cli("ls", url, "--json")
    assert there.returncode == 0, there.stderr
    same_answer(json.loads(here.stdout), json.loads(there.stdout), local.parent, f"{gcs.url}/files")
    import ckpt_browser as cb

    fresh()
    near, far = cb.open(local).checkpoint(name), cb.open(url).checkpoint(name)
    for v in near.variables:
        assert far.read(v.name).tobytes() == near.read(v.name).tobytes(), v.name
    if local == KERAS:  # the writer's own weights (make_keras_2_13.py)
        want = np.load(DATA / "keras" / "keras_2_13_expected.npz")
        for key in [k for k in want.files if not k.startswith("optimizer:")]:
            np.testing.assert_array_equal(far.read(key), want[key], err_msg=key)
    else:  # every array Keras wrote: h5py's listing of the local file
        import h5py

        with h5py.File(local, "r") as f:
            stored: list[str] = []
            f.visititems(lambda n, o: stored.append(n) if isinstance(o, h5py.Dataset) else None)
        assert len(far.variables) == len(stored)
    r = cli("verify", url, "--json")
    assert r.returncode == 0, r.stderr
    assert [c["status"] for c in json.loads(r.stdout)["checkpoints"]] == ["ok"]


@pytest.mark.parametrize("rel", ["sharded/model.safetensors.index.json", "tensors.safetensors", "state_dtypes.pt"])
def test_torch_files_hold_what_their_writers_wrote(gcs, rel):
    from tests.core.test_torch_formats import TRUTH, expected, open_any

    fresh()
    where = f"{gcs.url}/torch/{rel}" if rel.startswith("sharded/") else f"{gcs.url}/files/{rel}"
    gcs.relay.reset()
    there = type(open_any(TORCH / rel))(where)
    listed = {v.name: v for v in there.variables()}
    listing = gcs.relay.down
    assert sorted(listed) == sorted(TRUTH[rel])
    for name, truth in TRUTH[rel].items():
        assert (list(listed[name].shape), listed[name].dtype) == (truth["shape"], truth["dtype"]), name
        want = expected(rel, name)
        got = there.read(name)
        assert np.array_equal(got.view(want.dtype) if truth.get("bits") else got, want, equal_nan=True), name
    if rel.startswith("sharded/"):
        data = sum(p.stat().st_size for p in (TORCH / "sharded").glob("*.safetensors"))
        index = (TORCH / rel).stat().st_size
        print(f"\ngs listing of a 3-shard safetensors checkpoint: {listing:,} bytes down of {data + index:,}")
        # The index and one block of each shard (its header; the shards are 28 KB), each request's headers.
        assert listing < index + 3 * (remote.BLOCK + 2048) < data + index, (listing, data)


def test_a_truncated_data_file_is_flagged_and_its_values_refused(gcs, tmp_path):
    copy = tmp_path / "iris"
    shutil.copytree(gcs.iris, copy)
    data = copy / "model.ckpt-300.data-00000-of-00001"
    data.chmod(0o644)
    data.write_bytes(data.read_bytes()[:100])
    gcs.fs.put(str(copy), f"{BUCKET}/truncated", recursive=True)
    url = f"{gcs.url}/truncated"
    r = cli("ls", url, "--checkpoint", "model.ckpt-250")
    assert r.returncode == 0, r.stderr
    assert "damaged" in next(line for line in r.stdout.splitlines() if "model.ckpt-300" in line)
    line = one_line(cli("show", url, "dnn/logits/kernel"))
    assert "truncated" in line and "model.ckpt-300" in line
    r = cli("verify", url, "--json")
    statuses = {c["name"]: c["status"] for c in json.loads(r.stdout)["checkpoints"]}
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert statuses.pop("model.ckpt-300") != "ok" and set(statuses.values()) == {"ok"}


def test_a_truncated_safetensors_shard_is_one_line(gcs):
    shard = TORCH / "sharded" / "model-00002-of-00003.safetensors"
    gcs.fs.put(str(TORCH / "sharded"), f"{BUCKET}/cut", recursive=True)
    gcs.fs.pipe(f"{BUCKET}/cut/{shard.name}", shard.read_bytes()[: shard.stat().st_size // 2])
    raw = shard.read_bytes()
    header = json.loads(raw[8 : 8 + int.from_bytes(raw[:8], "little")])  # the format's own header
    last = max((k for k in header if k != "__metadata__"), key=lambda k: header[k]["data_offsets"][1])  # cut off
    line = one_line(cli("show", f"{gcs.url}/cut/model.safetensors.index.json", last))
    assert shard.name in line


@pytest.mark.parametrize("url, words", [("gs://no-such-bucket/run", "does not exist"),
                                        ("gs://runs/iris/nothing-here", "does not exist"),
                                        ("gcs://no-such-bucket/run", "does not exist")])  # fmt: skip
def test_a_missing_bucket_or_object_is_one_line(gcs, url, words):
    line = one_line(cli("ls", url))
    assert words in line and url[:20] in line


def test_without_gcsfs_the_url_says_which_extra_to_install(gcs):
    code = (
        "import sys; sys.modules['gcsfs'] = None\n"
        "from ckpt_browser.cli import main\n"
        f"sys.exit(main(['ls', {gcs.url + '/iris'!r}]))\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert r.stderr.strip() == "ckpt-browser ls: install ckpt-browser[gcs] to open gs:// URLs"
