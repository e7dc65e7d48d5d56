"""Train a wide, deep or wide & deep model on the census data (after TensorFlow's official wide_deep)."""

import argparse
import sys

import census_columns
import tensorflow as tf


def build_estimator(model_dir, model_type):
    """Build an estimator appropriate for the given model type."""
    wide_columns, deep_columns = census_columns.build_model_columns()
    hidden_units = [8, 4]

    run_config = tf.estimator.RunConfig().replace(keep_checkpoint_max=2, tf_random_seed=1)

    if model_type == "wide":
        return tf.estimator.LinearClassifier(model_dir=model_dir, feature_columns=wide_columns, config=run_config)
    elif model_type == "deep":
        return tf.estimator.DNNClassifier(
            model_dir=model_dir, feature_columns=deep_columns, hidden_units=hidden_units, config=run_config
        )
    else:
        return tf.estimator.DNNLinearCombinedClassifier(
            model_dir=model_dir,
            linear_feature_columns=wide_columns,
            dnn_feature_columns=deep_columns,
            dnn_hidden_units=hidden_units,
            config=run_config,
        )


def main(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("--model_dir", type=str, default="model_dir", help="Base directory for the model.")
    parser.add_argument(
        "--model_type", type=str, default="wide_deep", help="Valid model types: {'wide', 'deep', 'wide_deep'}."
    )
    parser.add_argument("--train_steps", type=int, default=20)
    flags = parser.parse_args(argv[1:])
    model = build_estimator(flags.model_dir, flags.model_type)
    model.train(input_fn=lambda: census_columns.input_fn("adult.data.csv", None, True, 8), steps=flags.train_steps)


if __name__ == "__main__":
    tf.compat.v1.logging.set_verbosity(tf.compat.v1.logging.INFO)
    main(sys.argv)
