# Source: https://github.com/tensorflow/docs/blob/7c3650212740204359d4ceae481abc79345541be/site/en/tutorials/estimator/keras_model_to_estimator.ipynb
# Its code cells in order, as a script. Trimmed: the iris data read from iris_training.csv beside it
# (written by ../make_data.py) instead of tfds.load('iris') (tensorflow_datasets left out);
# model_dir = 'model_dir' instead of tempfile.mkdtemp(); steps 500 -> 50.
#
# Copyright 2019 The TensorFlow Authors. Licensed under the Apache License, Version 2.0
# (the "License"); you may not use this file except in compliance with the License. You may
# obtain a copy of the License at https://www.apache.org/licenses/LICENSE-2.0
import tensorflow as tf

import numpy as np

model = tf.keras.models.Sequential([
    tf.keras.layers.Dense(24, activation='relu', input_shape=(4,)),
    tf.keras.layers.Dropout(0.2),
    tf.keras.layers.Dense(3)
])

model.compile(loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              optimizer='adam')
model.summary()

def input_fn():
  data = np.loadtxt('iris_training.csv', delimiter=',', skiprows=1, dtype=np.float32)
  dataset = tf.data.Dataset.from_tensor_slices((data[:, :4], data[:, 4].astype(np.int64)))
  dataset = dataset.map(lambda features, labels: ({'dense_input':features}, labels))
  dataset = dataset.batch(32).repeat()
  return dataset

for features_batch, labels_batch in input_fn().take(1):
  print(features_batch)
  print(labels_batch)

import tempfile
model_dir = 'model_dir'
keras_estimator = tf.keras.estimator.model_to_estimator(
    keras_model=model, model_dir=model_dir)

keras_estimator.train(input_fn=input_fn, steps=50)
eval_result = keras_estimator.evaluate(input_fn=input_fn, steps=10)
print('Eval result: {}'.format(eval_result))
