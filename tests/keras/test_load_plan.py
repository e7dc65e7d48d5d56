"""Will these weights load into that model? The plan against what Keras' load_weights does."""

from __future__ import annotations

import numpy as np
import pytest

from ckpt_browser.core.checks.keras_load import OK, SHAPE, load_plan
from ckpt_browser.core.formats.reader import open_checkpoint as open_model_file


@pytest.fixture(scope="module")
def variants(keras_files, tmp_path_factory):
    """The same layers with a wider hidden layer, and a model with one layer fewer."""
    import keras

    folder = tmp_path_factory.mktemp("variants")
    inp = keras.Input((4,), name="features")
    x = keras.layers.Dense(16, activation="relu", name="hidden")(inp)
    x = keras.layers.BatchNormalization(name="bn")(x)
    out = keras.layers.Dense(3, activation="softmax", name="probs")(x)
    keras.Model(inp, out).save(folder / "wider.keras")
    small = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, name="probs")])
    small.save(folder / "small.keras")
    return folder


def _keras_loads(model_file, weights_file) -> bool:
    import keras

    model = keras.models.load_model(model_file, compile=False)
    try:
        model.load_weights(weights_file)
    except ValueError:
        return False
    return True


def test_the_same_architecture_loads_and_keras_agrees(keras_files):
    folder, model = keras_files
    for weights in ("model.weights.h5", "legacy.h5"):
        plan = load_plan(open_model_file(folder / weights), open_model_file(folder / "model.keras"))
        assert plan.loads and [p.status for p in plan.pairs] == [OK, OK, OK], plan
        assert _keras_loads(folder / "model.keras", folder / weights)


def test_a_wider_layer_is_a_shape_mismatch_and_keras_refuses(keras_files, variants):
    folder, _ = keras_files
    plan = load_plan(open_model_file(folder / "model.weights.h5"), open_model_file(variants / "wider.keras"))
    assert not plan.loads
    bad = {p.model_layer: p for p in plan.pairs if p.status != OK}
    assert set(bad) == {"hidden", "bn", "probs"} and bad["hidden"].status == SHAPE
    assert "kernel: model [4, 16], file [4, 8]" in bad["hidden"].detail
    assert "skip_mismatch=True" in plan.advice[0]
    assert not _keras_loads(variants / "wider.keras", folder / "model.weights.h5")


def test_a_legacy_file_into_fewer_layers_fails_by_count_as_keras_says(keras_files, variants):
    folder, _ = keras_files
    plan = load_plan(open_model_file(folder / "legacy.h5"), open_model_file(variants / "small.keras"))
    assert plan.error == "you are trying to load a weight file containing 3 layers into a model with 1 layers"
    first = plan.pairs[0]  # by position: the model's only layer meets the file's first
    assert (first.model_layer, first.file_layer, first.status) == ("probs", "hidden", SHAPE)
    assert "by_name=True" in plan.advice[0]
    assert not _keras_loads(variants / "small.keras", folder / "legacy.h5")
    assert np.all(np.isfinite(open_model_file(folder / "legacy.h5").read("hidden/kernel")))
