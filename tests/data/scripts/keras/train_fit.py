"""A Keras Sequential model on iris trained with fit, its weights saved by a ModelCheckpoint callback."""

import pandas as pd
import tensorflow as tf
from tensorflow import keras

df = pd.read_csv("iris_training.csv")
labels = df.pop("Species").values
features = df.values.astype("float32")

model = keras.Sequential(
    [
        keras.layers.Dense(10, activation="relu", input_shape=(4,)),
        keras.layers.Dense(10, activation="relu"),
        keras.layers.Dense(3),
    ]
)
model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
checkpoint = keras.callbacks.ModelCheckpoint("model_dir_fit/ckpt", save_weights_only=True)
model.fit(features, labels, epochs=2, batch_size=8, callbacks=[checkpoint], verbose=0)
tf.print("done")
