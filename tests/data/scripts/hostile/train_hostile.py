"""A training script that runs code a checker must not run: eval, exec, __import__, open(...).write.
Each of them, if executed, leaves a file RAN-* next to this script (the test looks for it)."""

import os

import tensorflow as tf

HERE = os.path.dirname(os.path.abspath(__file__))
open(os.path.join(HERE, "RAN-open"), "w").write("this script was run")
__import__("pathlib").Path(HERE, "RAN-import").touch()
exec("open(os.path.join(HERE, 'RAN-exec'), 'w').close()")
config = eval("open(os.path.join(HERE, 'RAN-eval'), 'w').close() or tf.estimator.RunConfig()")

FEATURES = ["SepalLength", "SepalWidth", "PetalLength", "PetalWidth"]
classifier = tf.estimator.DNNClassifier(
    feature_columns=[tf.feature_column.numeric_column(k) for k in FEATURES],
    hidden_units=[10, 10],
    n_classes=3,
    model_dir=os.path.join(HERE, "model_dir"),
    config=config,
)
