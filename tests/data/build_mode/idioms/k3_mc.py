import os

import keras
import numpy as np

model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(5, activation="relu"), keras.layers.Dense(2)])
model.compile(optimizer="sgd", loss="mse")
os.makedirs("out/k3", exist_ok=True)
cbs = [keras.callbacks.ModelCheckpoint("out/k3/best.keras"), keras.callbacks.TensorBoard("out/k3/logs")]
rng = np.random.RandomState(0)
model.fit(rng.rand(16, 3), rng.rand(16, 2), epochs=1, callbacks=cbs, verbose=0)
model.save_weights("out/k3/final.weights.h5")
