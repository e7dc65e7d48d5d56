# Source: https://github.com/tensorflow/docs/blob/7c3650212740204359d4ceae481abc79345541be/site/en/tutorials/distribute/keras.ipynb
# Its code cells up to the evaluation of the latest checkpoint, in order, as a script: a Sequential
# CNN built and compiled in MirroredStrategy.scope(), fit with ModelCheckpoint(save_weights_only=True)
# writing training_checkpoints/ckpt_{epoch:04d}.weights.h5. Trimmed: MNIST read from mnist.npz
# beside it (64 generated images, ../make_data.py) instead of tfds.load (tensorflow_datasets left
# out; the example counts from the arrays); Conv2D 32 -> 4 filters, Dense 64 -> 8 units (a 5408x64
# kernel is 1.4 MB a file); EPOCHS 12 -> 2; the %load_ext / %tensorboard / !ls lines and the
# SavedModel sections left out.
#
# Copyright 2019 The TensorFlow Authors. Licensed under the Apache License, Version 2.0
# (the "License"); you may not use this file except in compliance with the License. You may
# obtain a copy of the License at https://www.apache.org/licenses/LICENSE-2.0
import numpy as np
import tensorflow as tf

import os

print(tf.__version__)

with np.load('mnist.npz') as f:
  mnist_train = tf.data.Dataset.from_tensor_slices((f['x_train'][..., None], f['y_train']))
  mnist_test = tf.data.Dataset.from_tensor_slices((f['x_test'][..., None], f['y_test']))

strategy = tf.distribute.MirroredStrategy()

print('Number of devices: {}'.format(strategy.num_replicas_in_sync))


num_train_examples = len(mnist_train)
num_test_examples = len(mnist_test)

BUFFER_SIZE = 10000

BATCH_SIZE_PER_REPLICA = 64
BATCH_SIZE = BATCH_SIZE_PER_REPLICA * strategy.num_replicas_in_sync

def scale(image, label):
  image = tf.cast(image, tf.float32)
  image /= 255

  return image, label

train_dataset = mnist_train.map(scale).cache().shuffle(BUFFER_SIZE).batch(BATCH_SIZE)
eval_dataset = mnist_test.map(scale).batch(BATCH_SIZE)

with strategy.scope():
  model = tf.keras.Sequential([
      tf.keras.layers.Conv2D(4, 3, activation='relu', input_shape=(28, 28, 1)),
      tf.keras.layers.MaxPooling2D(),
      tf.keras.layers.Flatten(),
      tf.keras.layers.Dense(8, activation='relu'),
      tf.keras.layers.Dense(10)
  ])

  model.compile(loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                optimizer=tf.keras.optimizers.Adam(learning_rate=0.001),
                metrics=['accuracy'])

checkpoint_dir = './training_checkpoints'
checkpoint_prefix = os.path.join(checkpoint_dir, "ckpt_{epoch:04d}.weights.h5")

def decay(epoch):
  if epoch < 3:
    return 1e-3
  elif epoch >= 3 and epoch < 7:
    return 1e-4
  else:
    return 1e-5

class PrintLR(tf.keras.callbacks.Callback):
  def on_epoch_end(self, epoch, logs=None):
    print('\nLearning rate for epoch {} is {}'.format(epoch + 1, model.optimizer.learning_rate.numpy()))

callbacks = [
    tf.keras.callbacks.TensorBoard(log_dir='./logs'),
    tf.keras.callbacks.ModelCheckpoint(filepath=checkpoint_prefix,
                                       save_weights_only=True),
    tf.keras.callbacks.LearningRateScheduler(decay),
    PrintLR()
]

EPOCHS = 2

model.fit(train_dataset, epochs=EPOCHS, callbacks=callbacks)

import pathlib
latest_checkpoint = sorted(pathlib.Path(checkpoint_dir).glob('*'))[-1]

model.load_weights(latest_checkpoint)

eval_loss, eval_acc = model.evaluate(eval_dataset)

print('Eval loss: {}, Eval accuracy: {}'.format(eval_loss, eval_acc))
