"""A training script that runs code a checker must not run: eval, exec, __import__, open(...).write,
os.system, subprocess, getattr, a helper module that writes when imported, pathlib writes, a YAML
file whose tags would run a command, json.dump into a file, methods of a class, a decorator.
Each of them, if executed, leaves a file RAN-* next to this script (the test looks for it)."""

import json
import os
import subprocess
from pathlib import Path

import hostile_helper
import tensorflow as tf
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
open(os.path.join(HERE, "RAN-open"), "w").write("this script was run")
__import__("pathlib").Path(HERE, "RAN-import").touch()
exec("open(os.path.join(HERE, 'RAN-exec'), 'w').close()")
config = eval("open(os.path.join(HERE, 'RAN-eval'), 'w').close() or tf.estimator.RunConfig()")
os.system("touch " + os.path.join(HERE, "RAN-system"))
subprocess.run(["touch", os.path.join(HERE, "RAN-subprocess")])
getattr(os, "system")("touch " + os.path.join(HERE, "RAN-getattr"))  # noqa: B009 -- the point
Path(HERE, "RAN-pathlib").write_text("this script was run")
json.dump({"ran": True}, open(os.path.join(HERE, "RAN-json"), "w"))
settings = yaml.load(open("hostile.yaml"), Loader=yaml.UnsafeLoader)
hostile_helper.touch("RAN-helper-call")


class Writer:
    def __init__(self, name):
        open(os.path.join(HERE, name), "w").close()


def register(fn):
    open(os.path.join(HERE, "RAN-decorator"), "w").close()
    return fn


@register
def unused():
    pass


Writer("RAN-class")

FEATURES = ["SepalLength", "SepalWidth", "PetalLength", "PetalWidth"]
classifier = tf.estimator.DNNClassifier(
    feature_columns=[tf.feature_column.numeric_column(k) for k in FEATURES],
    hidden_units=[10, 10],
    n_classes=3,
    model_dir=os.path.join(HERE, "model_dir"),
    config=config,
)
