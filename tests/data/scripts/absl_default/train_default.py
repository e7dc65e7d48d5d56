"""A DNN classifier on iris with absl flags whose defaults the script changes before app.run."""

import pandas as pd
import tensorflow as tf
from absl import app, flags

FLAGS = flags.FLAGS
flags.DEFINE_string("model_dir", "/tmp/iris_model", "Where checkpoints are written.")
flags.DEFINE_integer("hidden_size", 10, "Units per hidden layer.")
flags.DEFINE_integer("num_layers", 2, "Number of hidden layers.")
flags.DEFINE_integer("n_classes", 3, "Number of classes.")
flags.DEFINE_integer("train_steps", 20, "Training steps.")
FEATURES = ["SepalLength", "SepalWidth", "PetalLength", "PetalWidth"]


def input_fn():
    df = pd.read_csv("iris_training.csv")
    labels = df.pop("Species")
    return tf.data.Dataset.from_tensor_slices((dict(df), labels)).shuffle(64, seed=1).repeat().batch(8)


def main(_):
    classifier = tf.estimator.DNNClassifier(
        feature_columns=[tf.feature_column.numeric_column(k) for k in FEATURES],
        hidden_units=[FLAGS.hidden_size] * FLAGS.num_layers,
        n_classes=FLAGS.n_classes,
        model_dir=FLAGS.model_dir,
        config=tf.estimator.RunConfig(keep_checkpoint_max=2, tf_random_seed=1),
    )
    classifier.train(input_fn=input_fn, steps=FLAGS.train_steps)


if __name__ == "__main__":
    flags.FLAGS.set_default("model_dir", "model_dir")
    flags.FLAGS.set_default("hidden_size", 16)
    FLAGS.set_default("num_layers", 3)
    app.run(main)
