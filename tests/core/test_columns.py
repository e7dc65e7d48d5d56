"""A big index read into columns (formats/index_columns.py, listing.py) gives what TensorFlow and
the per-entry path give: names, shapes, dtypes, values, and `ls` / `ls --json` byte for byte."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ckpt_browser.cli import main
from ckpt_browser.core.formats import listing_io
from ckpt_browser.core.formats import reader as reader_module
from ckpt_browser.core.formats.bundle import BundleReader
from ckpt_browser.core.formats.listing_kinds import PREFIXES, _markers
from ckpt_browser.core.formats.variables import _COUNTERS, _SLOT_MARK, _SPECIAL_LAST, _SPECIAL_PREFIXES, OBJECT_GRAPH
from ckpt_browser.core.tf.tfimport import tf

NAMES = [
    "dense/kernel", "dense/kernel/Adam", "dense/kernel/Adam_1", "dense/bias", "dense/bias/Momentum",
    "beta1_power", "global_step", "ema/w/ExponentialMovingAverage", "ema/w",
    "model/layer/.ATTRIBUTES/VARIABLE_VALUE", "optimizer/iter/.ATTRIBUTES/VARIABLE_VALUE",
    "model/layer/.OPTIMIZER_SLOT/optimizer/m/.ATTRIBUTES/VARIABLE_VALUE", "save_counter/.ATTRIBUTES/VARIABLE_VALUE",
    "training/Adam/dense/kernel/m", "bert/pooler/dense/kernel/adam_m", "wärme/αβγ", 'quote"d\\name', "tab\tname",
]  # fmt: skip


def _write(prefix, names: list[str], extra: int = 3000) -> None:
    t = tf()
    names = names + [f"block_{i // 100}/layer_{i % 100}/w" for i in range(extra)]
    values = []
    for i, _ in enumerate(names):
        kind = i % 4
        if kind == 0:
            values.append(t.constant(np.float32(i)))
        elif kind == 1:
            values.append(t.constant(np.arange(i % 7 + 1, dtype=np.int64)))
        elif kind == 2:
            values.append(t.constant(np.ones((2, i % 5 + 1), np.float16)))
        else:
            values.append(t.constant([b"x" * (i % 3), b"y"]))
    t.raw_ops.SaveV2(prefix=str(prefix), tensor_names=names, shape_and_slices=[""] * len(names), tensors=values)


@pytest.fixture
def columns_always(monkeypatch):
    monkeypatch.setattr(listing_io, "COLUMNS_FROM", 0)
    monkeypatch.setattr(reader_module, "_cache", {})


@pytest.fixture(scope="module")
def varied(tmp_path_factory):
    prefix = tmp_path_factory.mktemp("varied") / "model.ckpt-7"
    _write(prefix, NAMES)
    return prefix


def test_listing_matches_tensorflow(varied, written, iris_dir, columns_always):
    prefixes = [varied, *(tf().train.latest_checkpoint(str(written[k])) for k in ("saver", "object", "sharded",
                "partitioned", "dtypes")), tf().train.latest_checkpoint(str(iris_dir))]  # fmt: skip
    for prefix in prefixes:
        r = BundleReader(prefix)
        assert r.listing() is not None, prefix
        tf_reader = tf().train.load_checkpoint(str(prefix))
        expected = tf().train.list_variables(str(prefix))
        got = r.variables()
        assert [(v.name, list(v.shape)) for v in got] == [(n, list(s)) for n, s in expected]
        dtypes = tf_reader.get_variable_to_dtype_map()
        for v in got:
            want = "string" if dtypes[v.name] == tf().string else dtypes[v.name].name
            assert v.dtype == want, v.name
        for v in got[:: max(1, len(got) // 200)]:  # values through the columns' lookups
            np.testing.assert_array_equal(r.read(v.name), tf_reader.get_tensor(v.name))
        assert r.truncation() is None


def _ls(capsys, *args) -> str:
    assert main(["ls", *args]) == 0
    return capsys.readouterr().out


def test_ls_in_columns_prints_what_the_records_print(varied, capsys, monkeypatch):
    prefix = str(varied)
    monkeypatch.setattr(reader_module, "_cache", {})
    records_text, records_json = _ls(capsys, prefix), _ls(capsys, "--json", prefix)
    monkeypatch.setattr(listing_io, "COLUMNS_FROM", 0)
    monkeypatch.setattr(reader_module, "_cache", {})
    assert BundleReader(prefix).listing() is not None
    assert _ls(capsys, prefix) == records_text
    assert _ls(capsys, "--json", prefix) == records_json
    doc = json.loads(records_json)
    kinds = {v["name"]: v["kind"] for v in doc["variables"]}
    assert kinds["dense/kernel/Adam"] == "optimizer" and kinds["global_step"] == "global_step"
    assert kinds["ema/w/ExponentialMovingAverage"] == "ema" and kinds['quote"d\\name'] == "model"
    assert [v["name"] for v in doc["variables"]] == [n for n, _ in tf().train.list_variables(prefix)]


def test_names_the_columns_cannot_hold_take_the_per_entry_path(tmp_path, capsys, monkeypatch):
    prefix = tmp_path / "model.ckpt-1"
    _write(prefix, ["line\nbreak", "plain"], extra=50)
    monkeypatch.setattr(reader_module, "_cache", {})
    before = _ls(capsys, str(prefix))
    monkeypatch.setattr(listing_io, "COLUMNS_FROM", 0)
    monkeypatch.setattr(reader_module, "_cache", {})
    assert BundleReader(prefix).listing() is None
    assert _ls(capsys, str(prefix)) == before


def test_damaged_index_in_columns_says_what_the_records_say(varied, tmp_path, monkeypatch):
    data = bytearray(open(str(varied) + ".index", "rb").read())
    data[100] ^= 0xFF  # inside the first data block
    bad = tmp_path / "model.ckpt-7"
    (tmp_path / "model.ckpt-7.index").write_bytes(bytes(data))
    with pytest.raises(Exception) as records:
        BundleReader(bad)
    monkeypatch.setattr(listing_io, "COLUMNS_FROM", 0)
    with pytest.raises(Exception) as columns:
        BundleReader(bad)
    assert str(columns.value) == str(records.value) and "checksum mismatch" in str(records.value)


def test_markers_cover_every_rule_of_classify():
    """A name without any marker is a model variable: each special name must hold one."""
    markers = _markers()
    for word in [*_SPECIAL_LAST, *_COUNTERS, OBJECT_GRAPH, _SLOT_MARK.strip("/"), "beta1_power"]:
        assert any(m in word for m in markers), word
    assert {p.decode() for p in PREFIXES} == set(_SPECIAL_PREFIXES) | {"opt/"}
