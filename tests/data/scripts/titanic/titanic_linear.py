"""The Titanic linear model of TensorFlow's "Build a linear model with Estimators" tutorial."""

import pandas as pd
import tensorflow as tf

dftrain = pd.read_csv("train.csv")
y_train = dftrain.pop("survived")

CATEGORICAL_COLUMNS = ["sex", "class", "deck", "embark_town", "alone"]
NUMERIC_COLUMNS = ["age", "fare"]

feature_columns = []
for feature_name in CATEGORICAL_COLUMNS:
    vocabulary = dftrain[feature_name].unique()
    feature_columns.append(tf.feature_column.categorical_column_with_vocabulary_list(feature_name, vocabulary))

for feature_name in NUMERIC_COLUMNS:
    feature_columns.append(tf.feature_column.numeric_column(feature_name, dtype=tf.float32))


def make_input_fn(data_df, label_df, num_epochs=10, shuffle=True, batch_size=32):
    def input_function():
        ds = tf.data.Dataset.from_tensor_slices((dict(data_df), label_df))
        if shuffle:
            ds = ds.shuffle(1000, seed=1)
        ds = ds.batch(batch_size).repeat(num_epochs)
        return ds

    return input_function


train_input_fn = make_input_fn(dftrain, y_train)

linear_est = tf.estimator.LinearClassifier(
    feature_columns=feature_columns,
    model_dir="model_dir",
    config=tf.estimator.RunConfig(keep_checkpoint_max=2, tf_random_seed=1),
)
linear_est.train(train_input_fn, max_steps=20)
