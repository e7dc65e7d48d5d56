"""Write tests/data/orbax/keras_restored/: a Keras model whose TensorFlow checkpoint names its weights
without the model's name. Two writers, two venvs:

1. ``orbax`` (the Orbax venv: JAX on CPU, Keras with the JAX backend): a Sequential Conv2D /
   DepthwiseConv2D / Dense model, trained one epoch with keras.callbacks.OrbaxCheckpoint
   (save_weights_only, max_to_keep=1) into orbax/, and saved whole as model.keras.
2. ``tf`` (the project's venv: TensorFlow 2.21, Keras 3): that model.keras loaded by
   keras.models.load_model and written by tf.train.Checkpoint(model=...) into tf/ckpt -- its object
   graph gives the weights as model/conv2d/kernel, where Keras' Orbax tree has
   trainable_variables/sequential/conv2d/kernel.

    KERAS_BACKEND=jax JAX_PLATFORMS=cpu /work/venvs/orbax/bin/python make_keras_restored.py orbax
    /work/main/.venv/bin/python make_keras_restored.py tf
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent / "keras_restored"


def orbax() -> None:
    import keras
    import numpy as np

    keras.utils.set_random_seed(34)
    model = keras.Sequential(
        [keras.Input((6, 6, 2)), keras.layers.Conv2D(3, 3), keras.layers.DepthwiseConv2D(2),
         keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(2)],
        name="sequential",
    )  # fmt: skip
    model.compile(optimizer="sgd", loss="mse")
    rng = np.random.default_rng(34)
    cb = keras.callbacks.OrbaxCheckpoint(str(HERE / "orbax"), save_weights_only=True, max_to_keep=1)
    model.fit(rng.random((8, 6, 6, 2)), rng.random((8, 2)), epochs=1, batch_size=4, callbacks=[cb], verbose=0)
    cb.wait_until_finished()
    model.save(str(HERE / "model.keras"))


def tf() -> None:
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    import keras
    import tensorflow

    model = keras.models.load_model(str(HERE / "model.keras"))
    tensorflow.train.Checkpoint(model=model).write(str(HERE / "tf" / "ckpt"))


if __name__ == "__main__":
    {"orbax": orbax, "tf": tf}[sys.argv[1]]()
