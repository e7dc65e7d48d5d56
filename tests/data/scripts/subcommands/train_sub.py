"""A DNN classifier on iris behind argparse sub-commands (train / export), string defaults typed by type=."""

import argparse

import pandas as pd
import tensorflow as tf

FEATURES = ["SepalLength", "SepalWidth", "PetalLength", "PetalWidth"]


def input_fn():
    df = pd.read_csv("iris_training.csv")
    labels = df.pop("Species")
    return tf.data.Dataset.from_tensor_slices((dict(df), labels)).shuffle(64, seed=1).repeat().batch(8)


def build(args):
    return tf.estimator.DNNClassifier(
        feature_columns=[tf.feature_column.numeric_column(k) for k in FEATURES],
        hidden_units=[args.hidden] * args.layers,
        n_classes=3,
        model_dir=args.model_dir,
        config=tf.estimator.RunConfig(keep_checkpoint_max=2, tf_random_seed=1),
    )


def train(args):
    build(args).train(input_fn=input_fn, steps=args.steps)


def export(args):
    print("exporting", args.export_dir)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model_dir", default="model_dir")
    commands = parser.add_subparsers(dest="command")
    train_parser = commands.add_parser("train", help="train the model")
    train_parser.add_argument("--hidden", default="10", type=int)
    train_parser.add_argument("--layers", default=2, type=int)
    train_parser.add_argument("--steps", default="20", type=int)
    train_parser.set_defaults(func=train)
    export_parser = commands.add_parser("export", help="export the model")
    export_parser.add_argument("--export_dir", default="export")
    export_parser.set_defaults(func=export)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
