# Source: https://github.com/tensorflow/docs/blob/7c3650212740204359d4ceae481abc79345541be/site/en/guide/migrate/fault_tolerance.ipynb
# The code cells of its setup (imports, MNIST, create_model) and of its section "TensorFlow 2:
# Manually save checkpoints with a custom training loop", in order, as a script: a Sequential,
# SGD, a GradientTape loop, tf.train.CheckpointManager(tf.train.Checkpoint(model=model,
# optimizer=optimizer), log_dir, max_to_keep=2).save() every step. Trimmed: MNIST read from
# mnist.npz beside it (64 generated images, ../make_data.py) instead of
# tf.keras.datasets.mnist.load_data(); Dense 512 -> 32 units; log_dir 'model_dir' instead of
# tempfile.mkdtemp(); the Estimator and BackupAndRestore sections (and the compile and
# BackupAndRestore lines of create_model's cell) left out.
#
# Copyright 2021 The TensorFlow Authors. Licensed under the Apache License, Version 2.0
# (the "License"); you may not use this file except in compliance with the License. You may
# obtain a copy of the License at https://www.apache.org/licenses/LICENSE-2.0
import tensorflow.compat.v1 as tf1
import tensorflow as tf
import numpy as np
import tempfile
import time

with np.load('mnist.npz') as f:
  (x_train, y_train),(x_test, y_test) = (f['x_train'], f['y_train']), (f['x_test'], f['y_test'])
x_train, x_test = x_train / 255.0, x_test / 255.0

def create_model():
  return tf.keras.models.Sequential([
    tf.keras.layers.Flatten(input_shape=(28, 28)),
    tf.keras.layers.Dense(40, activation='relu'),
    tf.keras.layers.Dropout(0.2),
    tf.keras.layers.Dense(10)
  ])

model = create_model()
optimizer = tf.keras.optimizers.SGD(learning_rate=0.001)
loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
log_dir = 'model_dir'
epochs = 5
steps_per_epoch = 5

checkpoint = tf.train.Checkpoint(model=model, optimizer=optimizer)
checkpoint_manager = tf.train.CheckpointManager(
            checkpoint, log_dir, max_to_keep=2)

for epoch in range(epochs):
  if epoch > 0:
      tf.train.load_checkpoint(save_path)
  print(f"\nStart of epoch {epoch}")

  for step in range(steps_per_epoch):
    with tf.GradientTape() as tape:

      logits = model(x_train, training=True)
      loss_value = loss_fn(y_train, logits)

      grads = tape.gradient(loss_value, model.trainable_weights)
      optimizer.apply_gradients(zip(grads, model.trainable_weights))

    save_path = checkpoint_manager.save()
    print(f"Checkpoint saved to {save_path}")
    print(f"Training loss at step {step}: {loss_value}")
