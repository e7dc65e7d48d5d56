"""Write one small model_dir per optimizer a canned Estimator accepts, with TensorFlow 2.15 and
tensorflow-estimator 2.15 (run by ../regenerate.sh under /work/venvs/tf215).

Each model_dir gets constructor.txt (the exact call, first line) and variables.json
(tf.train.list_variables of its checkpoint). An optimizer the Estimator refuses is listed in
refused.txt with TensorFlow's own message.
"""

import json
import os
import re
import shutil
import sys

import numpy as np
import tensorflow as tf

numeric_column = tf.feature_column.numeric_column
COLUMNS = "[numeric_column('x'), numeric_column('y')]"
V2 = "tf.estimator.DNNClassifier(hidden_units=[3], feature_columns=" + COLUMNS + ", n_classes=3, optimizer={})"
V1 = (
    "tf.compat.v1.estimator.DNNClassifier(hidden_units=[3], feature_columns=" + COLUMNS + ", n_classes=3, optimizer={})"
)
LEGACY = "tf.keras.optimizers.legacy."
TRAIN = "tf.compat.v1.train."
CALLS = {
    # Keras legacy optimizers (what tf.estimator's canned Estimators build), with the options that add slots
    "keras_adadelta": V2.format(LEGACY + "Adadelta()"),
    "keras_adagrad": V2.format(LEGACY + "Adagrad()"),
    "keras_adam": V2.format(LEGACY + "Adam()"),
    "keras_adam_amsgrad": V2.format(LEGACY + "Adam(amsgrad=True)"),
    "keras_adamax": V2.format(LEGACY + "Adamax()"),
    "keras_ftrl": V2.format(LEGACY + "Ftrl()"),
    "keras_ftrl_beta": V2.format(LEGACY + "Ftrl(l2_shrinkage_regularization_strength=0.1, beta=0.5)"),
    "keras_nadam": V2.format(LEGACY + "Nadam()"),
    "keras_rmsprop": V2.format(LEGACY + "RMSprop()"),
    "keras_rmsprop_momentum_centered": V2.format(LEGACY + "RMSprop(momentum=0.9, centered=True)"),
    "keras_sgd": V2.format(LEGACY + "SGD()"),
    "keras_sgd_momentum": V2.format(LEGACY + "SGD(momentum=0.9)"),
    "keras_adam_named": V2.format(LEGACY + "Adam(name='MyAdam')"),
    # Keras' current (non-legacy) optimizers: does the Estimator take them?
    "keras_new_adam": V2.format("tf.keras.optimizers.Adam()"),
    # tf.compat.v1.train optimizers: taken by tf.compat.v1.estimator's canned Estimators
    "v1_adadelta": V1.format(TRAIN + "AdadeltaOptimizer()"),
    "v1_adagrad": V1.format(TRAIN + "AdagradOptimizer(0.1)"),
    "v1_adagrad_da": V1.format(
        "lambda: " + TRAIN + "AdagradDAOptimizer(0.1, global_step=tf.compat.v1.train.get_global_step())"
    ),
    "v1_adam": V1.format(TRAIN + "AdamOptimizer()"),
    "v1_ftrl": V1.format(TRAIN + "FtrlOptimizer(0.1)"),
    "v1_gradient_descent": V1.format(TRAIN + "GradientDescentOptimizer(0.1)"),
    "v1_momentum": V1.format(TRAIN + "MomentumOptimizer(0.1, momentum=0.9)"),
    "v1_proximal_adagrad": V1.format(TRAIN + "ProximalAdagradOptimizer(0.1)"),
    "v1_proximal_gradient_descent": V1.format(TRAIN + "ProximalGradientDescentOptimizer(0.1)"),
    "v1_rmsprop": V1.format(TRAIN + "RMSPropOptimizer(0.1)"),
    "v1_rmsprop_momentum_centered": V1.format(TRAIN + "RMSPropOptimizer(0.1, momentum=0.9, centered=True)"),
    "v1_adam_named": V1.format(TRAIN + "AdamOptimizer(name='MyAdam')"),
    # By name to tf.compat.v1.estimator: which tf.compat.v1.train optimizer it builds
    "v1_by_name_adam": V1.format("'Adam'"),
    "v1_by_name_rmsprop": V1.format("'RMSProp'"),
    # tf.compat.v1.estimator's defaults (optimizers by name) for its linear and combined models
    "v1_linear_default": "tf.compat.v1.estimator.LinearClassifier(feature_columns=" + COLUMNS + ", n_classes=3)",
    "v1_combined_default": "tf.compat.v1.estimator.DNNLinearCombinedClassifier(linear_feature_columns="
    + COLUMNS
    + ", dnn_feature_columns="
    + COLUMNS
    + ", dnn_hidden_units=[3], n_classes=3)",
    "v1_linear_adam": "tf.compat.v1.estimator.LinearClassifier(feature_columns="
    + COLUMNS
    + ", n_classes=3, optimizer=tf.compat.v1.train.AdamOptimizer())",
    "v1_combined_adam": "tf.compat.v1.estimator.DNNLinearCombinedClassifier(linear_feature_columns="
    + COLUMNS
    + ", dnn_feature_columns="
    + COLUMNS
    + ", dnn_hidden_units=[3], n_classes=3, "
    "linear_optimizer=tf.compat.v1.train.AdamOptimizer(), dnn_optimizer=tf.compat.v1.train.AdamOptimizer())",
    # tf.compat.v1.train optimizers given to tf.estimator (v2): does it take them?
    "v2_given_v1_adam": V2.format(TRAIN + "AdamOptimizer()"),
}


def input_fn():
    rng = np.random.default_rng(0)
    features = {"x": rng.normal(size=32).astype("float32"), "y": rng.normal(size=32).astype("float32")}
    labels = rng.integers(0, 3, size=32)
    return tf.data.Dataset.from_tensor_slices((features, labels)).batch(8).repeat()


def main(out, only=()):
    refused = []
    for name, call in CALLS.items():
        if only and name not in only:
            continue
        model_dir = os.path.join(out, name)
        shutil.rmtree(model_dir, ignore_errors=True)
        config = tf.estimator.RunConfig(
            tf_random_seed=1, keep_checkpoint_max=1, checkpoint_save_graph_def=False, save_summary_steps=None
        )
        try:
            # our own literal call (the text in constructor.txt), evaluated in this writer only
            names = {"tf": tf, "numeric_column": numeric_column, "model_dir": model_dir, "config": config}
            estimator = eval(call[:-1] + ", model_dir=model_dir, config=config)", names)
            estimator.train(input_fn, steps=3)
        except Exception as exc:  # noqa: BLE001 -- the Estimator refused this optimizer: record TensorFlow's message
            message = re.sub(r" at 0x[0-9a-f]+", "", str(exc).splitlines()[0])  # the same text every run
            refused.append(f"{call}\n    {type(exc).__name__}: {message}")
            shutil.rmtree(model_dir, ignore_errors=True)
            continue
        keep_checkpoint_only(model_dir)
        with open(os.path.join(model_dir, "constructor.txt"), "w") as f:
            f.write(call + "\n")
            f.write(f"TensorFlow {tf.__version__}, tensorflow-estimator 2.15; trained 3 steps, batch 8\n")
        write_variables(model_dir)
    if only:  # a partial run: the record of refusals is the full run's
        return
    with open(os.path.join(out, "refused.txt"), "w") as f:
        f.write("\n".join(refused) + "\n")


def keep_checkpoint_only(model_dir):
    """The checkpoint state and the latest checkpoint's files; the graph and events are dropped
    (they are large, and these fixtures are about variables)."""
    latest = tf.train.latest_checkpoint(model_dir)
    keep = {"checkpoint", os.path.basename(latest) + ".index"}
    for entry in os.listdir(model_dir):
        path = os.path.join(model_dir, entry)
        if entry in keep or entry.startswith(os.path.basename(latest) + ".data-"):
            continue
        shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)
    with open(os.path.join(model_dir, "checkpoint"), "w") as f:  # as TF writes it, relative names
        name = os.path.basename(latest)
        f.write(f'model_checkpoint_path: "{name}"\nall_model_checkpoint_paths: "{name}"\n')


def write_variables(model_dir):
    variables = tf.train.list_variables(model_dir)
    with open(os.path.join(model_dir, "variables.json"), "w") as f:
        json.dump({name: shape for name, shape in variables}, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__)), sys.argv[2:])
