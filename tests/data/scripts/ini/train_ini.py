"""A DNN classifier on iris configured by an INI file beside the script (configparser)."""

import configparser
import os

import pandas as pd
import tensorflow as tf

HERE = os.path.dirname(os.path.abspath(__file__))
FEATURES = ["SepalLength", "SepalWidth", "PetalLength", "PetalWidth"]


def input_fn():
    df = pd.read_csv(os.path.join(HERE, "iris_training.csv"))
    labels = df.pop("Species")
    return tf.data.Dataset.from_tensor_slices((dict(df), labels)).shuffle(64, seed=1).repeat().batch(8)


def main():
    config = configparser.ConfigParser()
    config.read(os.path.join(HERE, "config.ini"))
    hidden = [int(n) for n in config["model"]["hidden_units"].split(",")]
    classifier = tf.estimator.DNNClassifier(
        feature_columns=[tf.feature_column.numeric_column(k) for k in FEATURES],
        hidden_units=hidden,
        n_classes=config.getint("model", "n_classes"),
        model_dir=config.get("paths", "model_dir"),
        config=tf.estimator.RunConfig(keep_checkpoint_max=2, tf_random_seed=1),
    )
    classifier.train(input_fn=input_fn, steps=20)


if __name__ == "__main__":
    main()
