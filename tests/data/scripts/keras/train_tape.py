"""A functional Keras model on iris trained by a GradientTape loop, saved with tf.train.CheckpointManager."""

import pandas as pd
import tensorflow as tf

df = pd.read_csv("iris_training.csv")
labels = df.pop("Species").values
features = tf.constant(df.values, dtype=tf.float32)

inputs = tf.keras.Input(shape=(4,))
hidden = tf.keras.layers.Dense(10, activation="relu")(inputs)
outputs = tf.keras.layers.Dense(3)(hidden)
model = tf.keras.Model(inputs, outputs)
optimizer = tf.keras.optimizers.Adam(0.01)
loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)

ckpt = tf.train.Checkpoint(step=tf.Variable(0), model=model, optimizer=optimizer)
manager = tf.train.CheckpointManager(ckpt, "model_dir_tape", max_to_keep=2)
for step in range(20):
    with tf.GradientTape() as tape:
        loss = loss_fn(labels, model(features, training=True))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    ckpt.step.assign_add(1)
    if step % 10 == 9:
        manager.save()
