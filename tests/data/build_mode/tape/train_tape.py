"""A custom training loop (tf.GradientTape, a @tf.function step), checkpointed as TensorFlow's
"Training checkpoints" guide does it: tf.train.Checkpoint(step, optimizer, net, iterator) and a
CheckpointManager saving every few steps. --width changes the layer."""

import sys

import keras
import numpy as np
import tensorflow as tf

WIDTH = int(sys.argv[sys.argv.index("--width") + 1]) if "--width" in sys.argv else 5
CKPT_DIR = "tf_ckpts"


class Net(keras.Model):
    """A simple linear model."""

    def __init__(self):
        super().__init__()
        self.l1 = keras.layers.Dense(WIDTH)
        self.out = keras.layers.Dense(1)

    def call(self, x):
        return self.out(self.l1(x))


def toy_dataset():
    inputs = np.arange(10, dtype="float32").reshape(10, 1)
    labels = 3.0 * inputs + 1.0
    return tf.data.Dataset.from_tensor_slices(dict(x=inputs, y=labels)).repeat().batch(2)


@tf.function
def train_step(net, example, optimizer):
    """Trains `net` on `example` using `optimizer`."""
    with tf.GradientTape() as tape:
        output = net(example["x"])
        loss = tf.reduce_mean(tf.abs(output - example["y"]))
    variables = net.trainable_variables
    gradients = tape.gradient(loss, variables)
    optimizer.apply_gradients(zip(gradients, variables))
    return loss


def train_and_checkpoint(net, manager, ckpt, iterator, opt):
    ckpt.restore(manager.latest_checkpoint)
    for _ in range(20):
        example = next(iterator)
        loss = train_step(net, example, opt)
        ckpt.step.assign_add(1)
        if int(ckpt.step) % 10 == 0:
            save_path = manager.save()
            print(f"Saved checkpoint for step {int(ckpt.step)}: {save_path}; loss {loss.numpy():1.2f}")


def main():
    net = Net()
    opt = keras.optimizers.Adam(0.1)
    dataset = toy_dataset()
    iterator = iter(dataset)
    ckpt = tf.train.Checkpoint(step=tf.Variable(1), optimizer=opt, net=net, iterator=iterator)
    manager = tf.train.CheckpointManager(ckpt, CKPT_DIR, max_to_keep=3)
    train_and_checkpoint(net, manager, ckpt, iterator, opt)


if __name__ == "__main__":
    main()
