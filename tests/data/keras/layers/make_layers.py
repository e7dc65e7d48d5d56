"""Write tests/data/keras/layers/ with Keras 3 itself: weights files of layers that hold their weights
in sub-layers (the Keras 3 layout: an RNN's cell, Bidirectional's two LSTMs, MultiHeadAttention's projections, a custom
layer's attributes, a subclassed model's attributes) and of layers whose snake_case key is not their
class capitalised (conv2d: Conv2D, lstm: LSTM, re_lu: ReLU). Oracle: truth.json + values.npz, every
variable as Keras holds it (variable.path without the model's name; shape, dtype, value).

Writer: the project's venv (TensorFlow 2.21, Keras 3.15): /work/main/.venv/bin/python make_layers.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent


class Block(keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.proj = keras.layers.Dense(4)
        self.norm = keras.layers.LayerNormalization()

    def call(self, x):
        return self.norm(self.proj(x))


class Subclassed(keras.Model):
    def __init__(self):
        super().__init__(name="sub")
        self.first = keras.layers.Dense(4)
        self.block = Block()
        self.att = keras.layers.MultiHeadAttention(2, 2)
        self.bi = keras.layers.Bidirectional(keras.layers.LSTM(3))

    def call(self, x):
        h = self.block(self.first(x))
        return self.bi(self.att(h, h))


def recurrent():
    inp = keras.Input((6,), dtype="int32")
    x = keras.layers.Embedding(40, 8, name="tok")(inp)
    x = keras.layers.LSTM(5, return_sequences=True, name="rnn")(x)
    x = keras.layers.Conv1D(4, 3, name="c1")(x)
    x = keras.layers.SimpleRNN(3, return_sequences=True)(x)
    x = keras.layers.GRU(3, name="gru")(x)
    model = keras.Model(inp, keras.layers.Dense(2, name="out")(x), name="rnn_model")
    model.compile(optimizer="adam", loss="mse")
    rng = np.random.default_rng(0)
    model.fit(rng.integers(0, 40, (16, 6)), rng.random((16, 2)), epochs=1, verbose=0)
    return model


def convolutions():
    model = keras.Sequential(
        [
            keras.Input((8, 8, 3)),
            keras.layers.Conv2D(4, 3, padding="same"),
            keras.layers.BatchNormalization(),
            keras.layers.ReLU(),
            keras.layers.DepthwiseConv2D(3),
            keras.layers.SeparableConv2D(4, 3),
            keras.layers.Conv2DTranspose(2, 3),
            keras.layers.PReLU(),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(2),
        ],
        name="conv_model",
    )
    model.compile(optimizer="sgd", loss="mse")
    rng = np.random.default_rng(1)
    model.fit(rng.random((8, 8, 8, 3)), rng.random((8, 2)), epochs=1, verbose=0)
    return model


def main() -> None:
    keras.utils.set_random_seed(36)
    sub = Subclassed()
    sub(np.zeros((1, 5, 3), "float32"))
    models = {"subclassed.weights.h5": sub, "recurrent.keras": recurrent(), "conv.weights.h5": convolutions()}
    truth, values = {}, {}
    for name, model in models.items():
        model.save(HERE / name) if name.endswith(".keras") else model.save_weights(HERE / name)
        weights = {}
        for v in model.weights:
            path = v.path.removeprefix(f"{model.name}/")  # a Sequential's and a subclassed model's name
            key = f"{name}:{path}"
            values[key] = np.asarray(v.numpy())
            weights[path] = {"shape": list(v.shape), "dtype": str(v.dtype), "trainable": bool(v.trainable)}
        optimizer = getattr(model, "optimizer", None)
        if name.endswith(".keras") and optimizer is not None:  # Adam's slots, each beside its weight
            for var, m, v in zip(optimizer._trainable_variables, optimizer._momentums, optimizer._velocities):
                path = var.path.removeprefix(f"{model.name}/")
                values[f"{name}:optimizer/{path}/momentum"] = np.asarray(m.numpy())
                values[f"{name}:optimizer/{path}/velocity"] = np.asarray(v.numpy())
        classes = {  # every layer within the model, by its path, and its class
            layer.path.removeprefix(f"{model.name}/"): type(layer).__name__
            for layer in model._flatten_layers(include_self=False)
            if layer.path
        }
        truth[name] = {"keras": keras.__version__, "count_params": model.count_params(), "weights": weights,
                       "classes": classes}  # fmt: skip
    (HERE / "truth.json").write_text(json.dumps(truth, indent=1, sort_keys=True) + "\n")
    np.savez(HERE / "values.npz", **values)


if __name__ == "__main__":
    main()
