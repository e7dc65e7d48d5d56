"""A custom Estimator on iris (after TensorFlow's custom_estimator.py): a model_fn of
tf.compat.v1.layers.dense layers, its sizes passed in params."""

import argparse

import pandas as pd
import tensorflow as tf

parser = argparse.ArgumentParser()
parser.add_argument("--train_steps", default=20, type=int)
FEATURES = ["SepalLength", "SepalWidth", "PetalLength", "PetalWidth"]


def input_fn():
    df = pd.read_csv("iris_training.csv")
    labels = df.pop("Species")
    return tf.data.Dataset.from_tensor_slices((dict(df), labels)).shuffle(64, seed=1).repeat().batch(8)


def my_model(features, labels, mode, params):
    net = tf.compat.v1.feature_column.input_layer(features, params["feature_columns"])
    for units in params["hidden_units"]:
        net = tf.compat.v1.layers.dense(net, units=units, activation=tf.nn.relu)
    logits = tf.compat.v1.layers.dense(net, params["n_classes"], activation=None)
    loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels=labels, logits=logits)
    optimizer = tf.compat.v1.train.AdagradOptimizer(learning_rate=0.1)
    train_op = optimizer.minimize(loss, global_step=tf.compat.v1.train.get_global_step())
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)


def main(argv):
    args = parser.parse_args(argv[1:])
    classifier = tf.estimator.Estimator(
        model_fn=my_model,
        params={
            "feature_columns": [tf.feature_column.numeric_column(k) for k in FEATURES],
            "hidden_units": [10, 10],
            "n_classes": 3,
        },
        model_dir="model_dir",
        config=tf.estimator.RunConfig(keep_checkpoint_max=2, tf_random_seed=1),
    )
    classifier.train(input_fn=input_fn, steps=args.train_steps)


if __name__ == "__main__":
    tf.compat.v1.app.run(main)
