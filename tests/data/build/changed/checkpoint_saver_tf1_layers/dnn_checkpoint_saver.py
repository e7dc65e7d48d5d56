# Source: https://github.com/tensorflow/docs/blob/7c3650212740204359d4ceae481abc79345541be/site/en/guide/migrate/checkpoint_saver.ipynb
# The code cells of its section "TensorFlow 1: Save checkpoints with tf.estimator.RunConfig", in
# order, as a script, with the imports of its setup cell. Trimmed: MNIST read from mnist.npz beside
# it (64 generated images, ../make_data.py) instead of tf.keras.datasets.mnist.load_data();
# hidden_units [256, 32] -> [16, 8] (784x256 with Adam is 2.4 MB a checkpoint, and it keeps 5);
# model_dir 'model_dir' instead of tempfile.mkdtemp(); max_steps 10 -> 3; the %ls line left out.
#
# Copyright 2021 The TensorFlow Authors. Licensed under the Apache License, Version 2.0
# (the "License"); you may not use this file except in compliance with the License. You may
# obtain a copy of the License at https://www.apache.org/licenses/LICENSE-2.0
import tensorflow.compat.v1 as tf1
import tensorflow as tf
import numpy as np
import tempfile

with np.load('mnist.npz') as f:
  (x_train, y_train),(x_test, y_test) = (f['x_train'], f['y_train']), (f['x_test'], f['y_test'])
x_train, x_test = x_train / 255.0, x_test / 255.0

feature_columns = [tf1.feature_column.numeric_column("x", shape=[28, 28])]

config = tf1.estimator.RunConfig(save_summary_steps=1,
                                 save_checkpoints_steps=1)

path = 'model_dir'

classifier = tf1.estimator.DNNClassifier(
    feature_columns=feature_columns,
    hidden_units=[16, 8, 8],
    optimizer=tf1.train.AdamOptimizer(0.001),
    n_classes=10,
    dropout=0.2,
    model_dir=path,
    config = config
)

train_input_fn = tf1.estimator.inputs.numpy_input_fn(
    x={"x": x_train},
    y=y_train.astype(np.int32),
    num_epochs=10,
    batch_size=50,
    shuffle=True,
)

test_input_fn = tf1.estimator.inputs.numpy_input_fn(
    x={"x": x_test},
    y=y_test.astype(np.int32),
    num_epochs=10,
    shuffle=False
)

train_spec = tf1.estimator.TrainSpec(input_fn=train_input_fn, max_steps=3)
eval_spec = tf1.estimator.EvalSpec(input_fn=test_input_fn,
                                   steps=10,
                                   throttle_secs=0)

tf1.estimator.train_and_evaluate(estimator=classifier,
                                train_spec=train_spec,
                                eval_spec=eval_spec)
