# Source: https://github.com/tensorflow/docs/blob/7c3650212740204359d4ceae481abc79345541be/site/en/guide/migrate/checkpoint_saver.ipynb
# The code cells of its setup and of "TensorFlow 2: Save checkpoints with a Keras callback for
# Model.fit", in order, as a script: a Sequential from create_model(), compiled with 'adam' and
# steps_per_execution=10, fit with tf.keras.callbacks.ModelCheckpoint saving the whole model.
# Trimmed: MNIST read from mnist.npz beside it (64 generated images, ../make_data.py) instead of
# tf.keras.datasets.mnist.load_data(); Dense 512 -> 32 units; log_dir 'model_dir' instead of
# tempfile.mkdtemp(), and ModelCheckpoint's filepath log_dir -> os.path.join(log_dir,
# 'model.keras') (Keras 3 saves a whole model only to a .keras file); epochs 10 -> 2; the
# TensorFlow 1 section and the %ls line left out.
#
# Copyright 2021 The TensorFlow Authors. Licensed under the Apache License, Version 2.0
# (the "License"); you may not use this file except in compliance with the License. You may
# obtain a copy of the License at https://www.apache.org/licenses/LICENSE-2.0
import os

import tensorflow.compat.v1 as tf1
import tensorflow as tf
import numpy as np
import tempfile

with np.load('mnist.npz') as f:
  (x_train, y_train),(x_test, y_test) = (f['x_train'], f['y_train']), (f['x_test'], f['y_test'])
x_train, x_test = x_train / 255.0, x_test / 255.0

def create_model():
  return tf.keras.models.Sequential([
    tf.keras.layers.Flatten(input_shape=(28, 28)),
    tf.keras.layers.Dense(48, activation='relu'),
    tf.keras.layers.Dropout(0.2),
    tf.keras.layers.Dense(10, activation='softmax')
  ])

model = create_model()
model.compile(optimizer='adam',
              loss='sparse_categorical_crossentropy',
              metrics=['accuracy'],
              steps_per_execution=10)

log_dir = 'model_dir'

model_checkpoint_callback = tf.keras.callbacks.ModelCheckpoint(
    filepath=os.path.join(log_dir, 'model.keras'))

model.fit(x=x_train,
          y=y_train,
          epochs=2,
          validation_data=(x_test, y_test),
          callbacks=[model_checkpoint_callback])
