"""Writes tests/data/tfjs/graph/: a SavedModel converted to a TF.js graph model by the
tensorflowjs converter, and expected_graph.npz, what tensorflowjs.read_weights gives back.

Run: pip install --no-deps tensorflowjs; python make_tfjs_graph.py (tensorflowjs imports
tensorflow_decision_forests, tensorflow_hub and jax at start-up for converters not used here;
empty modules stand in for them in this script only.)
"""

import json
import os
import shutil
import sys
import tempfile
import types

import numpy as np

for missing in ("tensorflow_decision_forests", "tensorflow_hub", "tensorflowjs.converters.jax_conversion"):
    sys.modules.setdefault(missing, types.ModuleType(missing))
sys.modules["tensorflowjs.converters.jax_conversion"].convert_jax = None

import tensorflow as tf  # noqa: E402
from tensorflowjs.converters.tf_saved_model_conversion_v2 import convert_tf_saved_model  # noqa: E402
from tensorflowjs.read_weights import read_weights  # noqa: E402


class Affine(tf.Module):
    def __init__(self):
        self.w = tf.Variable(np.arange(6, dtype=np.float32).reshape(2, 3) / 10, name="w")
        self.b = tf.Variable(np.array([0.5, -0.5, 1.0], np.float32), name="b")

    @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32, name="x")])
    def __call__(self, x):
        return {"y": tf.matmul(x, self.w) + self.b}


saved = tempfile.mkdtemp()
module = Affine()
tf.saved_model.save(module, saved, signatures=module.__call__)
shutil.rmtree("graph", ignore_errors=True)
convert_tf_saved_model(saved, "graph")
manifest = json.load(open(os.path.join("graph", "model.json")))["weightsManifest"]
expected = {entry["name"]: entry["data"] for group in read_weights(manifest, "graph") for entry in group}
np.savez("expected_graph.npz", **expected)
print({k: v.shape for k, v in expected.items()})
