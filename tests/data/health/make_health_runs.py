"""Writes the training-health fixtures: small model_dirs trained by TensorFlow with known faults.

Run from the repository root with the project's venv (TensorFlow 2.x, graph mode via tf.compat.v1):

    .venv/bin/python tests/data/health/make_health_runs.py [OUT_DIR]

Every run trains the same small MLP (32 -> 64 -> BN -> 64 -> 10, ReLU) on a fixed synthetic
task with tf.compat.v1.train.Saver checkpoints every 25 steps (steps 0..100), seeded, so the
truth about each run is known by construction (README.md lists it):

  healthy  Adam 1e-3 on every variable
  nan      dense2/kernel[3, 4] assigned NaN right after step 60, saved at 60, training goes on
  inf      dense1/bias[3] assigned +Inf right after step 50, saved at 50, training goes on
  frozen   dense2/* left out of the optimizer's var_list
  dead     dense1/kernel[:, 5] zeroed after every step, bn1/gamma[7] zeroed after every step
  explode  squared-error loss; the logits layer trained by plain SGD at a learning rate just above
           its stable step size, so it grows geometrically (dense1..dense2 on Adam 1e-3)
  vanish   dense2/kernel under an L2 penalty so strong that it collapses towards zero
  frozen_tf2  object-based (tf.train.CheckpointManager): a tf_keras model whose middle Dense
           layer is trainable=False
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

tf1 = tf.compat.v1
STEPS = 100
EVERY = 25
IN, H1, H2, OUT = 32, 64, 64, 10
EXPLODE_LR = float(os.environ.get("EXPLODE_LR", "2.5"))


def _data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(512, IN)).astype(np.float32)
    teacher = rng.normal(size=(IN, OUT)).astype(np.float32)
    y = np.argmax(np.tanh(x @ teacher) + 0.1 * rng.normal(size=(512, OUT)), axis=1).astype(np.int64)
    return x, y


def _dense(scope: str, n_in: int, n_out: int):
    with tf1.variable_scope(scope):
        k = tf1.get_variable("kernel", [n_in, n_out], initializer=tf1.glorot_uniform_initializer())
        b = tf1.get_variable("bias", [n_out], initializer=tf1.zeros_initializer())
    return k, b


def train(out: Path, kind: str) -> None:
    """One run of `kind` into out/kind (replaced)."""
    run = out / kind
    shutil.rmtree(run, ignore_errors=True)
    run.mkdir(parents=True)
    x_np, y_np = _data()
    g = tf.Graph()
    with g.as_default():
        tf1.set_random_seed(1234)
        x = tf1.placeholder(tf.float32, [None, IN])
        y = tf1.placeholder(tf.int64, [None])
        step = tf1.train.get_or_create_global_step()
        k1, b1 = _dense("dense1", IN, H1)
        with tf1.variable_scope("bn1"):
            gamma = tf1.get_variable("gamma", [H1], initializer=tf1.ones_initializer())
            beta = tf1.get_variable("beta", [H1], initializer=tf1.zeros_initializer())
        k2, b2 = _dense("dense2", H1, H2)
        k3, b3 = _dense("logits", H2, OUT)
        h = tf.matmul(x, k1) + b1
        mean, var = tf.nn.moments(h, axes=[0])
        h = tf.nn.relu(tf.nn.batch_normalization(h, mean, var, beta, gamma, 1e-3))
        h = tf.nn.relu(tf.matmul(h, k2) + b2)
        logits = tf.matmul(h, k3) + b3
        if kind == "explode":
            # squared error on the logits: a quadratic in the logits layer, whose plain-SGD step is
            # unstable above 2 / (largest curvature), where the error grows geometrically.
            loss = tf.reduce_mean(tf.square(logits - tf.one_hot(y, OUT)))
        else:
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
        everything = [k1, b1, gamma, beta, k2, b2, k3, b3]
        extra = []
        if kind == "vanish":
            loss = loss + 2.0 * tf.reduce_sum(tf.square(k2))
        if kind == "frozen":
            train_op = tf1.train.AdamOptimizer(1e-3).minimize(loss, step, var_list=[k1, b1, gamma, beta, k3, b3])
        elif kind == "explode":
            # the logits layer on its own optimizer: plain SGD just above its stable step size.
            fast = tf1.train.GradientDescentOptimizer(EXPLODE_LR).minimize(loss, var_list=[k3, b3])
            slow = tf1.train.AdamOptimizer(1e-3).minimize(loss, step, var_list=[k1, b1, gamma, beta, k2, b2])
            train_op = tf.group(fast, slow)
        elif kind == "vanish":
            train_op = tf1.train.GradientDescentOptimizer(0.1).minimize(loss, step, var_list=[k2])
            train_op = tf.group(
                train_op, tf1.train.AdamOptimizer(1e-3).minimize(loss, var_list=[k1, b1, gamma, beta, b2, k3, b3])
            )
        else:
            train_op = tf1.train.AdamOptimizer(1e-3).minimize(loss, step, var_list=everything)
        if kind == "dead":
            mask = np.ones((IN, H1), np.float32)
            mask[:, 5] = 0.0
            gmask = np.ones(H1, np.float32)
            gmask[7] = 0.0
            extra = [tf1.assign(k1, k1 * mask), tf1.assign(gamma, gamma * gmask)]
        poison = None
        if kind == "nan":
            poison = (60, tf1.scatter_nd_update(k2, [[3, 4]], [np.float32("nan")]))
        if kind == "inf":
            poison = (50, tf1.scatter_nd_update(b1, [[3]], [np.float32("inf")]))
        saver = tf1.train.Saver(max_to_keep=100)
        prefix = "model.ckpt"  # relative, so the checkpoint state file names no path of this machine
        here = os.getcwd()
        os.chdir(run)
        with tf1.Session(graph=g) as sess:
            sess.run(tf1.global_variables_initializer())
            if extra:
                sess.run(extra)
            saver.save(sess, prefix, global_step=0, write_meta_graph=False)
            rng = np.random.default_rng(7)
            for s in range(1, STEPS + 1):
                idx = rng.integers(0, len(x_np), 64)
                sess.run(train_op, {x: x_np[idx], y: y_np[idx]})
                if extra:
                    sess.run(extra)
                assert sess.run(step) == s, "the global step must follow the loop"
                if poison is not None and s == poison[0]:
                    sess.run(poison[1])
                    saver.save(sess, prefix, global_step=s, write_meta_graph=False)
                elif s % EVERY == 0:
                    saver.save(sess, prefix, global_step=s, write_meta_graph=False)
        os.chdir(here)


def train_tf2_frozen(out: Path) -> None:
    """frozen_tf2: tf_keras (Keras 2) Dense 16 -> 32 -> 32 -> 2 with its middle layer trainable=False,
    fitted with Adam; tf.train.CheckpointManager saves ckpt-0 (before training), -8, -16, -24."""
    import tf_keras as keras

    run = out / "frozen_tf2"
    shutil.rmtree(run, ignore_errors=True)
    keras.utils.set_random_seed(3)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 16)).astype(np.float32)
    y = (x[:, :3].sum(1) > 0).astype(np.int64)
    model = keras.Sequential(
        [
            keras.layers.Dense(32, activation="relu", input_shape=(16,)),
            keras.layers.Dense(32, activation="relu"),
            keras.layers.Dense(2),
        ]
    )
    model.layers[1].trainable = False
    opt = keras.optimizers.Adam(1e-2)
    model.compile(opt, keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    manager = tf.train.CheckpointManager(tf.train.Checkpoint(model=model, optimizer=opt), str(run), max_to_keep=10)
    manager.save(checkpoint_number=0)  # the state file names them relative to the folder
    for epoch in range(1, 4):
        model.fit(x, y, epochs=1, batch_size=32, verbose=0)  # 8 steps
        manager.save(checkpoint_number=8 * epoch)


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
    for kind in ("healthy", "nan", "inf", "frozen", "dead", "explode", "vanish"):
        train(out, kind)
        print("wrote", out / kind)
    train_tf2_frozen(out)
    print("wrote", out / "frozen_tf2")


if __name__ == "__main__":
    main()
