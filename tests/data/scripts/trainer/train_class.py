"""A DNN classifier on iris built in a method of a trainer class, reached through an instance."""

import pandas as pd
import tensorflow as tf

CONFIG = {"features": ["SepalLength", "SepalWidth", "PetalLength", "PetalWidth"], "hidden": [8, 8, 4], "steps": 20}


class Trainer:
    def __init__(self, config, model_dir="model_dir"):
        self.config = config
        self.model_dir = model_dir
        self.estimator = None

    def columns(self):
        return [tf.feature_column.numeric_column(k) for k in self.config["features"]]

    def build_estimator(self):
        return tf.estimator.DNNClassifier(
            feature_columns=self.columns(),
            hidden_units=self.config["hidden"],
            n_classes=3,
            model_dir=self.model_dir,
            config=tf.estimator.RunConfig(keep_checkpoint_max=2, tf_random_seed=1),
        )

    def input_fn(self):
        df = pd.read_csv("iris_training.csv")
        labels = df.pop("Species")
        return tf.data.Dataset.from_tensor_slices((dict(df), labels)).shuffle(64, seed=1).repeat().batch(8)

    def train(self):
        self.estimator = self.build_estimator()
        self.estimator.train(input_fn=self.input_fn, steps=self.config["steps"])


if __name__ == "__main__":
    trainer = Trainer(CONFIG)
    trainer.train()
