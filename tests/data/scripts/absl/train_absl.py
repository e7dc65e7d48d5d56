"""A DNN regressor on housing prices, configured by absl flags; the city hash size has no default."""

import pandas as pd
import tensorflow as tf
from absl import app, flags

FLAGS = flags.FLAGS
flags.DEFINE_string("model_dir", "model_dir", "Where checkpoints are written.")
flags.DEFINE_integer("hidden_size", 8, "Units per hidden layer.")
flags.DEFINE_integer("num_layers", 2, "Number of hidden layers.")
flags.DEFINE_integer("city_buckets", None, "Hash buckets for the city (depends on the data).")
flags.DEFINE_integer("train_steps", 20, "Training steps.")
flags.DEFINE_float("learning_rate", 0.05, "Adam's learning rate.")
flags.DEFINE_enum("activation", "relu", ["relu", "tanh"], "Hidden layer activation.")


def build_columns(city_buckets, embedding_dim=3):
    city = tf.feature_column.categorical_column_with_hash_bucket("city", hash_bucket_size=city_buckets)
    columns = [tf.feature_column.numeric_column(name) for name in ("rooms", "age")]
    columns.append(tf.feature_column.embedding_column(city, dimension=embedding_dim))
    return columns


def input_fn(path, batch_size=8):
    df = pd.read_csv(path)
    labels = df.pop("price")
    return tf.data.Dataset.from_tensor_slices((dict(df), labels)).shuffle(64, seed=1).repeat().batch(batch_size)


def main(argv):
    del argv  # unused
    columns = build_columns(FLAGS.city_buckets)
    activation = tf.nn.relu if FLAGS.activation == "relu" else tf.nn.tanh
    estimator = tf.estimator.DNNRegressor(
        hidden_units=[FLAGS.hidden_size] * FLAGS.num_layers,
        feature_columns=columns,
        optimizer=tf.keras.optimizers.legacy.Adam(learning_rate=FLAGS.learning_rate),
        activation_fn=activation,
        dropout=0.1,
        model_dir=FLAGS.model_dir,
        config=tf.estimator.RunConfig(keep_checkpoint_max=2, tf_random_seed=1),
    )
    estimator.train(input_fn=lambda: input_fn("housing.csv"), steps=FLAGS.train_steps)


if __name__ == "__main__":
    flags.mark_flag_as_required("city_buckets")
    app.run(main)
