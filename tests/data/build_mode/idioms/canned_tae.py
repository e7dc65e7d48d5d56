import numpy as np
import tensorflow as tf
from absl import app, flags

flags.DEFINE_string("model_dir", "out/canned", "")
flags.DEFINE_integer("hidden", 8, "")
FLAGS = flags.FLAGS


def input_fn():
    rng = np.random.RandomState(0)
    x = {"a": rng.rand(32).astype("float32"), "b": rng.rand(32).astype("float32")}
    return tf.data.Dataset.from_tensor_slices((x, rng.randint(0, 2, 32))).batch(8).repeat(2)


def main(_):
    cols = [tf.feature_column.numeric_column("a"), tf.feature_column.numeric_column("b")]
    est = tf.estimator.DNNClassifier(
        hidden_units=[FLAGS.hidden],
        feature_columns=cols,
        config=tf.estimator.RunConfig(model_dir=FLAGS.model_dir, save_checkpoints_steps=4),
    )
    tf.estimator.train_and_evaluate(
        est, tf.estimator.TrainSpec(input_fn, max_steps=8), tf.estimator.EvalSpec(input_fn, steps=2)
    )


if __name__ == "__main__":
    app.run(main)
