import os

import keras
import numpy as np

inputs = keras.Input((3,))
model = keras.Model(inputs, keras.layers.Dense(2, name="out")(keras.layers.Dense(7, name="h")(inputs)))
model.compile(optimizer="adamw", loss="mse")
rng = np.random.RandomState(0)
model.fit(rng.rand(16, 3), rng.rand(16, 2), epochs=1, verbose=0)
os.makedirs("out/k3end", exist_ok=True)
model.save("out/k3end/model.keras")
