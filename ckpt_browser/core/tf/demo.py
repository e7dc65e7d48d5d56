"""Write the tutorial's quadratic example with real TensorFlow: data, Saver checkpoints."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ckpt_browser.core.base.progress import Progress
from ckpt_browser.core.tf.tfimport import tf

# The tutorial's constants (docs/formats.md, "The tutorial's quadratic model").
TRUE_H, TRUE_V = 1.0, -2.0
N_POINTS, X_MIN, X_MAX, NOISE = 201, -2.0, 4.0, 0.4
LEARNING_RATE, PASSES = 0.001, 100


def make_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = np.linspace(X_MIN, X_MAX, N_POINTS)
    y = (x - TRUE_H) ** 2 + TRUE_V + NOISE * rng.standard_normal(N_POINTS)
    return x, y


def write_quadratic_example(
    out_dir: str | os.PathLike, progress: Progress | None = None, passes: int = PASSES, seed: int = 0
) -> Path:
    """Train y = (x - h)^2 + v by plain gradient descent, one sample per step, saving
    ``model_iter-N`` after every pass and ``model_final`` at the end, as the tutorial does.

    The only departure: the Saver writes relative paths into the ``checkpoint`` file, so the
    folder can be moved (the tutorial's default writes absolute ones).
    """
    t = tf()
    v1 = t.compat.v1
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    x_data, y_data = make_data(seed)
    np.savetxt(out / "data.csv", np.column_stack([x_data, y_data]), delimiter=",",
               header="x,y", comments="", fmt="%.6f")  # fmt: skip

    graph = t.Graph()
    with graph.as_default():
        x = v1.placeholder(t.float32, name="X")
        y = v1.placeholder(t.float32, name="Y")
        h = t.Variable(0.0, name="hor_estimate")
        v = t.Variable(0.0, name="ver_estimate")
        y_est = t.add(t.square(x - h), v, name="y_est")
        cost = t.pow(y_est - y, 2, name="cost")
        train = v1.train.GradientDescentOptimizer(LEARNING_RATE).minimize(cost)
        saver = v1.train.Saver(save_relative_paths=True)
        with v1.Session(graph=graph) as sess:
            sess.run(v1.global_variables_initializer())
            for i in range(passes):
                for xs, ys in zip(x_data, y_data):
                    sess.run(train, feed_dict={x: xs, y: ys})
                saver.save(sess, str(out / "model_iter"), global_step=i)
                if progress:
                    progress(i + 1, passes, "training")
            saver.save(sess, str(out / "model_final"))
    return out
