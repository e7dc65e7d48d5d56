"""Writes tests/data/tfjs/quantized/: a tf_keras model converted by the tensorflowjs converter
with uint8, uint16 and float16 quantization, and expected_quantized.npz, what the converter's
own reader (tensorflowjs.read_weights) gives back -- dequantized -- for each weight; the same
model as tf_keras saved it (source.h5) and converted without quantization (converted/).

Run: pip install --no-deps tensorflowjs; pip install tf_keras; python make_tfjs_quantized.py
(tensorflowjs imports tensorflow_decision_forests, tensorflow_hub and jax at start-up for converters
not used here; empty modules stand in for them in this script only.)
"""

import json
import os
import sys
import types

import numpy as np

for missing in ("tensorflow_decision_forests", "tensorflow_hub", "tensorflowjs.converters.jax_conversion"):
    sys.modules.setdefault(missing, types.ModuleType(missing))
sys.modules["tensorflowjs.converters.jax_conversion"].convert_jax = None
os.environ["TF_USE_LEGACY_KERAS"] = "1"

import tf_keras as keras  # noqa: E402
from tensorflowjs.converters import save_keras_model  # noqa: E402
from tensorflowjs.read_weights import read_weights  # noqa: E402

keras.utils.set_random_seed(3)
model = keras.Sequential(
    [
        keras.layers.Dense(6, activation="relu", input_shape=(4,), name="q8"),
        keras.layers.Dense(5, activation="relu", name="q16"),
        keras.layers.Dense(3, name="half"),
    ],
    name="quantized",
)
model.compile(optimizer="sgd", loss="mse")
model.fit(np.random.default_rng(0).random((32, 4)), np.random.default_rng(1).random((32, 3)), epochs=1, verbose=0)
out = "quantized"
save_keras_model(model, out, quantization_dtype_map={"uint8": ["q8/*"], "uint16": ["q16/*"], "float16": ["half/*"]})
save_keras_model(model, "converted")
model.save("source.h5")
manifest = json.load(open(os.path.join(out, "model.json")))["weightsManifest"]
groups = read_weights(manifest, out)
expected = {entry["name"]: entry["data"] for group in groups for entry in group}
np.savez("expected_quantized.npz", **expected)
print({k: (v.dtype, v.shape) for k, v in expected.items()})
