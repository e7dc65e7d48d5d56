"""Feature columns of the census income model (after TensorFlow's official wide_deep census_dataset.py)."""

import tensorflow as tf

_CSV_COLUMNS = ["age", "education", "occupation", "hours_per_week", "income_bracket"]
_CSV_COLUMN_DEFAULTS = [[0], [""], [""], [0], [""]]
EDUCATION = ["Bachelors", "HS-grad", "Masters", "Doctorate", "Some-college"]


def build_model_columns(embedding_dim=4):
    """Builds a set of wide and deep feature columns."""
    # Continuous variable columns
    age = tf.feature_column.numeric_column("age")
    hours_per_week = tf.feature_column.numeric_column("hours_per_week")

    education = tf.feature_column.categorical_column_with_vocabulary_list("education", EDUCATION)

    # To show an example of hashing:
    occupation = tf.feature_column.categorical_column_with_hash_bucket("occupation", hash_bucket_size=30)

    # Transformations.
    age_buckets = tf.feature_column.bucketized_column(age, boundaries=[18, 25, 30, 35, 40, 45, 50, 55, 60, 65])

    # Wide columns and deep columns.
    base_columns = [education, occupation, age_buckets]

    crossed_columns = [
        tf.feature_column.crossed_column(["education", "occupation"], hash_bucket_size=50),
        tf.feature_column.crossed_column([age_buckets, "education", "occupation"], hash_bucket_size=50),
    ]

    wide_columns = base_columns + crossed_columns

    deep_columns = [
        age,
        hours_per_week,
        tf.feature_column.indicator_column(education),
        # To show an example of embedding
        tf.feature_column.embedding_column(occupation, dimension=embedding_dim),
    ]

    return wide_columns, deep_columns


def input_fn(data_file, num_epochs, shuffle, batch_size):
    """Generate an input function for the Estimator."""

    def parse_csv(value):
        columns = tf.io.decode_csv(value, record_defaults=_CSV_COLUMN_DEFAULTS)
        features = dict(zip(_CSV_COLUMNS, columns))
        labels = features.pop("income_bracket")
        return features, tf.equal(labels, ">50K")

    dataset = tf.data.TextLineDataset(data_file).skip(1)
    if shuffle:
        dataset = dataset.shuffle(buffer_size=64, seed=1)
    dataset = dataset.map(parse_csv)
    return dataset.repeat(num_epochs).batch(batch_size)
