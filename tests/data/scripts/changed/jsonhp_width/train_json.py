"""A DNN classifier on iris whose hyperparameters are a JSON file beside the script."""

import json

import pandas as pd
import tensorflow as tf

FEATURES = ["SepalLength", "SepalWidth", "PetalLength", "PetalWidth"]
params = json.load(open("hparams.json"))


def input_fn():
    df = pd.read_csv("iris_training.csv")
    labels = df.pop("Species")
    return tf.data.Dataset.from_tensor_slices((dict(df), labels)).shuffle(64, seed=1).repeat().batch(8)


classifier = tf.estimator.DNNClassifier(
    feature_columns=[tf.feature_column.numeric_column(k) for k in FEATURES],
    hidden_units=params["hidden_units"],
    n_classes=params.get("n_classes", 3),
    optimizer=tf.keras.optimizers.legacy.Adagrad(learning_rate=params["learning_rate"]),
    model_dir="model_dir",
    config=tf.estimator.RunConfig(keep_checkpoint_max=2, tf_random_seed=1),
)
classifier.train(input_fn=input_fn, steps=params["train_steps"])
