"""Keras 3 models saved through tf.train.Checkpoint (TF 2.21): every variable's path, kind and
slot owner against what the writer said of it at write time (tests/data/keras3/*/truth.json,
written by make_fixtures.py from the writer's own objects), never against our own pairing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import ckpt_browser as cb
from ckpt_browser.core.formats.variables import OBJECT_GRAPH, VariableFilter, filtered_tree
from ckpt_browser.core.model_dir.contents import open_source, read_contents

DATA = Path(__file__).resolve().parents[1] / "data" / "keras3"
FOLDERS = sorted(p.parent for p in DATA.rglob("truth.json"))
KIND = {"model": "model", "optimizer": "optimizer", "step": "global_step", "save_counter": "other"}
SUFFIX = "/.ATTRIBUTES/VARIABLE_VALUE"
# The writers whose slot lists the object graph does not hold: Adafactor's _r/_c/_v are stored as
# empty lists, tf_keras' optimizer tracks no _trainable_variables. Their slots are optimizer state
# with no owner named (never a wrong one).
UNPAIRED = {"Adafactor", "tf_keras_adam"}


def cases():
    for folder in FOLDERS:
        doc = json.loads((folder / "truth.json").read_text())
        for name, truth in doc["checkpoints"].items():
            yield pytest.param(folder, name, truth, id=f"{folder.relative_to(DATA)}/{name}")


def _variables(folder: Path, name: str) -> dict[str, cb.Variable]:
    return {v.name: v for v in cb.open(str(folder)).checkpoint(name).variables}


@pytest.mark.parametrize(("folder", "name", "truth"), list(cases()))
def test_every_variable_as_the_writer_says(folder, name, truth):
    ours = _variables(folder, name)
    written = {v["key"]: v for v in truth["variables"]}
    assert set(ours) == set(written) | {OBJECT_GRAPH}  # the writer's account is complete, and so is ours
    keras3 = "tf_keras" not in folder.name
    for key, w in written.items():
        v = ours[key]
        assert v.kind == KIND[w["kind"]], key
        if w["kind"] == "model" and w["path"] and keras3:
            if w["attribute"]:  # a subclassed model's layer attribute (self.first = Dense(...))
                assert v.path == f"model/{w['attribute']}/{w['name']}", key
            elif not w["path"].startswith("tower/"):  # Sequential, functional: Keras' own variable.path
                assert v.path == "model/" + w["path"], key
            else:  # a layer in a plain list: the graph holds no path through the model to it
                assert v.path == key.removesuffix(SUFFIX), key
        elif w["kind"] == "model":  # tf.Module, tf_keras: the stored key is the user's path
            assert v.path == key.removesuffix(SUFFIX), key
        if w["kind"] == "optimizer" and w["path"] and keras3 and v.path != key.removesuffix(SUFFIX):
            assert v.path == f"optimizer/{w['path']}", key  # the optimizer's own name for it
        if w.get("owner_key") and not (UNPAIRED & {truth["optimizer"], folder.name}):
            assert v.slot_of == ours[w["owner_key"]].path, key
            assert v.slot == w["slot"].lstrip("_"), key
        elif w["kind"] == "optimizer":
            assert v.slot_of is None, key
        if key.removesuffix(SUFFIX) != v.path:
            assert key.removesuffix(SUFFIX) in v.other_paths  # the details pane offers the stored key


@pytest.mark.parametrize(("folder", "name", "truth"), list(cases()))
def test_totals_and_hide_optimizer_state(folder, name, truth):
    source = open_source(folder / name)
    contents = read_contents(source.checkpoint())
    assert contents.totals.model == truth["count_params"]  # model.count_params()
    optimizer = {v["key"] for v in truth["variables"] if v["kind"] == "optimizer"}
    assert contents.totals.optimizer == sum(_size(v["shape"]) for v in truth["variables"] if v["kind"] == "optimizer")
    shown = filtered_tree(contents.variables, VariableFilter(hide_optimizer=True)).shown
    assert {v.name for v in shown} == {v["key"] for v in truth["variables"]} - optimizer


def _size(shape) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


def test_a_slot_is_found_by_its_weight():
    """The details pane lists a weight's slots: Adam's momentum and velocity of each kernel."""
    from ckpt_browser.core.formats.variables import slots_of

    folder = DATA / "sequential_adam"
    truth = json.loads((folder / "truth.json").read_text())["checkpoints"]["ckpt-3"]
    contents = read_contents(open_source(folder).checkpoint("ckpt-3"))
    by_key = {v.name: v for v in contents.variables}
    for w in (v for v in truth["variables"] if v["kind"] == "model" and v["trainable"]):
        weight = by_key[w["key"]]
        mine = {o.name for o in slots_of(contents.variables, weight.display_name)}
        assert mine == {v["key"] for v in truth["variables"] if v.get("owner_key") == w["key"]}
        assert len(mine) == 2


def test_read_by_path():
    """The API reads a variable by the path it shows (and still by the stored key)."""
    ckpt = cb.open(str(DATA / "functional_sgd")).latest
    import numpy as np

    by_path = ckpt.read("model/encoder/kernel")
    np.testing.assert_array_equal(by_path, ckpt.read("optimizer/_trainable_variables/0/.ATTRIBUTES/VARIABLE_VALUE"))


def test_ls_json_gives_path_beside_the_stored_name(capsys):
    from ckpt_browser.cli import main

    folder = DATA / "step_nadam"
    truth = json.loads((folder / "truth.json").read_text())["checkpoints"]["ckpt-4"]
    assert main(["ls", "--json", str(folder)]) == 0
    listed = {v["name"]: v for v in json.loads(capsys.readouterr().out)["variables"]}
    api = _variables(folder, "ckpt-4")
    for w in truth["variables"]:
        v = listed[w["key"]]  # name stays the stored key
        assert (v["path"], v["kind"]) == (api[w["key"]].path, KIND[w["kind"]])
        if w.get("owner_key"):
            assert (v["slot_of"], v["slot"]) == (listed[w["owner_key"]]["path"], w["slot"].lstrip("_"))
    assert listed["step/.ATTRIBUTES/VARIABLE_VALUE"]["path"] == "step"


def test_diff_pairs_two_checkpoints_of_one_model_by_path():
    """ckpt-1 was saved before the optimizer was built (weights under model/_functional/...),
    ckpt-3 after (under optimizer/_trainable_variables/N): every weight pairs with itself."""
    folder = DATA / "sequential_adam"
    doc = json.loads((folder / "truth.json").read_text())["checkpoints"]
    record = cb.diff(folder / "ckpt-1", folder / "ckpt-3")
    rows = {r["name"]: r for r in record["variables"]}
    b_of = {}  # the writer's key of each of its variables in ckpt-3, by (kind, Keras path)
    for w in doc["ckpt-3"]["variables"]:
        b_of[(w["kind"], w["path"])] = w["key"]
    for w in doc["ckpt-1"]["variables"]:
        row = rows[w["key"]]
        assert row["status"] in ("same", "changed"), w["key"]
        assert row["name_b"] == b_of[(w["kind"], w["path"])], w["key"]
        if w["kind"] == "model":  # shown by the path the user knows
            assert row["path"] == "model/" + w["path"], w["key"]
    only_b = {r["name_b"] for r in rows.values() if r["status"] == "only_b"}
    assert only_b == {w["key"] for w in doc["ckpt-3"]["variables"] if w.get("owner_key")}  # the new slots


def test_health_weights_in_slots_out_and_linked_by_path():
    """Health by default: the model's weights (the writer's model.weights), none of its optimizer's;
    a weight stored under a new key once the optimizer was built is still one series."""
    from ckpt_browser.core.values.health import health

    folder = DATA / "sequential_adam"
    doc = json.loads((folder / "truth.json").read_text())["checkpoints"]
    infos = [c for c in open_source(folder).model_dir.checkpoints if c.name in doc]
    report = health(infos, spectral=False, workers=1)
    for c in report.checkpoints:
        weights = {w["key"] for w in doc[c.name]["variables"] if w["kind"] == "model"}
        assert {h.name for h in c.variables} == weights
    kernel = {c.name: {h.name: h for h in c.variables} for c in report.checkpoints}
    key_2 = next(w["key"] for w in doc["ckpt-2"]["variables"] if w["path"] == "seq/hidden/kernel")
    assert key_2 not in kernel["ckpt-1"]  # stored under another key before the optimizer was built
    assert kernel["ckpt-2"][key_2].update_ratio is not None  # compared with ckpt-1's kernel all the same


def _h5_truth():
    """ckpt-3 and the model.weights.h5 the writer saved right after it (same model, same values)."""
    folder = DATA / "sequential_adam"
    truth = json.loads((folder / "truth.json").read_text())["checkpoints"]["ckpt-3"]
    # The file names a weight by its layer and own name (Keras' path less the model's name) and an
    # optimizer variable by its index in optimizer.variables (the writer listed them in that order).
    order = [w["key"] for w in truth["variables"] if w["kind"] == "optimizer"]
    return folder, truth, order


def test_check_against_its_weights_h5_pairs_every_variable():
    from ckpt_browser.core.checks.mismatch import compare, path_expected

    folder, truth, _ = _h5_truth()
    info = open_source(folder).checkpoint("ckpt-3")
    result = compare(info, path_expected(folder / "model.weights.h5"))
    assert result.findings == []
    written = {w["key"] for w in truth["variables"] if w["kind"] in ("model", "optimizer")}
    assert set(result.compatible) == written  # every weight and every slot, each with its own
    assert (
        cb.check(str(folder / "ckpt-3"), against=str(folder / "model.weights.h5"))["checkpoints"][0]["status"] == "ok"
    )


def test_diff_against_its_weights_h5_pairs_every_variable():
    from ckpt_browser.core.formats.keras import KerasFile
    from ckpt_browser.core.values.diff import diff_checkpoints

    folder, truth, order = _h5_truth()
    diff = diff_checkpoints(folder / "ckpt-3", folder / "model.weights.h5")
    rows = {r.name: r for r in diff.rows}
    h5path = {e.name: e.h5path.lstrip("/") for e in KerasFile(folder / "model.weights.h5").entries}
    for w in truth["variables"]:
        row = rows[w["key"]]
        if w["kind"] == "model":
            assert row.name_b == w["path"].split("/", 1)[1], w["key"]
            assert row.display_name == f"model/{w['path']} = {row.name_b}", w["key"]
        elif w["kind"] == "optimizer":
            assert h5path[row.name_b or row.name].endswith(f"optimizer/vars/{order.index(w['key'])}"), w["key"]
        else:
            assert row.status == "only_a"  # save_counter: the checkpoint's own
            continue
        assert row.status == "same", w["key"]  # the writer saved the same values in both


def test_history_follows_a_weight_whose_key_changes():
    """History of the kernel selected in ckpt-3 (stored under optimizer/_trainable_variables/0)
    has ckpt-1's value too, where it was stored under model/_functional/...; each value is that of
    the key the writer gave it there (read as tests/core/test_bundle.py holds equal to TensorFlow's)."""
    import numpy as np

    from ckpt_browser.core.values.history import variable_history

    folder = DATA / "sequential_adam"
    doc = json.loads((folder / "truth.json").read_text())["checkpoints"]
    infos = [c for c in open_source(folder).model_dir.checkpoints if c.name in doc]
    key = {n: next(w["key"] for w in c["variables"] if w["path"] == "seq/hidden/kernel") for n, c in doc.items()}
    assert key["ckpt-1"] != key["ckpt-3"]
    h = variable_history(infos, key["ckpt-3"], "L2 norm")
    assert h.names == sorted(doc) and not h.skipped
    for n, got in zip(h.names, h.values):
        want = np.linalg.norm(cb.open(str(folder)).checkpoint(n).read(key[n]))
        assert got == pytest.approx(float(want), rel=1e-6)


def test_a_damaged_object_graph_leaves_the_names_as_stored():
    """Truncated or flipped graph bytes: read_roles gives roles or None (names read off the keys),
    never an exception."""
    import random

    import numpy as np

    from ckpt_browser.core.formats.bundle import BundleReader
    from ckpt_browser.core.formats.object_graph import read_roles

    real = BundleReader(DATA / "step_nadam" / "ckpt-4")
    graph = bytes(real.read(OBJECT_GRAPH).reshape(-1)[0])

    class Damaged:
        def __init__(self, buf):
            self.buf = buf

        def entry_info(self, name):
            return real.entry_info(name)

        def variables(self):
            return real.variables()

        def read(self, name):
            return np.array([self.buf], dtype=object)

    rng = random.Random(0)
    outcomes = set()
    for _ in range(300):
        buf = bytearray(graph)
        if rng.random() < 0.5:
            buf = buf[: rng.randrange(len(buf))]
        else:
            for _ in range(rng.randrange(1, 8)):
                buf[rng.randrange(len(buf))] = rng.randrange(256)
        got = read_roles(Damaged(bytes(buf)))
        outcomes.add(got is None)
    assert outcomes == {True, False}  # some damage is refused, some still decodes
    assert read_roles(Damaged(graph)) == read_roles(real)


def test_compare_finds_a_weight_stored_under_another_key_in_the_other_checkpoint():
    """The Compare tab: ckpt-1 (before training) stores seq/hidden/kernel under the model's path,
    ckpt-3 under the optimizer's once it was built. The keys and values are the writer's
    (truth.json, TensorFlow's own reader); comparing by the stored key alone found nothing."""
    import json

    import numpy as np

    from ckpt_browser.core.tf.tfimport import tf
    from ckpt_browser.core.values.history import compare_variable

    folder = DATA / "sequential_adam"
    truth = json.loads((folder / "truth.json").read_text())["checkpoints"]
    key = {
        c: next(v["key"] for v in truth[c]["variables"] if v["path"] == "seq/hidden/kernel")
        for c in ("ckpt-1", "ckpt-3")
    }
    assert key["ckpt-1"] != key["ckpt-3"]  # the case: the writer moved it
    a = tf().train.load_checkpoint(str(folder / "ckpt-3")).get_tensor(key["ckpt-3"])
    b = tf().train.load_checkpoint(str(folder / "ckpt-1")).get_tensor(key["ckpt-1"])
    listed = {v.name: v for v in read_contents(open_source(folder).checkpoint("ckpt-3")).variables}
    path = listed[key["ckpt-3"]].display_name  # what the window passes: the variable as the tree shows it
    c = compare_variable(a, folder / "ckpt-1", key["ckpt-3"], "ckpt-1", b_is_newer=False, path=path)
    assert c.diff is not None, c.problem
    # b is older: the difference is a - b, as numpy computes it from TensorFlow's own reads
    assert c.diff.max_abs_diff == pytest.approx(float(np.max(np.abs(a - b)))) and not c.diff.equal
