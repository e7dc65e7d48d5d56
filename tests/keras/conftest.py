"""Keras files written in the test session by Keras 3 itself (the keras TensorFlow installs)."""

from __future__ import annotations

import os

import numpy as np
import pytest


@pytest.fixture(scope="session")
def keras_files(tmp_path_factory):
    """A trained functional model saved three ways, and the model itself (the oracle)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from ckpt_browser.core.tfimport import tf

    tf()  # the quiet import first: keras imports TensorFlow too
    import keras

    folder = tmp_path_factory.mktemp("keras")
    keras.utils.set_random_seed(0)
    inp = keras.Input((4,), name="features")
    x = keras.layers.Dense(8, activation="relu", name="hidden")(inp)
    x = keras.layers.BatchNormalization(name="bn")(x)
    out = keras.layers.Dense(3, activation="softmax", name="probs")(x)
    model = keras.Model(inp, out, name="iris_net")
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(0)
    model.fit(rng.random((64, 4)), rng.integers(0, 3, 64), epochs=2, verbose=0)
    model.save(folder / "model.keras")
    model.save_weights(folder / "model.weights.h5")
    model.save(folder / "legacy.h5")
    return folder, model
