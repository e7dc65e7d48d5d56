"""Keras files written in the test session by Keras 3 itself (the keras TensorFlow installs)."""

from __future__ import annotations

import os

import numpy as np
import pytest


@pytest.fixture(scope="session")
def keras_files(tmp_path_factory):
    """A trained functional model saved three ways, and the model itself (the oracle)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from ckpt_browser.core.tf.tfimport import tf

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


@pytest.fixture(scope="session")
def pitfalls(tmp_path_factory, keras_files):
    import keras

    folder = tmp_path_factory.mktemp("pitfalls")
    rng = np.random.default_rng(1)

    def my_loss(y, p):
        return keras.ops.mean((y - p) ** 2)

    @keras.saving.register_keras_serializable(package="my_pkg")
    class Scale(keras.layers.Layer):
        def call(self, x):
            return x * 2.0

    custom = keras.Sequential([
        keras.Input((3,)), keras.layers.Dense(4, name="d"),
        keras.layers.Lambda(lambda x: x + 1, name="plus_one"), Scale(name="scale"), keras.layers.Dense(1, name="out"),
    ])  # fmt: skip
    custom.compile(optimizer="sgd", loss=my_loss, metrics=["accuracy"])
    custom.fit(rng.random((8, 3)), rng.random((8, 1)), epochs=1, verbose=0)
    custom.save(folder / "custom.keras")

    fresh = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, name="d"), keras.layers.Dense(2, name="out")])
    fresh.compile(optimizer="adam", loss="mse")
    fresh.save(folder / "fresh.keras")  # compiled, never trained

    multi = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3, activation="sigmoid", name="labels")])
    multi.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    multi.fit(rng.random((8, 3)), (rng.random((8, 3)) > 0.5).astype("float32"), epochs=1, verbose=0)
    multi.save(folder / "multilabel.keras")
    return folder, keras_files[0]


from tests.ui.conftest import window  # noqa: E402, F401 - the GUI tests here use the real window fixture
