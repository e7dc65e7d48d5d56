"""iris_data.py of TensorFlow's get_started samples, without the download: a tiny seeded table."""

import numpy as np
import pandas as pd

CSV_COLUMN_NAMES = ["SepalLength", "SepalWidth", "PetalLength", "PetalWidth", "Species"]
SPECIES = ["Setosa", "Versicolor", "Virginica"]


def load_data(y_name="Species"):
    rng = np.random.RandomState(0)
    table = pd.DataFrame(rng.rand(60, 4).astype("float32"), columns=CSV_COLUMN_NAMES[:4])
    table[y_name] = rng.randint(0, 3, 60)
    train, test = table[:48], table[48:]
    train_x, train_y = train, train.pop(y_name)
    test_x, test_y = test, test.pop(y_name)
    return (train_x, train_y), (test_x, test_y)


def train_input_fn(features, labels, batch_size):
    dataset = tf_data().Dataset.from_tensor_slices((dict(features), labels))
    return dataset.shuffle(100).repeat().batch(batch_size)


def eval_input_fn(features, labels, batch_size):
    features = dict(features)
    inputs = features if labels is None else (features, labels)
    return tf_data().Dataset.from_tensor_slices(inputs).batch(batch_size)


def tf_data():
    import tensorflow as tf

    return tf.data
