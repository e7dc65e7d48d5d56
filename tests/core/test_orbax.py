"""The Orbax reader against what Orbax itself restores (tests/data/orbax: the fixtures and their
oracles, written by JAX + orbax-checkpoint + Keras in a venv of their own: make fixtures-orbax)."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from tests.conftest import DATA

pytest.importorskip("tensorstore", reason="tensorstore (ckpt-browser[orbax]) is not installed")

from ckpt_browser.core.base.errors import CheckpointError  # noqa: E402
from ckpt_browser.core.formats import orbax  # noqa: E402
from ckpt_browser.core.formats.orbax import open_orbax, scan_orbax  # noqa: E402

ORBAX = DATA / "orbax"
TRUTH = ORBAX / "truth"
ITEMS = sorted(p.parent.relative_to(TRUTH) for p in TRUTH.rglob("truth.json"))


def truth_of(item) -> dict:
    return json.loads((TRUTH / item / "truth.json").read_text())


def oracle_value(item, entry: dict) -> np.ndarray:
    return np.load(TRUTH / item / entry["npy"], allow_pickle=False)


def bits(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a)
    return a.view(np.uint16) if str(a.dtype) == "bfloat16" else a


@pytest.mark.parametrize("item", ITEMS, ids=str)
def test_every_array_as_orbax_restores_it(item):
    """Names (PyTree paths), shapes, dtypes, chunk shapes and values, bit for bit, for every array
    of every step of every fixture; the step folder opened as the scanner gives it."""
    step = ORBAX / item.parent
    if not (step / "_CHECKPOINT_METADATA").exists():  # an item saved alone (plain/item)
        step = ORBAX / item
    siblings = [p for p in ITEMS if p.parent == item.parent]
    prefix = f"{item.name}/" if len(siblings) > 1 else ""  # a step of several items: item/a/b
    truth = {prefix + name: entry for name, entry in truth_of(item).items()}
    reader = open_orbax(step)
    listed = {v.name: v for v in reader.variables()}
    assert {n for n in listed if n.startswith(prefix)} == set(truth)  # this item's arrays, all of them
    for name, entry in truth.items():
        assert listed[name].shape == tuple(entry["shape"]), name
        assert listed[name].dtype == entry["dtype"], name
        if entry["dtype"] == "string":  # a string leaf, from the item's _strings.json
            assert reader.read(name)[()] == entry["value"].encode(), name
            continue
        if entry["chunks"] is not None:
            assert reader.info(name).chunks == tuple(entry["chunks"]), name
        value = reader.read(name)
        assert str(value.dtype) == entry["dtype"], name
        np.testing.assert_array_equal(bits(value), oracle_value(item, entry), err_msg=name)
    assert reader.problems() == []


def test_an_item_folder_alone_reads_the_same():
    item = "manager/2/default"
    reader = open_orbax(ORBAX / item)
    truth = truth_of(item)
    assert {v.name for v in reader.variables()} == set(truth)
    np.testing.assert_array_equal(bits(reader.read("params/embed")), oracle_value(item, truth["params/embed"]))


def test_a_slice_reads_the_chunks_it_needs():
    item = "manager/2/default"
    reader = open_orbax(ORBAX / "manager" / "2")
    whole = oracle_value(item, truth_of(item)["params/big"])
    info = reader.info("params/big")
    assert info.chunks == (32, 32) and info.stored_chunks == 8 and info.compression == "zstd"
    np.testing.assert_array_equal(reader.read_slice("params/big", (slice(40, 70), 5)), whole[40:70, 5])


def test_steps_of_a_root_with_their_save_times():
    found = scan_orbax(ORBAX / "keras_fit")
    assert [f.step for f in found] == [8, 10, 12]  # max_to_keep=3 of steps 2..12
    for f in found:
        meta = json.loads((ORBAX / "keras_fit" / f.name / "_CHECKPOINT_METADATA").read_text())
        assert f.complete and f.problem is None
        assert f.timestamp == pytest.approx(meta["commit_timestamp_nsecs"] / 1e9)
    assert [f.step for f in scan_orbax(ORBAX / "keras_weights")] == [1, 2]
    assert [f.step for f in scan_orbax(ORBAX / "manager")] == [1, 2]
    assert [f.name for f in scan_orbax(ORBAX / "manager" / "2")] == ["2"]
    assert [(f.name, f.step) for f in scan_orbax(ORBAX / "composite")] == [("ckpt_5", 5), ("ckpt_6", 6)]
    assert [f.name for f in scan_orbax(ORBAX / "plain" / "item")] == ["item"]
    assert scan_orbax(ORBAX / "keras_pair") is None  # the model file and the Orbax folder beside it
    assert scan_orbax(DATA / "estimator" / "iris") is None


def test_a_step_being_written(tmp_path):
    """Orbax writes a step as N.orbax-checkpoint-tmp and renames it; on GCS the step has no
    commit_success.txt until done. Both are listed, not complete, and say so."""
    root = tmp_path / "run"
    shutil.copytree(ORBAX / "manager", root)
    shutil.copytree(root / "2", root / "3.orbax-checkpoint-tmp-1796637914")
    shutil.copytree(root / "2", root / "4")
    (root / "4" / "commit_success.txt").unlink()
    meta = json.loads((root / "4" / "_CHECKPOINT_METADATA").read_text())
    meta["commit_timestamp_nsecs"] = None
    (root / "4" / "_CHECKPOINT_METADATA").write_text(json.dumps(meta))
    found = {f.step: f for f in scan_orbax(root)}
    assert sorted(found) == [1, 2, 3, 4]
    assert found[2].complete and not found[3].complete and not found[4].complete
    assert "being written" in found[3].problem and "commit_success.txt" in found[4].problem


def test_keras_trees_get_the_kinds_of_a_keras_file():
    reader = open_orbax(ORBAX / "keras_fit" / "12")
    kinds = reader.kinds()
    names = {v.name for v in reader.variables()}
    assert set(kinds) == names
    model = {n for n, (k, _) in kinds.items() if k == "model"}
    assert model == {n for n in names if n.startswith(("trainable_variables/", "non_trainable_variables/"))}
    assert kinds["optimizer_variables/adam/small_dense_kernel_momentum"] == (
        "optimizer", "trainable_variables/small/dense/kernel")  # fmt: skip
    assert kinds["optimizer_variables/adam/iteration"] == ("optimizer", None)
    slots = [n for n, (k, owner) in kinds.items() if k == "optimizer" and owner]
    assert len(slots) == 2 * sum(n.startswith("trainable_variables/") for n in names)  # Adam: momentum, velocity
    assert kinds["metrics_variables/loss/total"][0] == "other"
    weights_only = open_orbax(ORBAX / "keras_weights" / "2")
    assert {k for k, _ in weights_only.kinds().values()} == {"model"}
    assert scan_orbax(ORBAX / "manager") and open_orbax(ORBAX / "manager" / "2").kinds() == {}


def test_a_jax_training_state_gets_the_kinds_optax_gives_it():
    """Flax's TrainState layout with optax's AdamW behind clipping: params are the model, every
    opt_state leaf is optimizer state, each of mu / nu tied to the parameter optax made it for
    (tests/data/orbax/truth/optax_owners.json, from optax's own state), step the global step."""
    import ckpt_browser as cb

    owners = json.loads((TRUTH / "optax_owners.json").read_text())
    ckpt = cb.open(ORBAX / "optax").latest
    by_name = {v.name: v for v in ckpt.variables}
    for name, v in by_name.items():
        if name.startswith("params/"):
            assert (v.kind, v.slot_of) == ("model", None), name
        elif name.startswith("opt_state/"):
            assert (v.kind, v.slot_of) == ("optimizer", owners.get(name)), name
    assert set(owners) <= set(by_name) and by_name["step"].kind == "global_step"


def test_without_tensorstore_one_line_says_what_to_install(monkeypatch):
    monkeypatch.setattr(orbax, "available", lambda: False)
    with pytest.raises(CheckpointError, match=r"needs tensorstore: pip install 'ckpt-browser\[orbax\]'"):
        open_orbax(ORBAX / "manager" / "2")


def test_numbered_folders_that_are_no_steps(tmp_path, monkeypatch):
    """A folder of numbered sub-folders (SavedModel exports, per-run folders) is no Orbax root, and
    telling so looks into a few of them, not all."""
    from ckpt_browser.core import storage

    for n in range(200):
        (tmp_path / str(n) / "assets").mkdir(parents=True)
    listed = []
    real = storage.list_dir
    monkeypatch.setattr(storage, "list_dir", lambda folder: listed.append(folder) or real(folder))
    assert scan_orbax(tmp_path) is None
    assert len(listed) < 30


def test_verify_reads_chunks_cut_short_at_the_edges(tmp_path):
    """An array whose shape the chunks do not divide (100 x 70 in 32 x 32 chunks, rewritten into the
    step's database with tensorstore): every chunk, the short ones at the edges too, is decoded."""
    ts = pytest.importorskip("tensorstore")
    root = tmp_path / "run"
    shutil.copytree(ORBAX / "manager", root)
    base = f"file://{root / '2' / 'default'}/"
    metadata = {"shape": [100, 70], "chunks": [32, 32], "dtype": "<f4", "compressor": {"id": "zstd", "level": 1}}
    spec = {"driver": "zarr", "kvstore": {"driver": "ocdbt", "base": base, "path": "params.big/"}, "metadata": metadata}
    values = np.arange(7000, dtype=np.float32).reshape(100, 70)
    ts.open(spec, create=True, delete_existing=True).result().write(values).result()
    reader = open_orbax(root / "2")
    assert reader.check("params/big", None, finite=True) == values.nbytes
    np.testing.assert_array_equal(reader.read_slice("params/big", (slice(90, 100), slice(60, 70))), values[90:, 60:])
