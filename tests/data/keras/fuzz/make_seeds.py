"""Writes the seed files tests/fuzz mutates (issue 25): a small trained model saved by Keras 3 as
model.keras, model.weights.h5 (with optimizer state in the .keras only, as Keras does), legacy
model.h5, and sharded weights (sharded.weights.json + its shard). Run with the project's venv:
.venv/bin/python tests/data/keras/fuzz/make_seeds.py"""

import os
from pathlib import Path

os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import keras  # noqa: E402
import numpy as np  # noqa: E402

here = Path(__file__).parent
keras.utils.set_random_seed(0)
inp = keras.Input((4,), name="features")
x = keras.layers.Dense(6, activation="relu", name="hidden")(inp)
x = keras.layers.BatchNormalization(name="bn")(x)
out = keras.layers.Dense(3, activation="softmax", name="probs")(x)
model = keras.Model(inp, out, name="fuzz_net")
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
rng = np.random.default_rng(0)
model.fit(rng.random((32, 4)), rng.integers(0, 3, 32), epochs=1, verbose=0)
model.save(here / "model.keras")
model.save_weights(here / "model.weights.h5")
model.save(here / "legacy.h5")
model.save_weights(here / "sharded.weights.json", max_shard_size=0.0003)
print(sorted(p.name for p in here.iterdir()))
