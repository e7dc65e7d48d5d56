"""Orbax checkpoints through every headless view: ls / show / diff / verify / health (--json), and
the API. The oracles are Orbax's own restore and metadata (tests/data/orbax/truth) and Keras' own
.weights.h5 of the same model, never our reading."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from tests.conftest import DATA

ts = pytest.importorskip("tensorstore", reason="tensorstore (ckpt-browser[orbax]) is not installed")

import ckpt_browser as cb  # noqa: E402
from ckpt_browser.cli import main  # noqa: E402

ORBAX = DATA / "orbax"
TRUTH = ORBAX / "truth"
PAIR = ORBAX / "keras_pair"


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def truth(item: str) -> dict:
    return json.loads((TRUTH / item / "truth.json").read_text())


def test_ls_json_lists_every_array_as_orbax_restores_it(capsys):
    code, out, _ = cli(capsys, "ls", str(ORBAX / "manager"), "--json")
    doc = json.loads(out)
    assert code == 0 and doc["latest"] == "2" and [c["name"] for c in doc["checkpoints"]] == ["1", "2"]
    assert all(c["time_source"] == "metadata" and c["problem"] is None for c in doc["checkpoints"])
    listed = {v["name"]: v for v in doc["variables"]}
    want = truth("manager/2/default")
    assert set(listed) == set(want)
    for name, entry in want.items():
        assert (listed[name]["shape"], listed[name]["dtype"]) == (entry["shape"], entry["dtype"]), name


@pytest.mark.parametrize("name", ["params/embed", "params/big", "stats/count", "layers/1"])
def test_show_json_gives_the_values_bit_exactly(capsys, name):
    code, out, _ = cli(capsys, "show", str(ORBAX / "manager" / "2"), name, "--json", "--all")
    doc = json.loads(out)
    entry = truth("manager/2/default")[name]
    assert code == 0 and doc["dtype"] == entry["dtype"] and doc["shape"] == entry["shape"]
    if entry["chunks"]:  # Orbax's own account of the chunk shape
        assert f"chunks [{', '.join(map(str, entry['chunks']))}]" in doc["layout"] and "zstd" in doc["layout"]
    want = np.load(TRUTH / "manager/2/default" / entry["npy"])
    got = cb.open(ORBAX / "manager" / "2").checkpoint("2").read(name)
    stored = got.view(np.uint16) if entry["dtype"] == "bfloat16" else got
    np.testing.assert_array_equal(stored, want)
    if entry["dtype"] != "bfloat16":  # JSON holds the numbers themselves
        np.testing.assert_array_equal(np.asarray(doc["values"], want.dtype), want)


def test_diff_against_the_same_models_weights_h5_pairs_every_weight(capsys):
    """The Keras file Keras wrote from the same weights: every weight and optimizer variable of it
    pairs with one array of the Orbax checkpoint, and every pair is identical. Only the metrics
    (which a .weights.h5 does not keep) are the Orbax checkpoint's alone."""
    code, out, _ = cli(capsys, "diff", str(PAIR / "orbax" / "0"), str(PAIR / "model.weights.h5"), "--json")
    doc = json.loads(out)
    rows = doc["variables"]
    status = {r.get("name_b") or r["name"]: r["status"] for r in rows}
    only_a = sorted(r["name"] for r in rows if r["status"] == "only_a")
    assert code == 1, out  # they differ: the metrics are A's alone
    assert all(s == "same" for s in status.values() if s != "only_a"), status
    assert not [r for r in rows if r["status"] == "only_b"]
    assert only_a and all(n.startswith("metrics_variables/") for n in only_a)
    import h5py

    with h5py.File(PAIR / "model.weights.h5", "r") as f:
        stored: list[str] = []
        f.visititems(lambda n, o: stored.append(n) if isinstance(o, h5py.Dataset) else None)
    assert sum(r["status"] == "same" for r in rows) == len(stored)  # every array Keras wrote


def test_diff_against_the_same_models_tf_checkpoint_pairs_every_variable(capsys):
    """tests/data/orbax/keras_pair/tf/ckpt: Keras 3 with TensorFlow loaded the .weights.h5 and wrote
    a tf.train.Checkpoint (make_tf_checkpoint.py). Every variable of it pairs, identical; only the
    optimizer's step counter differs in dtype (JAX keeps int32, TensorFlow int64)."""
    code, out, _ = cli(capsys, "diff", str(PAIR / "orbax" / "0"), str(PAIR / "tf" / "ckpt"), "--json")
    rows = json.loads(out)["variables"]
    by_status: dict[str, list[str]] = {}
    for r in rows:
        by_status.setdefault(r["status"], []).append(r["name"])
    assert code == 1
    assert by_status["only_b"] == ["_CHECKPOINTABLE_OBJECT_GRAPH"]
    assert by_status["dtype"] == ["optimizer_variables/adam_2/iteration"]
    assert all(n.startswith("metrics_variables/") for n in by_status["only_a"])
    assert len(by_status["same"]) == 21 and set(by_status) == {"same", "only_a", "only_b", "dtype"}


def test_diff_against_a_tf_checkpoint_naming_weights_without_the_model_pairs_every_weight(capsys):
    """tests/data/orbax/keras_restored (make_keras_restored.py): Keras with JAX wrote the Orbax
    checkpoint and model.keras; Keras with TensorFlow loaded that model.keras and wrote a
    tf.train.Checkpoint, whose object graph names the weights model/conv2d/kernel (no model name).
    Every weight Keras wrote in model.keras pairs with its Orbax array, identical."""
    import io
    import zipfile

    import h5py

    root = ORBAX / "keras_restored"
    code, out, _ = cli(capsys, "diff", str(root / "orbax"), str(root / "tf" / "ckpt"), "--json")
    rows = json.loads(out)["variables"]
    with zipfile.ZipFile(root / "model.keras") as z, h5py.File(io.BytesIO(z.read("model.weights.h5")), "r") as f:
        stored: list[str] = []
        f["layers"].visititems(lambda n, o: stored.append(n) if isinstance(o, h5py.Dataset) else None)
    same = [r["name"] for r in rows if r["status"] == "same"]
    assert code == 1 and len(same) == len(stored) == 6, out
    assert all(n.startswith("trainable_variables/sequential/") for n in same)
    assert not [r for r in rows if r["status"] == "only_a"]


def test_a_run_while_a_step_is_being_written_verifies_and_is_healthy(capsys, tmp_path):
    """A step folder as Orbax writes it (N.orbax-checkpoint-tmp, no database yet; Orbax's own
    CheckpointManager lists no such step): verify and health check the finished steps and name the
    one being written, instead of failing on it (verify exited 2, health 1 with it unreadable)."""
    root = tmp_path / "run"
    shutil.copytree(ORBAX / "manager", root)
    tmp = root / "3.orbax-checkpoint-tmp-1796637999"
    shutil.copytree(root / "2", tmp)
    (tmp / "commit_success.txt").unlink()
    shutil.rmtree(tmp / "default" / "d")
    shutil.rmtree(tmp / "default" / "ocdbt.process_0")
    (tmp / "default" / "manifest.ocdbt").unlink()
    code, out, err = cli(capsys, "verify", str(root), "--json")
    doc = json.loads(out)
    assert code == 0 and not err and [c["name"] for c in doc["checkpoints"]] == ["1", "2"]
    assert doc["being_written"] == [tmp.name] and "being written, not checked" in doc["summary"]
    code, out, err = cli(capsys, "health", str(root), "--json")
    assert code == 0 and "unreadable" not in out and not err


def test_verify_json_says_orbax_stores_no_checksums(capsys):
    code, out, _ = cli(capsys, "verify", str(ORBAX / "keras_fit"), "--json")
    doc = json.loads(out)
    assert code == 0 and [c["status"] for c in doc["checkpoints"]] == ["ok"] * 3
    assert all("Orbax stores no checksums" in c["note"] for c in doc["checkpoints"])
    assert doc["checkpoints"][0]["tensors"] == len(truth("keras_fit/8/pytree"))


def test_verify_finds_a_damaged_chunk(capsys, tmp_path):
    root = tmp_path / "run"
    shutil.copytree(ORBAX / "manager", root)
    kv = ts.KvStore.open({"driver": "ocdbt", "base": f"file://{root / '2' / 'default'}/"}).result()
    kv.write("params.big/2.0", b"\x28\xb5\x2f\xfd garbage").result()
    code, out, _ = cli(capsys, "verify", str(root), "--json")
    doc = {c["name"]: c for c in json.loads(out)["checkpoints"]}
    assert code != 0 and doc["1"]["status"] == "ok" and doc["2"]["status"] == "corrupt"
    (problem,) = doc["2"]["problems"]
    assert problem.startswith("params/big: params.big/2.0 (in the OCDBT database of ") and "\n" not in problem


def test_verify_finite_on_request(capsys, tmp_path):
    """Two values of params/big made NaN and infinite (written with tensorstore into the step's
    database, as a writer would): plain verify passes -- the chunks decode -- and --finite fails."""
    root = tmp_path / "run"
    shutil.copytree(ORBAX / "manager", root)
    spec = {"driver": "zarr", "kvstore": {"driver": "ocdbt", "base": f"file://{root / '2' / 'default'}/",
                                          "path": "params.big/"}}  # fmt: skip
    big = ts.open(spec).result()
    big[3, 4:6].write(np.array([np.nan, np.inf], np.float32)).result()
    code, out, _ = cli(capsys, "verify", str(root / "2"), "--json")
    assert code == 0 and json.loads(out)["checkpoints"][0]["status"] == "ok"
    code, out, _ = cli(capsys, "verify", str(root / "2"), "--json", "--finite")
    (verdict,) = json.loads(out)["checkpoints"]
    assert code == 1 and verdict["status"] == "corrupt"
    assert verdict["problems"] == ["params/big: 2 values are NaN or infinite"]


def test_health_json_over_the_steps(capsys):
    code, out, _ = cli(capsys, "health", str(ORBAX / "keras_fit"), "--json")
    doc = json.loads(out)
    assert code == 0 and [c["name"] for c in doc["checkpoints"]] == ["8", "10", "12"]


def test_the_api(tmp_path):
    md = cb.open(ORBAX / "keras_weights")
    assert [c.step for c in md.checkpoints] == [1, 2] and md.latest.name == "2"
    names = {v.name: v for v in md.latest.variables}
    assert set(names) == set(truth("keras_weights/2/pytree"))
    assert {v.kind for v in names.values()} == {"model"}
    for name, entry in truth("keras_weights/2/pytree").items():
        want = np.load(TRUTH / "keras_weights/2/pytree" / entry["npy"])
        np.testing.assert_array_equal(md.latest.read(name), want)
