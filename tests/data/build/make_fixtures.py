"""Run every training script of the corpus (corpus.json) for real and keep what it wrote: each
script runs in a scratch copy of its folder with the interpreter corpus.json names for it (python
"tf215": TensorFlow 2.15 + tensorflow-estimator; "newest": TensorFlow 2.21 / Keras 3), then its
model_dir's checkpoint state and checkpoint files (.index, .data-*, .weights.h5, .h5, .keras) are copied
back; graph.pbtxt, events, .meta files, eval/ and export/ folders are dropped to keep the fixtures
small. variables.json next to the script: {model_dir name: {variable: [shape, dtype]}} of its latest
checkpoint, listed by the writer's own TensorFlow (tf.train.load_checkpoint) or, for Keras files,
by h5py -- the writer is the oracle.

An entry with "first": true in corpus.json (a CheckpointManager whose max_to_keep removes the
script's first save, and whose later saves hold more: a notebook that restores and trains on) also
gets variables-first.json: the same listing, of the first checkpoint its CheckpointManager wrote,
taken by the writer right after that save.

Changed copies (changed/<name>/) are made from an entry by one textual change (CHANGE.txt), then
trained the same way.

    python3 make_data.py                      # the small generated data (see README.txt)
    python3 make_fixtures.py [NAME...]        # any Python; the writers are run as child processes

CKPT_BROWSER_TF215_PYTHON / CKPT_BROWSER_NEWEST_PYTHON name the two interpreters (defaults below).
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHONS = {
    "tf215": os.environ.get("CKPT_BROWSER_TF215_PYTHON", "/work/venvs/tf215/bin/python"),
    "newest": os.environ.get("CKPT_BROWSER_NEWEST_PYTHON", "/work/main/.venv/bin/python"),
}
IGNORE = shutil.ignore_patterns("model_dir*", "variables.json", "variables-first.json", "__pycache__", "CHANGE.txt")

# Run by the writer's interpreter: the variables of the latest checkpoint in a model_dir.
LIST = r"""
import json, os, sys
d = sys.argv[1]
out = {}
files = sorted(f for f in os.listdir(d) if f.endswith((".h5", ".keras")))
if files:
    import h5py, io, zipfile
    path = os.path.join(d, files[-1])
    if path.endswith(".keras"):
        with zipfile.ZipFile(path) as z:
            f = h5py.File(io.BytesIO(z.read("model.weights.h5")), "r")
    else:
        f = h5py.File(path, "r")
    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            out[name] = [list(obj.shape), str(obj.dtype)]
    f.visititems(visit)
else:
    import tensorflow as tf
    reader = tf.train.load_checkpoint(d)
    dtypes = reader.get_variable_to_dtype_map()
    for name, shape in reader.get_variable_to_shape_map().items():
        out[name] = [list(shape), dtypes[name].name]
print(json.dumps(out, sort_keys=True))
"""


# Run by the writer's interpreter in place of `python SCRIPT ARGS` for a "first" entry: the script
# run as __main__, tf.train.CheckpointManager.save listing its first checkpoint into OUT.
FIRST = r"""
import json, runpy, sys
import tensorflow as tf
out, script = sys.argv[1], sys.argv[2]
orig = tf.train.CheckpointManager.save
def save(self, *args, **kwargs):
    path = orig(self, *args, **kwargs)
    if not getattr(save, "done", False):
        save.done = True
        reader = tf.train.load_checkpoint(path)
        dtypes = reader.get_variable_to_dtype_map()
        listed = {n: [list(s), dtypes[n].name] for n, s in reader.get_variable_to_shape_map().items()}
        with open(out, "w") as f:
            json.dump(listed, f)
    return path
tf.train.CheckpointManager.save = save
sys.argv = sys.argv[2:]
sys.path.insert(0, ".")
runpy.run_path(script, run_name="__main__")
"""


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


def run(entry, folder):
    """Run the entry's script in a scratch copy of folder; copy its model_dir back into folder."""
    python = PYTHONS[entry["python"]]
    script = entry["script"]
    with tempfile.TemporaryDirectory() as tmp:
        work = os.path.join(tmp, "work")
        own = entry["model_dir"].split("/")[0]
        shutil.copytree(folder, work, ignore=lambda d, names: IGNORE(d, names) | ({own} & set(names)))
        if script.endswith(".ipynb"):
            with open(os.path.join(work, "notebook_as_script.py"), "w") as f:
                f.write(notebook_code(os.path.join(work, script)))
            script = "notebook_as_script.py"
        env = dict(os.environ, PYTHONHASHSEED="0", TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="")
        first = os.path.join(tmp, "first.json")
        argv = [python, "-c", FIRST, first, script] if entry.get("first") else [python, script]
        done = subprocess.run([*argv, *entry["args"]], cwd=work, env=env, capture_output=True, text=True)
        if done.returncode:
            sys.exit(f"{folder}: {script} failed:\n{done.stderr[-3000:]}")
        src = os.path.join(work, entry["model_dir"])
        dst = os.path.join(folder, entry["model_dir"])
        shutil.rmtree(dst, ignore_errors=True)
        os.makedirs(dst)
        for name in sorted(os.listdir(src)):
            if name == "checkpoint" or name.endswith((".index", ".h5", ".keras")) or ".data-" in name:
                shutil.copy2(os.path.join(src, name), dst)
        if entry.get("first"):
            with open(first) as f:
                dump({entry["model_dir"]: json.load(f)}, os.path.join(folder, "variables-first.json"))
        listed = subprocess.run([python, "-c", LIST, dst], env=env, capture_output=True, text=True, check=True)
        return json.loads(listed.stdout)


def dump(variables, path):
    """One variable a line: {model_dir: {name: [shape, dtype]}}."""
    lines = []
    for model_dir, listed in sorted(variables.items()):
        rows = [f"  {json.dumps(n)}: {json.dumps(v)}" for n, v in sorted(listed.items())]
        lines.append(f" {json.dumps(model_dir)}: {{\n" + ",\n".join(rows) + "\n }")
    with open(path, "w") as f:
        f.write("{\n" + ",\n".join(lines) + "\n}\n")


def make_changed(entry, change):
    base = os.path.join(HERE, entry["folder"])
    target = os.path.join(HERE, "changed", change["name"])
    shutil.rmtree(target, ignore_errors=True)
    own = entry["model_dir"].split("/")[0]
    shutil.copytree(base, target, ignore=lambda d, names: IGNORE(d, names) | ({own} & set(names)))
    path = os.path.join(target, change["file"])
    with open(path) as f:
        text = f.read()
    old, new = change["old"], change["new"]
    if change["file"].endswith(".ipynb"):  # the text as it is written inside the JSON strings
        old, new = json.dumps(old)[1:-1], json.dumps(new)[1:-1]
    assert text.count(old) == 1, (change["name"], old)
    with open(path, "w") as f:
        f.write(text.replace(old, new))
    with open(os.path.join(target, "CHANGE.txt"), "w") as f:
        f.write(f"A copy of ../../{entry['folder']}/ with one change in {change['file']}:\n")
        f.write(f"  {change['old']}\n  -> {change['new']}\n")
    return target


def main(only):
    with open(os.path.join(HERE, "corpus.json")) as f:
        corpus = json.load(f)
    for entry in corpus["entries"]:
        whole = not only or entry["folder"] in only
        changes = [c for c in entry.get("changed", []) if whole or c["name"] in only]
        if whole:
            folder = os.path.join(HERE, entry["folder"])
            dump({entry["model_dir"]: run(entry, folder)}, os.path.join(folder, "variables.json"))
            print(entry["folder"], entry["script"], *entry["args"], "->", entry["model_dir"], flush=True)
        for change in changes:
            target = make_changed(entry, change)
            dump({entry["model_dir"]: run(entry, target)}, os.path.join(target, "variables.json"))
            print("changed", change["name"], flush=True)


if __name__ == "__main__":
    main(set(sys.argv[1:]))
