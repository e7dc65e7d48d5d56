"""An example of a premade Estimator on the iris data (after TensorFlow's premade_estimator.py)."""

import argparse

import pandas as pd
import tensorflow as tf

parser = argparse.ArgumentParser()
parser.add_argument("--batch_size", default=10, type=int, help="batch size")
parser.add_argument("--train_steps", default=20, type=int, help="number of training steps")
parser.add_argument("--model_dir", default="model_dir", type=str, help="where checkpoints go")

CSV_COLUMN_NAMES = ["SepalLength", "SepalWidth", "PetalLength", "PetalWidth", "Species"]
SPECIES = ["Setosa", "Versicolor", "Virginica"]


def load_data(y_name="Species"):
    """Returns the iris dataset as (train_x, train_y)."""
    train = pd.read_csv("iris_training.csv", names=CSV_COLUMN_NAMES, header=0)
    train_x, train_y = train, train.pop(y_name)
    return train_x, train_y


def train_input_fn(features, labels, batch_size):
    """An input function for training"""
    dataset = tf.data.Dataset.from_tensor_slices((dict(features), labels))
    return dataset.shuffle(100, seed=1).repeat().batch(batch_size)


def main(argv):
    args = parser.parse_args(argv[1:])

    # Fetch the data
    train_x, train_y = load_data()

    # Feature columns describe how to use the input.
    my_feature_columns = []
    for key in train_x.keys():
        my_feature_columns.append(tf.feature_column.numeric_column(key=key))

    # Build 2 hidden layer DNN with 10, 10 units respectively.
    classifier = tf.estimator.DNNClassifier(
        feature_columns=my_feature_columns,
        # Two hidden layers of 10 nodes each.
        hidden_units=[10, 12],
        # The model must choose between 3 classes.
        n_classes=len(SPECIES),
        model_dir=args.model_dir,
        config=tf.estimator.RunConfig(keep_checkpoint_max=2, tf_random_seed=1),
    )

    # Train the Model.
    classifier.train(input_fn=lambda: train_input_fn(train_x, train_y, args.batch_size), steps=args.train_steps)


if __name__ == "__main__":
    tf.compat.v1.logging.set_verbosity(tf.compat.v1.logging.INFO)
    tf.compat.v1.app.run(main)
