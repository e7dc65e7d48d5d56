"""Runs each training script of this folder for real, in a scratch copy of its folder, and keeps the
checkpoints it wrote (state file, .index, .data; not events, graph.pbtxt or .meta) and, beside them,
variables.json: tf.train.list_variables of each kept checkpoint, written by the same TensorFlow.

    python3 make_fixtures.py TF215_PYTHON NEWEST_PYTHON [FOLDER or SCRIPT...]

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
    # idioms/: each writer build mode stops at, as one small script; only its own model_dir is kept
    ("idioms", "canned_tae.py", [], "tf215", "out/canned", "out/canned"),
    ("idioms", "mts.py", [], "tf215", "out/mts", "out/mts"),
    ("idioms", "saver.py", [], "tf215", "out/saver", "out/saver"),
    ("idioms", "k2_fit.py", [], "tf215", "out/k2", "out/k2"),
    ("idioms", "k3_mc.py", [], "newest", "out/k3", "out/k3"),
    ("idioms", "k3_end.py", [], "newest", "out/k3end", "out/k3end"),
    ("idioms", "tfk.py", [], "newest", "out/tfk", "out/tfk"),
    ("idioms", "tape_end.py", [], "newest", "out/tape_end", "out/tape_end"),
]
LIST = """
import json, sys, tensorflow as tf
out = {}
for prefix in sys.argv[2:]:
    out[prefix.rsplit('/', 1)[-1]] = {n: s for n, s in tf.train.list_variables(prefix)}
json.dump(out, open(sys.argv[1], 'w'), indent=1, sort_keys=True)
"""


def main(pythons):
    only = sys.argv[3:]  # folders or scripts to redo (default: all)
    for folder, script, args, which, writes, keep in RUNS:
        if only and folder not in only and script not in only:
            continue
        python = pythons[which]
        with tempfile.TemporaryDirectory() as scratch:
            work = os.path.join(scratch, folder)
            shutil.copytree(os.path.join(HERE, folder), work, ignore=shutil.ignore_patterns(
                "models", "ckpts*", "tf_ckpts*", "out", "__pycache__", "variables*.json"))  # fmt: skip
            env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", TF_CPP_MIN_LOG_LEVEL="2")
            subprocess.run([python, script, *args], cwd=work, env=env, check=True, stdout=subprocess.DEVNULL)
            src, dest = os.path.join(work, writes), os.path.join(HERE, folder, keep)
            shutil.rmtree(dest, ignore_errors=True)
            os.makedirs(dest)
            prefixes = []
            for name in sorted(os.listdir(src)):
                if name == "checkpoint" or name.endswith((".index", ".data-00000-of-00001", ".keras", ".h5")):
                    shutil.copy2(os.path.join(src, name), dest)
                if name.endswith(".index"):
                    prefixes.append(os.path.join(dest, name[: -len(".index")]))
            if prefixes:  # tensor bundles (Keras files are checked against their own build only)
                listing = os.path.join(HERE, folder, f"variables-{keep.replace('/', '_')}.json")
                subprocess.run([python, "-c", LIST, listing, *prefixes], env=env, check=True)
            print(folder, keep, len(prefixes), "checkpoints")


if __name__ == "__main__":
    main({"tf215": sys.argv[1], "newest": sys.argv[2]})
