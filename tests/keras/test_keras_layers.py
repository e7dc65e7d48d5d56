"""Keras 3 weights of layers that keep them in sub-layers (an RNN's cell, Bidirectional, MultiHeadAttention,
a custom layer's or a subclassed model's attributes) and of layers whose file key is not their class
capitalised (conv2d, re_lu): every weight Keras holds is listed under Keras' own path, with its shape,
dtype and value. Oracle: tests/data/keras/layers/truth.json and values.npz, written by Keras 3 from the
models themselves (make_layers.py)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ckpt_browser.core.formats.keras import KerasFile

DATA = Path(__file__).parents[1] / "data" / "keras" / "layers"
TRUTH = json.loads((DATA / "truth.json").read_text())
VALUES = np.load(DATA / "values.npz")


@pytest.mark.parametrize("name", sorted(TRUTH))
def test_every_weight_is_listed_under_keras_path_with_its_value(name):
    want = TRUTH[name]["weights"]
    f = KerasFile(DATA / name)
    model = {e.name: e for e in f.entries if e.kind == "model"}
    assert sorted(model) == sorted(want)
    for path, w in want.items():
        assert (list(model[path].shape), model[path].dtype) == (w["shape"], w["dtype"]), path
        np.testing.assert_array_equal(f.read(path), VALUES[f"{name}:{path}"], err_msg=path)
    assert sum(layer.params for layer in f.layers) == truth_count(name)
    classes = TRUTH[name]["classes"]
    shown = {layer.name: layer.class_name for layer in f.layers if layer.name in classes}
    assert shown == {n: classes[n] for n in shown}  # conv2d is Conv2D, re_lu ReLU, cell LSTMCell
    assert {w.rsplit("/", 1)[0] for w in want} <= set(shown)  # every layer holding weights


def truth_count(name: str) -> int:
    return TRUTH[name]["count_params"]


def test_the_optimizer_slots_of_cell_weights_are_named_after_them():
    """recurrent.keras (its config gives the model's order): Adam's momentum and velocity of each
    trainable weight, the cells' included, are named after that weight and hold the values Keras'
    optimizer kept for it."""
    f = KerasFile(DATA / "recurrent.keras")
    trainable = [p for p, w in TRUTH["recurrent.keras"]["weights"].items() if w["trainable"]]
    slots = {e.name: e for e in f.entries if e.kind == "optimizer" and e.slot_of}
    assert sorted(e.slot_of for e in slots.values()) == sorted(2 * trainable)
    for path in trainable:
        for slot in ("momentum", "velocity"):
            got = f.read(f"optimizer/adam/{path}/{slot}")
            np.testing.assert_array_equal(got, VALUES[f"recurrent.keras:optimizer/{path}/{slot}"], err_msg=path)
