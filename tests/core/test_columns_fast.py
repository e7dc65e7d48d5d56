"""The columns' fast paths against TensorFlow's own listing: keys rebuilt a word at a time
(shorter keys after longer ones, long shared prefixes), names found by scanning the rows, and
`ls` / `ls --json` written a chunk at a time (one join for a chunk of one kind, item by item for
a mixed one)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ckpt_browser.cli import listing as cli_listing
from ckpt_browser.cli import main
from ckpt_browser.core.formats import listing_io
from ckpt_browser.core.formats import reader as reader_module
from ckpt_browser.core.formats.bundle import BundleReader
from ckpt_browser.core.tf.tfimport import tf

LONG = "scope_with_a_long_name/" * 3
NAMES = sorted(
    [f"{LONG}{'x' * n}" for n in (1, 9, 17, 30)]  # one prefix, lengths across word boundaries
    + [f"{LONG}x/{k}" for k in range(40)]  # longer keys after shorter ones, shorter after longer
    + [f"net/layer_{i}/kernel" for i in range(60)]
    + [f"net/layer_{i}/kernel/Adam" for i in range(0, 60, 7)]  # optimizer slots among them
    + ["global_step", 'net/w\\quote"d', "net/wärme", "net/tab\tname", "z"]
)


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    prefix = tmp_path_factory.mktemp("fast") / "model.ckpt-3"
    t = tf()
    values = [t.constant(np.zeros((i % 3 + 1, 2), np.float32) if i % 5 else np.int64(i)) for i in range(len(NAMES))]
    t.raw_ops.SaveV2(prefix=str(prefix), tensor_names=NAMES, shape_and_slices=[""] * len(NAMES), tensors=values)
    return prefix


@pytest.fixture
def in_columns(monkeypatch):
    monkeypatch.setattr(listing_io, "COLUMNS_FROM", 0)
    monkeypatch.setattr(reader_module, "_cache", {})
    monkeypatch.setattr(cli_listing, "CHUNK", 7)  # many chunks: of one kind, and mixed


def _ls(capsys, *args) -> str:
    assert main(["ls", *args]) == 0
    return capsys.readouterr().out


def test_keys_rebuilt_as_tensorflow_lists_them(mixed, in_columns):
    listing = BundleReader(mixed).listing()
    assert listing is not None
    expected = tf().train.list_variables(str(mixed))
    assert listing.names() == [n for n, _ in expected]
    keys, lengths = listing.name_bytes()
    assert not any(keys[i, lengths[i] :].any() for i in range(len(lengths)))  # zeros past each name
    assert listing.rows_with(b"Adam").tolist() == [i for i, (n, _) in enumerate(expected) if "Adam" in n]
    assert listing.has(b"layer_59/kernel") and not listing.has(b"layer_60/") and not listing.has(b"Momentum")


def test_ls_in_chunks_lists_what_tensorflow_lists(mixed, in_columns, capsys):
    expected = tf().train.list_variables(str(mixed))
    dtypes = tf().train.load_checkpoint(str(mixed)).get_variable_to_dtype_map()
    doc = json.loads(_ls(capsys, "--json", str(mixed)))
    got = [(v["name"], v["shape"], v["dtype"]) for v in doc["variables"]]
    assert got == [(n, list(s), dtypes[n].name) for n, s in expected]
    kinds = {v["name"]: v["kind"] for v in doc["variables"]}
    assert kinds["net/layer_7/kernel/Adam"] == "optimizer" and kinds["global_step"] == "global_step"
    assert kinds["net/layer_7/kernel"] == "model"
    text = _ls(capsys, str(mixed)).split("\n")
    first = text.index(next(line for line in text if line.startswith("variable ")))
    rows = text[first + 1 : first + 1 + len(expected)]
    for line, (name, shape) in zip(rows, expected):
        assert line.startswith(name + " ") and f" {list(shape)} " in line, (line, name)
