"""A linear classifier on iris, its columns from a list comprehension (after the tf.estimator quickstart)."""

import pandas as pd
import tensorflow as tf

MODEL_DIR = "model_dir"
FEATURES = ["SepalLength", "SepalWidth", "PetalLength", "PetalWidth", "PetalRatio"]
LABEL = "Species"

training_set = pd.read_csv("iris.csv", skipinitialspace=True)


def get_input_fn(data_set, num_epochs=None, shuffle=True):
    def input_fn():
        features = {k: data_set[k].values for k in FEATURES}
        ds = tf.data.Dataset.from_tensor_slices((features, data_set[LABEL].values))
        if shuffle:
            ds = ds.shuffle(100, seed=1)
        return ds.repeat(num_epochs).batch(8)

    return input_fn


feature_cols = [tf.feature_column.numeric_column(k) for k in FEATURES]
petal_length = tf.feature_column.numeric_column("PetalLength")
feature_cols += [tf.feature_column.bucketized_column(petal_length, boundaries=[2.0, 4.0, 6.0])]

estimator = tf.estimator.LinearClassifier(
    feature_columns=feature_cols,
    n_classes=3,
    optimizer="Ftrl",
    model_dir=MODEL_DIR,
    config=tf.estimator.RunConfig(save_checkpoints_steps=10, keep_checkpoint_max=2, tf_random_seed=1),
)
estimator.train(input_fn=get_input_fn(training_set), steps=20)
