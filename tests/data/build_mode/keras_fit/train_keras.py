"""A Keras functional model trained with fit, its checkpoints kept by tf.train.CheckpointManager
(a callback saves one per epoch), on tiny seeded data. --units changes the hidden layer."""

import argparse

import keras
import numpy as np
import tensorflow as tf

parser = argparse.ArgumentParser()
parser.add_argument("--units", type=int, default=16)
parser.add_argument("--ckpt_dir", default="ckpts")
parser.add_argument("--epochs", type=int, default=2)
args = parser.parse_args()

inputs = keras.Input(shape=(4,), name="features")
x = keras.layers.Dense(args.units, activation="relu", name="hidden")(inputs)
x = keras.layers.Dropout(0.1)(x)
outputs = keras.layers.Dense(3, name="logits")(x)
model = keras.Model(inputs, outputs)
model.compile(
    optimizer=keras.optimizers.Adam(1e-3),
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    metrics=["accuracy"],
)

ckpt = tf.train.Checkpoint(model=model, optimizer=model.optimizer)
manager = tf.train.CheckpointManager(ckpt, args.ckpt_dir, max_to_keep=3)
ckpt.restore(manager.latest_checkpoint)


class SaveEachEpoch(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        manager.save()


rng = np.random.RandomState(0)
features = rng.rand(64, 4).astype("float32")
labels = rng.randint(0, 3, 64)
model.fit(features, labels, epochs=args.epochs, batch_size=16, callbacks=[SaveEachEpoch()], verbose=0)
