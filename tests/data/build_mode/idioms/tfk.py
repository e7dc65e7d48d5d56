import os

os.environ["TF_USE_LEGACY_KERAS"] = "1"
import numpy as np
import tensorflow as tf

model = tf.keras.Sequential([tf.keras.layers.Dense(4, input_shape=(3,)), tf.keras.layers.Dense(1)])
model.compile(
    optimizer=tf.keras.optimizers.legacy.Adam() if hasattr(tf.keras.optimizers, "legacy") else "adam", loss="mse"
)
rng = np.random.RandomState(0)
model.fit(rng.rand(16, 3), rng.rand(16, 1), epochs=1, verbose=0)
os.makedirs("out/tfk", exist_ok=True)
model.save("out/tfk/model.h5")
