# Source: https://github.com/tensorflow/docs/blob/7c3650212740204359d4ceae481abc79345541be/site/en/guide/migrate/canned_estimators.ipynb
# Its TensorFlow 1 code cells (data setup, create_sample_optimizer, the LinearEstimator,
# DNNEstimator and DNNLinearCombinedEstimator sections), in order, as a script. Trimmed: the
# titanic CSVs read from train.csv / eval.csv beside it (../make_data.py) instead of the URLs;
# `x_train['sex'].replace(..., inplace=True)` -> `x_train['sex'] = x_train['sex'].replace(...)`
# + .infer_objects() (pandas 3's copy-on-write ignores an inplace replace on a column, and its
# replace no longer downcasts the object column to integers); model_dir= added to each
# Estimator ('linear_model_dir', 'dnn_model_dir', 'combined_model_dir'; the guide lets each write
# to a temporary folder); the TensorFlow 2 Keras cells and the BoostedTrees / decision forests
# section (tensorflow_decision_forests) left out.
#
# Copyright 2021 The TensorFlow Authors. Licensed under the Apache License, Version 2.0
# (the "License"); you may not use this file except in compliance with the License. You may
# obtain a copy of the License at https://www.apache.org/licenses/LICENSE-2.0
import pandas as pd
import tensorflow as tf
import tensorflow.compat.v1 as tf1
from tensorflow import keras


x_train = pd.read_csv('train.csv')
x_eval = pd.read_csv('eval.csv')
x_train['sex'] = x_train['sex'].replace(('male', 'female'), (0, 1)).infer_objects()
x_eval['sex'] = x_eval['sex'].replace(('male', 'female'), (0, 1)).infer_objects()

x_train['alone'] = x_train['alone'].replace(('n', 'y'), (0, 1)).infer_objects()
x_eval['alone'] = x_eval['alone'].replace(('n', 'y'), (0, 1)).infer_objects()

x_train['class'] = x_train['class'].replace(('First', 'Second', 'Third'), (1, 2, 3)).infer_objects()
x_eval['class'] = x_eval['class'].replace(('First', 'Second', 'Third'), (1, 2, 3)).infer_objects()

x_train.drop(['embark_town', 'deck'], axis=1, inplace=True)
x_eval.drop(['embark_town', 'deck'], axis=1, inplace=True)

y_train = x_train.pop('survived')
y_eval = x_eval.pop('survived')

# Data setup for TensorFlow 1 with `tf.estimator`
def _input_fn():
  return tf1.data.Dataset.from_tensor_slices((dict(x_train), y_train)).batch(32)


def _eval_input_fn():
  return tf1.data.Dataset.from_tensor_slices((dict(x_eval), y_eval)).batch(32)


FEATURE_NAMES = [
    'age', 'fare', 'sex', 'n_siblings_spouses', 'parch', 'class'
]

feature_columns = []
for fn in FEATURE_NAMES:
  feat_col = tf1.feature_column.numeric_column(fn, dtype=tf.float32)
  feature_columns.append(feat_col)

def create_sample_optimizer(tf_version):
  if tf_version == 'tf1':
    optimizer = lambda: tf.keras.optimizers.legacy.Ftrl(
        l1_regularization_strength=0.001,
        learning_rate=tf1.train.exponential_decay(
            learning_rate=0.1,
            global_step=tf1.train.get_global_step(),
            decay_steps=10000,
            decay_rate=0.9))
  elif tf_version == 'tf2':
    optimizer = tf.keras.optimizers.legacy.Ftrl(
        l1_regularization_strength=0.001,
        learning_rate=tf.keras.optimizers.schedules.ExponentialDecay(
            initial_learning_rate=0.1, decay_steps=10000, decay_rate=0.9))
  return optimizer

linear_estimator = tf.estimator.LinearEstimator(
    head=tf.estimator.BinaryClassHead(),
    feature_columns=feature_columns,
    optimizer=create_sample_optimizer('tf1'),
    model_dir='linear_model_dir')

linear_estimator.train(input_fn=_input_fn, steps=100)
linear_estimator.evaluate(input_fn=_eval_input_fn, steps=10)

dnn_estimator = tf.estimator.DNNEstimator(
    head=tf.estimator.BinaryClassHead(),
    feature_columns=feature_columns,
    hidden_units=[128],
    activation_fn=tf.nn.relu,
    optimizer=create_sample_optimizer('tf1'),
    model_dir='dnn_model_dir')

dnn_estimator.train(input_fn=_input_fn, steps=100)
dnn_estimator.evaluate(input_fn=_eval_input_fn, steps=10)

optimizer = create_sample_optimizer('tf1')

combined_estimator = tf.estimator.DNNLinearCombinedEstimator(
    head=tf.estimator.BinaryClassHead(),
    # Wide settings
    linear_feature_columns=feature_columns,
    linear_optimizer=optimizer,
    # Deep settings
    dnn_feature_columns=feature_columns,
    dnn_hidden_units=[128],
    dnn_optimizer=optimizer,
    model_dir='combined_model_dir')

combined_estimator.train(input_fn=_input_fn, steps=100)
combined_estimator.evaluate(input_fn=_eval_input_fn, steps=10)
