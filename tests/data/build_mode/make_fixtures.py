"""Runs each training script of this folder for real, in a scratch copy of its folder, and keeps the
checkpoints it wrote (state file, .index, .data; not events, graph.pbtxt or .meta) and, beside them,
variables.json: tf.train.list_variables of each kept checkpoint, written by the same TensorFlow.

    python3 make_fixtures.py TF215_PYTHON NEWEST_PYTHON

TF215_PYTHON: TensorFlow 2.15.1 + tensorflow-estimator 2.15 (the Estimator); NEWEST_PYTHON:
TensorFlow 2.21 + Keras 3 (the Keras scripts). Standard library only; about a minute.
"""

import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
# folder, script, its arguments, which Python, the folder it writes (relative), kept as
RUNS = [
    ("custom_estimator", "custom_estimator.py", [], "tf215", "models/iris", "models/iris"),
    (
        "custom_estimator",
        "custom_estimator.py",
        ["--hidden_units", "10,20"],
        "tf215",
        "models/iris",
        "models/iris_changed",
    ),
    ("keras_fit", "train_keras.py", [], "newest", "ckpts", "ckpts"),
    ("keras_fit", "train_keras.py", ["--units", "24"], "newest", "ckpts", "ckpts_changed"),
    ("tape", "train_tape.py", [], "newest", "tf_ckpts", "tf_ckpts"),
    ("tape", "train_tape.py", ["--width", "7"], "newest", "tf_ckpts", "tf_ckpts_changed"),
]
LIST = """
import json, sys, tensorflow as tf
out = {}
for prefix in sys.argv[2:]:
    out[prefix.rsplit('/', 1)[-1]] = {n: s for n, s in tf.train.list_variables(prefix)}
json.dump(out, open(sys.argv[1], 'w'), indent=1, sort_keys=True)
"""


def main(pythons):
    for folder, script, args, which, writes, keep in RUNS:
        python = pythons[which]
        with tempfile.TemporaryDirectory() as scratch:
            work = os.path.join(scratch, folder)
            shutil.copytree(os.path.join(HERE, folder), work, ignore=shutil.ignore_patterns(
                "models", "ckpts*", "tf_ckpts*", "__pycache__", "variables*.json"))  # fmt: skip
            env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", TF_CPP_MIN_LOG_LEVEL="2")
            subprocess.run([python, script, *args], cwd=work, env=env, check=True, stdout=subprocess.DEVNULL)
            src, dest = os.path.join(work, writes), os.path.join(HERE, folder, keep)
            shutil.rmtree(dest, ignore_errors=True)
            os.makedirs(dest)
            prefixes = []
            for name in sorted(os.listdir(src)):
                if name == "checkpoint" or name.endswith((".index", ".data-00000-of-00001")):
                    shutil.copy2(os.path.join(src, name), dest)
                if name.endswith(".index"):
                    prefixes.append(os.path.join(dest, name[: -len(".index")]))
            listing = os.path.join(HERE, folder, f"variables-{keep.replace('/', '_')}.json")
            subprocess.run([python, "-c", LIST, listing, *prefixes], env=env, check=True)
            print(folder, keep, len(prefixes), "checkpoints")


if __name__ == "__main__":
    main({"tf215": sys.argv[1], "newest": sys.argv[2]})
