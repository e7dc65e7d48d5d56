"""Writes tests/data/keras/keras_2_13.keras: a .keras file from TensorFlow 2.13's Keras, whose
weights file has the older layout (_layer_checkpoint_dependencies/<key>/vars/<i>, no layer
names), and keras_2_13_expected.npz: the model's weights and optimizer variables as that Keras
holds them (layer/weight and optimizer variable names as keys).

Run in a venv of its own: python3.11 -m venv k213 && k213/bin/pip install tensorflow-cpu==2.13.*
&& k213/bin/python make_keras_2_13.py
"""

import os

os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

keras = tf.keras
keras.utils.set_random_seed(4)
model = keras.Sequential(
    [keras.layers.Dense(5, input_shape=(3,), name="hidden"), keras.layers.Dense(2, name="out")], name="old"
)
model.compile(optimizer="adam", loss="mse")
rng = np.random.default_rng(0)
model.fit(rng.random((16, 3)), rng.random((16, 2)), epochs=2, verbose=0)
model.save("keras_2_13.keras")
expected = {
    f"{layer.name}/{w.name.split('/')[-1].split(':')[0]}": w.numpy() for layer in model.layers for w in layer.weights
}
expected |= {f"optimizer:{v.name.split(':')[0]}": v.numpy() for v in model.optimizer.variables()}
np.savez("keras_2_13_expected.npz", **expected)
print(tf.__version__, sorted(expected))
