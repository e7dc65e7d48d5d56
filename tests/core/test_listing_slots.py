"""A big TF1 checkpoint's optimizer slots told in columns (formats/listing_kinds.py): which
variable each slot belongs to, as the optimizer that made it says (`get_slot`), and `ls` byte for
byte as the per-variable records print it -- also when slots are most of the names (a model
trained with Adam: two slots per weight), where they are found by numpy, not one by one."""

from __future__ import annotations

import numpy as np
import pytest

from ckpt_browser.cli import main
from ckpt_browser.core.formats import listing_io
from ckpt_browser.core.formats import reader as reader_module
from ckpt_browser.core.model_dir.contents import read_contents
from ckpt_browser.core.model_dir.scan import scan_model_dir
from ckpt_browser.core.storage import locate
from ckpt_browser.core.tf.tfimport import tf

OPTIMIZERS = {  # scope -> TF1 optimizer: each writes its own slot names
    "adam": lambda v1: v1.train.AdamOptimizer(0.1),
    "momentum": lambda v1: v1.train.MomentumOptimizer(0.1, 0.9),
    "rmsprop": lambda v1: v1.train.RMSPropOptimizer(0.1),
    "adagrad": lambda v1: v1.train.AdagradOptimizer(0.1),
    "ftrl": lambda v1: v1.train.FtrlOptimizer(0.1),
    "adadelta": lambda v1: v1.train.AdadeltaOptimizer(0.1),
}


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A Saver checkpoint of one training step of several small models, each with its own TF1
    optimizer, and every slot's owner as the optimizer reports it."""
    t = tf()
    v1 = t.compat.v1
    out = tmp_path_factory.mktemp("slots")
    owners: dict[str, str] = {}
    with t.Graph().as_default():
        steps = []
        for scope, make in OPTIMIZERS.items():
            with v1.variable_scope(scope):
                x = v1.constant(np.ones((4, 3), np.float32))
                h = x
                weights = []
                for layer in range(40):  # enough slots that numpy finds them (listing.py: _FEW)
                    w = v1.get_variable(f"dense_{layer}/kernel", initializer=np.eye(3, dtype=np.float32))
                    b = v1.get_variable(f"dense_{layer}/bias", initializer=np.zeros(3, np.float32))
                    h = v1.matmul(h, w) + b
                    weights += [w, b]
                opt = make(v1)
                steps.append(opt.minimize(v1.reduce_sum(h), var_list=weights))
                for w in weights:
                    for slot in opt.get_slot_names():
                        owners[opt.get_slot(w, slot).op.name] = w.op.name
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            sess.run(steps)
            v1.train.Saver().save(sess, str(out / "model.ckpt"), global_step=1)
    return out, owners


def test_each_slot_belongs_to_the_variable_its_optimizer_made_it_for(trained, monkeypatch):
    out, owners = trained
    monkeypatch.setattr(listing_io, "COLUMNS_FROM", 0)  # the columns, however small the index
    monkeypatch.setattr(reader_module, "_cache", {})
    info = scan_model_dir(locate(out)).default_checkpoint()
    contents = read_contents(info, lazy=True)
    assert type(contents.variables).__name__ == "ListedVariables"
    got = {v.name: v for v in contents.variables}
    assert sorted(got) == sorted(n for n, _ in tf().train.list_variables(str(info.prefix)))
    assert len(owners) > 4096 // 8  # hundreds of slots
    for slot, owner in owners.items():
        assert got[slot].kind == "optimizer" and got[slot].slot_of == owner, slot
    for name, v in got.items():
        if name not in owners and "power" not in name and "global_step" not in name:
            assert v.kind == "model" and v.slot_of is None, name
    # The window asks a variable for its slots.
    kernel = "adam/dense_3/kernel"
    assert sorted(s.name for s in contents.variables.slots_of(kernel)) == sorted(
        s for s, o in owners.items() if o == kernel
    )


def _ls(capsys, *args) -> str:
    assert main(["ls", *args]) == 0
    return capsys.readouterr().out


def _write_dense_slots(prefix, n: int) -> list[str]:
    """n weights trained with Adam, as a TF1 checkpoint names them (kernel, kernel/Adam,
    kernel/Adam_1), and names that only look like slots."""
    names = []
    for i in range(n):
        base = f"tower_{i // 100}/dense_{i % 100}/kernel"
        names += [base, f"{base}/Adam", f"{base}/Adam_1"]
    names += ["orphan/Adam", "Adam", "x/Adamant", "x/Adam_10", "training/Adam/tower_0/dense_0/kernel/m",
              "Adam/w", "tower_0/dense_0/kernel/Adam/Adam"]  # fmt: skip
    t = tf()
    values = [
        t.constant(np.float32(i)) if i % 3 else t.constant(np.ones((2, 3), np.float32)) for i in range(len(names))
    ]
    t.raw_ops.SaveV2(prefix=str(prefix), tensor_names=names, shape_and_slices=[""] * len(names), tensors=values)
    return names


def test_ls_of_a_checkpoint_mostly_slots_in_columns_prints_what_the_records_print(tmp_path, capsys, monkeypatch):
    prefix = tmp_path / "model.ckpt-1"
    _write_dense_slots(prefix, 3000)  # 6,000 slots: more hits than listing.py finds one by one
    monkeypatch.setattr(reader_module, "_cache", {})
    records_text, records_json = _ls(capsys, str(prefix)), _ls(capsys, "--json", str(prefix))
    monkeypatch.setattr(listing_io, "COLUMNS_FROM", 0)
    monkeypatch.setattr(reader_module, "_cache", {})
    assert _ls(capsys, str(prefix)) == records_text
    assert _ls(capsys, "--json", str(prefix)) == records_json
    # The same slots and owners in the window's listing as in the records.
    info = scan_model_dir(locate(tmp_path)).default_checkpoint()
    listed = {v.name: (v.kind, v.slot_of) for v in read_contents(info, lazy=True).variables}
    monkeypatch.setattr(listing_io, "COLUMNS_FROM", 10**9)
    monkeypatch.setattr(reader_module, "_cache", {})
    records = {v.name: (v.kind, v.slot_of) for v in read_contents(info).variables}
    assert listed == records
    assert listed["tower_0/dense_0/kernel/Adam_1"] == ("optimizer", "tower_0/dense_0/kernel")
    assert listed["orphan/Adam"] == ("optimizer", None)  # no variable "orphan"
    assert listed["x/Adamant"] == ("model", None) and listed["x/Adam_10"] == ("model", None)


def test_names_holding_a_needle_found_by_numpy_are_the_names_holding_it(tmp_path, monkeypatch):
    """listing.rows_with over many hits (numpy) and over few (find, one by one) against the names
    TensorFlow lists, with the widest name followed by one that goes on with the needle."""
    prefix = tmp_path / "model.ckpt-1"
    names = _write_dense_slots(prefix, 1600)
    widest = max(len(n) for n in names)
    extra = ["al" + "z" * widest + "Ad", "am/w"]  # neighbours: "...Ad" + "am/w" only across two rows
    t = tf()
    all_names = names + extra
    values = [t.constant(np.float32(i)) for i in range(len(all_names))]
    t.raw_ops.SaveV2(prefix=str(prefix), tensor_names=all_names, shape_and_slices=[""] * len(all_names), tensors=values)
    monkeypatch.setattr(listing_io, "COLUMNS_FROM", 0)
    monkeypatch.setattr(reader_module, "_cache", {})
    listing = reader_module.open_checkpoint(prefix).listing()
    listed = [n for n, _ in tf().train.list_variables(str(prefix))]
    assert listed[listed.index(extra[0]) + 1] == "am/w"
    for needle in (b"Adam", b"Adam_1", b"kernel", b"/", b"tower_1", b"am/w", b"zAd", b"nothing"):
        want = [i for i, n in enumerate(listed) if needle.decode() in n]
        assert listing.rows_with(needle).tolist() == want, needle
        assert listing._rows_holding(needle).tolist() == want, needle
