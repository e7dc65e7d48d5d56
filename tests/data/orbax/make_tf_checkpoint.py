"""Write tests/data/orbax/keras_pair/tf/ckpt: the same Keras model's tf.train.Checkpoint, by Keras 3
with the TensorFlow backend, from the model.weights.h5 Keras wrote beside the Orbax checkpoint
(make_fixtures.py). Run by `make fixtures-orbax` with the project's venv (TensorFlow); never
imported by the tests."""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ["KERAS_BACKEND"] = "tensorflow"

HERE = Path(__file__).resolve().parent / "keras_pair"


def main() -> int:
    import keras
    import tensorflow as tf

    # The model of make_fixtures.py, its layers named as that run named them (the third model it built).
    model = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(8, activation="relu", name="dense_4"),
         keras.layers.BatchNormalization(name="batch_normalization_2"), keras.layers.Dense(2, name="dense_5")],
        name="small",
    )  # fmt: skip
    model.compile(optimizer=keras.optimizers.Adam(name="adam_2"), loss="mse", metrics=["mae"])
    model.optimizer.build(model.trainable_variables)
    model.load_weights(str(HERE / "model.weights.h5"))
    tf.train.Checkpoint(model=model, optimizer=model.optimizer).write(str(HERE / "tf" / "ckpt"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
