# Source: https://github.com/tensorflow/docs/blob/7c3650212740204359d4ceae481abc79345541be/site/en/tutorials/keras/save_and_load.ipynb
# The code cells of its setup and "Save checkpoints during training" sections, in order, as a
# script (Keras 3: ModelCheckpoint(save_weights_only=True) writes training_1/cp.weights.h5).
# Trimmed: MNIST read from mnist.npz beside it (64 generated images, ../make_data.py) instead of
# tf.keras.datasets.mnist.load_data(); Dense 512 -> 32 units (784x512 is 1.6 MB a file);
# epochs 10 -> 2; the !pip line and the later sections (checkpoint every 5 epochs, whole-model
# saving) left out.
#
# Copyright 2019 The TensorFlow Authors. Licensed under the Apache License, Version 2.0
# (the "License"); you may not use this file except in compliance with the License. You may
# obtain a copy of the License at https://www.apache.org/licenses/LICENSE-2.0
import os

import numpy as np
import tensorflow as tf
from tensorflow import keras

print(tf.version.VERSION)

with np.load('mnist.npz') as f:
  (train_images, train_labels), (test_images, test_labels) = (f['x_train'], f['y_train']), (f['x_test'], f['y_test'])

train_labels = train_labels[:1000]
test_labels = test_labels[:1000]

train_images = train_images[:1000].reshape(-1, 28 * 28) / 255.0
test_images = test_images[:1000].reshape(-1, 28 * 28) / 255.0

def create_model():
  model = tf.keras.Sequential([
    keras.layers.Dense(48, activation='relu', input_shape=(784,)),
    keras.layers.Dropout(0.2),
    keras.layers.Dense(10)
  ])

  model.compile(optimizer='adam',
                loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                metrics=[tf.keras.metrics.SparseCategoricalAccuracy()])

  return model

model = create_model()

model.summary()

checkpoint_path = "training_1/cp.weights.h5" # Since you're only saving weights, you should use the .weights.h5 extension. If you're saving the whole model, you would use the .keras extension instead
checkpoint_dir = os.path.dirname(checkpoint_path)

cp_callback = tf.keras.callbacks.ModelCheckpoint(filepath=checkpoint_path,
                                                 save_weights_only=True,
                                                 verbose=1)

model.fit(train_images,
          train_labels,
          epochs=2,
          validation_data=(test_images, test_labels),
          callbacks=[cp_callback])  # Pass callback to training


os.listdir(checkpoint_dir)

model = create_model()

loss, acc = model.evaluate(test_images, test_labels, verbose=2)
print("Untrained model, accuracy: {:5.2f}%".format(100 * acc))

model.load_weights(checkpoint_path)

loss, acc = model.evaluate(test_images, test_labels, verbose=2)
print("Restored model, accuracy: {:5.2f}%".format(100 * acc))
