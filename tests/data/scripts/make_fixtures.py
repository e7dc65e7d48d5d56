"""Run every training script here for real (TensorFlow 2.15 + tensorflow-estimator 2.15) and keep
what it wrote: each script runs in a scratch copy of its folder, then the checkpoint state and
checkpoint files of its model_dir are copied back (graph.pbtxt, events and .meta files are dropped
to keep the fixtures small, except where KEEP_META says), with tf.train.list_variables of the
latest checkpoint in variables.json next to the script.

Changed copies (changed/<name>/) are made from a script by one textual change, then trained too.

    /work/venvs/tf215/bin/python make_fixtures.py     # see README.txt
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile

import tensorflow as tf

HERE = os.path.dirname(os.path.abspath(__file__))

# folder, script, command-line flags, the model_dir it writes (under its folder)
RUNS = [
    ("premade", "premade_estimator.py", [], "model_dir"),
    ("listcomp", "train_linear.py", [], "model_dir"),
    ("absl", "train_absl.py", ["--city_buckets=10"], "model_dir"),
    ("census", "census_main.py", [], "model_dir"),
    ("census", "census_main.py", ["--model_type=wide", "--model_dir=model_dir_wide"], "model_dir_wide"),
    ("titanic", "titanic_linear.py", [], "model_dir"),
    ("notebook", "premade_estimators.ipynb", [], "model_dir"),
    # issue 29: what static reading now follows, and what it names for --build
    ("jsonhp", "train_json.py", [], "model_dir"),
    ("ini", "train_ini.py", [], "model_dir"),
    ("subcommands", "train_sub.py", ["train"], "model_dir"),
    ("trainer", "train_class.py", [], "model_dir"),
    ("absl_default", "train_default.py", [], "model_dir"),
    ("custom", "custom_estimator.py", [], "model_dir"),
    ("keras", "train_fit.py", [], "model_dir_fit"),
    ("keras", "train_tape.py", [], "model_dir_tape"),
]
KEEP_META = {("premade", "model_dir")}  # the feature names a DNN's checkpoint cannot tell

# name, base folder, file changed, old text, new text
CHANGES = [
    ("premade_width", "premade", "premade_estimator.py", "hidden_units=[10, 10]", "hidden_units=[10, 12]"),
    ("premade_classes", "premade", "premade_estimator.py", "n_classes=len(SPECIES)", "n_classes=4"),
    ("census_hash", "census", "census_columns.py", '"occupation", hash_bucket_size=20', '"occupation", hash_bucket_size=30'),
    ("census_embedding", "census", "census_columns.py", "build_model_columns(embedding_dim=4)", "build_model_columns(embedding_dim=6)"),
    ("listcomp_feature", "listcomp", "train_linear.py", '"PetalLength", "PetalWidth"]', '"PetalLength", "PetalWidth", "PetalRatio"]'),
    ("jsonhp_width", "jsonhp", "hparams.json", '"hidden_units": [10, 10]', '"hidden_units": [10, 16]'),
    ("ini_layers", "ini", "config.ini", "hidden_units = 12,6", "hidden_units = 12,6,3"),
    ("subcommands_hidden", "subcommands", "train_sub.py", '"--hidden", default="10"', '"--hidden", default="12"'),
    ("trainer_hidden", "trainer", "train_class.py", '"hidden": [8, 8, 4]', '"hidden": [8, 8, 5]'),
    ("absl_default_size", "absl_default", "train_default.py", 'set_default("hidden_size", 16)', 'set_default("hidden_size", 20)'),
]  # fmt: skip
SCRIPTS = {"premade": "premade_estimator.py", "census": "census_main.py", "listcomp": "train_linear.py",
           "jsonhp": "train_json.py", "ini": "train_ini.py", "subcommands": "train_sub.py",
           "trainer": "train_class.py", "absl_default": "train_default.py"}  # fmt: skip
FLAGS = {"subcommands": ["train"]}  # the command line a changed copy runs with


def notebook_code(path):
    """The code cells in order, IPython's !shell and %magic lines left out."""
    with open(path) as f:
        cells = json.load(f)["cells"]
    code = []
    for cell in cells:
        if cell["cell_type"] == "code":
            lines = "".join(cell["source"]).splitlines()
            code.append("\n".join(line for line in lines if not line.lstrip().startswith(("!", "%"))))
    return "\n\n".join(code) + "\n"


def run(folder, script, flags, model_dir_name, target):
    """Run script in a scratch copy of folder; copy its model_dir to target/model_dir_name."""
    with tempfile.TemporaryDirectory() as tmp:
        work = os.path.join(tmp, "work")
        shutil.copytree(folder, work, ignore=shutil.ignore_patterns("model_dir*", "variables.json", "__pycache__"))
        if script.endswith(".ipynb"):
            with open(os.path.join(work, "notebook_as_script.py"), "w") as f:
                f.write(notebook_code(os.path.join(work, script)))
            script = "notebook_as_script.py"
        subprocess.run([sys.executable, script, *flags], cwd=work, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)  # fmt: skip
        src = os.path.join(work, model_dir_name)
        dst = os.path.join(target, model_dir_name)
        shutil.rmtree(dst, ignore_errors=True)
        os.makedirs(dst)
        keep_meta = (os.path.basename(target), model_dir_name) in KEEP_META
        for entry in sorted(os.listdir(src)):
            if entry == "checkpoint" or entry.endswith(".index") or ".data-" in entry:
                shutil.copy2(os.path.join(src, entry), dst)
            elif keep_meta and entry.endswith(".meta"):
                shutil.copy2(os.path.join(src, entry), dst)
        return {name: shape for name, shape in tf.train.list_variables(dst)}


def main():
    """python make_fixtures.py [FOLDER ...]: only those folders (and changed copies made from them)."""
    only = set(sys.argv[1:])
    written = {}
    for folder, script, flags, model_dir_name in RUNS:
        if only and folder not in only:
            continue
        path = os.path.join(HERE, folder)
        written.setdefault(folder, {})[model_dir_name] = run(path, script, flags, model_dir_name, path)
        print(folder, script, *flags, "->", model_dir_name, flush=True)
    for folder, variables in written.items():
        dump(variables, os.path.join(HERE, folder, "variables.json"))
    for name, base, changed_file, old, new in CHANGES:
        if only and base not in only:
            continue
        target = os.path.join(HERE, "changed", name)
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(os.path.join(HERE, base), target,
                        ignore=shutil.ignore_patterns("model_dir*", "variables.json", "__pycache__"))  # fmt: skip
        with open(os.path.join(target, changed_file)) as f:
            text = f.read()
        assert text.count(old) == 1, (name, old)
        with open(os.path.join(target, changed_file), "w") as f:
            f.write(text.replace(old, new))
        with open(os.path.join(target, "CHANGE.txt"), "w") as f:
            f.write(f"A copy of ../../{base}/ with one change in {changed_file}:\n  {old}\n  -> {new}\n")
        variables = run(target, SCRIPTS[base], FLAGS.get(base, []), "model_dir", target)
        dump({"model_dir": variables}, os.path.join(target, "variables.json"))
        print("changed", name, flush=True)


def dump(variables, path):
    with open(path, "w") as f:
        json.dump(variables, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
