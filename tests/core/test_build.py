"""check --build: training scripts run for real up to their first train or save (core/checks/build*.py).

The oracle is the writer: each model_dir under tests/data/build_mode/ was written by running its
script with TensorFlow (make_fixtures.py), and variables-*.json is tf.train.list_variables of it.
A build of the unchanged script fits its own model_dir with no finding, and against the model_dir
the changed arguments wrote it names exactly the variables whose shapes TensorFlow wrote
differently. One build per script (module fixtures): each takes 5-15 s.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.checks.build import build_variables
from ckpt_browser.core.checks.build_check import check_built
from ckpt_browser.core.model_dir.contents import open_source
from tests.tf215 import tf215_python

DATA = Path(__file__).resolve().parent.parent / "data" / "build_mode"
pytestmark = pytest.mark.tf


def listing(folder: Path, name: str) -> dict[str, dict[str, list[int]]]:
    """tf.train.list_variables of each checkpoint, less the object graph (a record, not a variable)."""
    listed = json.loads((folder / f"variables-{name}.json").read_text())
    return {ckpt: {n: s for n, s in v.items() if n != "_CHECKPOINTABLE_OBJECT_GRAPH"} for ckpt, v in listed.items()}


def differing(a: dict[str, list[int]], b: dict[str, list[int]]) -> set[str]:
    """Names TensorFlow wrote with other shapes, or in one listing only (its own listings, compared)."""
    return {n for n in set(a) | set(b) if a.get(n) != b.get(n)}


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def findings(md: Path, built) -> list[tuple[str, set[str]]]:
    return [(r.checkpoint, {f.variable for f in r.findings}) for r in check_built(open_source(md).model_dir, built)]


# -- an Estimator with a custom model_fn (TensorFlow's custom_estimator.py), TensorFlow 2.15 -----


@pytest.fixture(scope="module")
def estimator_build():
    folder = DATA / "custom_estimator"
    before = snapshot(folder)
    built = build_variables(folder / "custom_estimator.py", python=tf215_python())
    return folder, built, before


def test_estimator_build_is_what_tensorflow_wrote(estimator_build):
    folder, built, _ = estimator_build
    tf_listing = listing(folder, "models_iris")["model.ckpt-0"]
    assert {n: s for n, (s, _) in built.variables.items()} == tf_listing
    assert built.stopped_at == "custom_estimator.py:82, classifier.train"
    assert built.interpreter == "python3.11 (TensorFlow 2.15.1)"
    assert built.how == (
        "built by running custom_estimator.py with python3.11 (TensorFlow 2.15.1) up to "
        "custom_estimator.py:82, classifier.train"
    )


def test_estimator_fits_its_own_model_dir_and_names_a_changed_one(estimator_build):
    folder, built, _ = estimator_build
    assert findings(folder / "models" / "iris", built) == [("model.ckpt-0", set()), ("model.ckpt-20", set())]
    want = differing(
        listing(folder, "models_iris")["model.ckpt-20"], listing(folder, "models_iris_changed")["model.ckpt-20"]
    )
    assert want  # the changed arguments did change what TensorFlow wrote
    assert findings(folder / "models" / "iris_changed", built) == [("model.ckpt-0", want), ("model.ckpt-20", want)]


def test_estimator_build_writes_nothing_where_the_script_points(estimator_build):
    folder, _, before = estimator_build
    assert snapshot(folder) == before  # its model_dir byte for byte, and no new file in its folder


# -- Keras 3: a functional model, fit, tf.train.Checkpoint + CheckpointManager (newest TensorFlow)


@pytest.fixture(scope="module")
def keras_build():
    folder = DATA / "keras_fit"
    before = snapshot(folder)
    return folder, build_variables(folder / "train_keras.py", python=sys.executable), before


def test_keras_fit_build(keras_build):
    folder, built, before = keras_build
    assert {n: s for n, (s, _) in built.variables.items()} == listing(folder, "ckpts")["ckpt-1"]
    assert built.stopped_at == "train_keras.py:40, model.fit"
    assert built.writes[0].writer == "tf.train.CheckpointManager" and built.writes[0].points_to == "ckpts"
    assert findings(folder / "ckpts", built) == [("ckpt-1", set()), ("ckpt-2", set())]
    want = differing(listing(folder, "ckpts")["ckpt-2"], listing(folder, "ckpts_changed")["ckpt-2"])
    assert want and findings(folder / "ckpts_changed", built) == [("ckpt-1", want), ("ckpt-2", want)]
    assert snapshot(folder) == before


# -- a GradientTape loop in a tf.function, checkpointed as TensorFlow's guide does ----------------


@pytest.fixture(scope="module")
def tape_build():
    folder = DATA / "tape"
    before = snapshot(folder)
    return folder, build_variables(folder / "train_tape.py", python=sys.executable), before


def test_gradient_tape_build(tape_build):
    folder, built, before = tape_build
    # the optimizer's slots are built as its first step makes them, although the step is traced
    assert {n: s for n, (s, _) in built.variables.items()} == listing(folder, "tf_ckpts")["ckpt-1"]
    assert built.stopped_at == "train_tape.py:49, train_step -> apply_gradients"
    assert findings(folder / "tf_ckpts", built) == [("ckpt-1", set()), ("ckpt-2", set())]
    want = differing(listing(folder, "tf_ckpts")["ckpt-2"], listing(folder, "tf_ckpts_changed")["ckpt-2"])
    assert want and findings(folder / "tf_ckpts_changed", built) == [("ckpt-1", want), ("ckpt-2", want)]
    assert snapshot(folder) == before


# -- the CLI: the report, --json, exit codes --------------------------------------------------------


def test_cli_build_json_and_exit_codes(capsys):
    from ckpt_browser.cli import main

    folder = DATA / "tape"
    code = main(["check", str(folder / "tf_ckpts_changed"), "--against", str(folder / "train_tape.py"), "--build",
                 "--python", sys.executable, "--json", "--", "--width", "7"])  # fmt: skip
    out = json.loads(capsys.readouterr().out)
    assert code == 0, out
    assert [c["status"] for c in out["checkpoints"]] == ["ok", "ok"]
    assert out["built"]["stopped_at"] == "train_tape.py:49, train_step -> apply_gradients"
    assert out["built"]["interpreter"].startswith(f"python{sys.version_info[0]}.{sys.version_info[1]} (TensorFlow ")
    assert out["script"]["files"] == ["train_tape.py"]


def test_without_build_nothing_runs(tmp_path, capsys):
    from ckpt_browser.cli import main

    shutil.copytree(DATA / "tape" / "tf_ckpts", tmp_path / "tf_ckpts")
    canary = tmp_path / "canary.py"
    canary.write_text("open(__file__ + '.ran', 'w').write('ran')\nimport tensorflow as tf\n")
    assert main(["check", str(tmp_path / "tf_ckpts"), "--against", str(canary)]) == 2
    assert main(["check", str(tmp_path / "tf_ckpts"), "--against", str(canary), "--python", sys.executable]) == 2
    assert "go with --build" in capsys.readouterr().err
    assert not (tmp_path / "canary.py.ran").exists()


# -- each writer build mode stops at, one small script each (idioms/), against its own model_dir ----

IDIOMS = [  # script, the model_dir it wrote, its writer's Python, where build mode stops, what writes
    ("canned_tae.py", "out/canned", "tf215", "canned_tae.py:23, tf.estimator.train_and_evaluate",
     "tf.estimator.DNNClassifier (model_dir)"),
    ("mts.py", "out/mts", "tf215", "mts.py:9, tf.compat.v1.train.MonitoredTrainingSession",
     "MonitoredTrainingSession (checkpoint_dir)"),
    ("saver.py", "out/saver", "tf215", "saver.py:16, saver.save", "tf.compat.v1.train.Saver.save"),
    ("k2_fit.py", "out/k2", "tf215", "k2_fit.py:19, model.fit", "ModelCheckpoint"),  # Keras 2.15, subclassed
    ("k3_mc.py", "out/k3", "newest", "k3_mc.py:11, model.fit", "ModelCheckpoint"),  # .keras, and .weights.h5
    ("k3_end.py", "out/k3end", "newest", "k3_end.py:10, model.fit", "the model (the script saves it after training)"),
    ("tfk.py", "out/tfk", "newest", "tfk.py:12, model.fit", "the model (the script saves it after training)"),
    ("tape_end.py", "out/tape_end", "newest", "tape_end.py:18, step -> apply_gradients",
     "the model (the script saves it after training)"),  # its model found by the variables it steps
]  # fmt: skip


@pytest.mark.parametrize(("script", "model_dir", "python", "stopped_at", "writer"), IDIOMS, ids=[i[0] for i in IDIOMS])
def test_each_writer_fits_its_own_model_dir(script, model_dir, python, stopped_at, writer):
    folder = DATA / "idioms"
    before = snapshot(folder)
    built = build_variables(folder / script, python=tf215_python() if python == "tf215" else sys.executable)
    assert built.stopped_at == stopped_at
    assert built.writes[0].writer == writer
    results = findings(folder / model_dir, built)
    assert results and all(found == set() for _, found in results), results
    listed = folder / f"variables-{model_dir.replace('/', '_')}.json"
    if listed.exists():  # a tensor bundle: the build holds exactly what TensorFlow listed in it
        first = listing(folder, model_dir.replace("/", "_"))
        want = first[sorted(first, key=lambda n: int(n.rsplit("-", 1)[-1]))[0]]
        assert {n: s for n, (s, _) in built.writes[0].variables.items()} == want
    assert snapshot(folder) == before


def test_predict_before_any_training_is_refused_in_one_line(tmp_path):
    path = tmp_path / "serve.py"
    path.write_text(
        "import tensorflow as tf\n\n"
        "def model_fn(features, labels, mode):\n"
        "    out = tf.compat.v1.layers.dense(features['x'], 2)\n"
        "    return tf.estimator.EstimatorSpec(mode, predictions=out)\n\n"
        "est = tf.estimator.Estimator(model_fn, model_dir='exported')\n"
        "list(est.predict(lambda: tf.data.Dataset.from_tensors({'x': [[1.0]]})))\n"
    )
    with pytest.raises(CheckpointError) as info:
        build_variables(path, python=tf215_python())
    assert str(info.value) == (
        "serve.py:8, est.predict is reached before any train or evaluate call: build mode needs one "
        "(predict builds the model without its labels and training variables)"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["serve.py"]


def test_a_swallowed_stop_still_stops(tmp_path):
    """A bare `except:` around fit catches the stop (a BaseException): the script is stopped again
    at its next train or save, and the first stop is what is reported."""
    path = tmp_path / "stubborn.py"
    path.write_text(
        "import keras\nimport numpy as np\nimport tensorflow as tf\n\n"
        "model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])\n"
        "model.compile(optimizer='adam', loss='mse')\n"
        "manager = tf.train.CheckpointManager(tf.train.Checkpoint(model=model), 'ckpts', max_to_keep=1)\n"
        "x, y = np.zeros((4, 3)), np.zeros((4, 2))\n"
        "try:\n    model.fit(x, y, verbose=0)\nexcept:  # noqa: E722\n    print('swallowed')\n"
        "model.fit(x, y, epochs=50, verbose=0)\nmanager.save()\n"
    )
    built = build_variables(path, python=sys.executable)
    assert built.stopped_at == "stubborn.py:10, model.fit"
    assert "swallowed" in built.output
    assert built.writes[0].writer == "tf.train.CheckpointManager"
    assert [3, 2] in [shape for shape, _ in built.variables.values()]  # the Dense kernel, built by fit
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stubborn.py"]


def test_a_notebook_is_built_cell_by_cell(tmp_path):
    """train_keras.py as a notebook (its code in cells, with the !pip and % lines notebooks have)."""
    source = (DATA / "keras_fit" / "train_keras.py").read_text()
    head, rest = source.split("inputs = keras.Input", 1)
    body, fit = rest.rsplit("model.fit(", 1)
    cells = [
        ["!pip install keras\n", "%matplotlib inline\n"],
        head.splitlines(True),
        ("inputs = keras.Input" + body).splitlines(True),
        ["%%time\n", "print('a cell magics run: skipped')\n"],
        ["x = 1\n", "model.fit(" + fit],
    ]
    nb = tmp_path / "train_keras.ipynb"
    nb.write_text(json.dumps({"cells": [{"cell_type": "code", "source": c} for c in cells], "nbformat": 4}))
    built = build_variables(nb, python=sys.executable)
    assert built.stopped_at == "train_keras.ipynb, cell 5, line 2, model.fit"
    assert findings(DATA / "keras_fit" / "ckpts", built) == [("ckpt-1", set()), ("ckpt-2", set())]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["train_keras.ipynb"]


def test_an_estimator_that_saves_no_checkpoint_is_saved_by_its_scaffold(tmp_path):
    """RunConfig(save_checkpoints_steps=None, save_checkpoints_secs=None): no CheckpointSaverHook, so
    no model.ckpt-0; the session's own saver writes it. The same model as canned_tae.py's model_dir."""
    text = (DATA / "idioms" / "canned_tae.py").read_text()
    assert "save_checkpoints_steps=4" in text
    path = tmp_path / "nosave.py"
    path.write_text(text.replace("save_checkpoints_steps=4", "save_checkpoints_steps=None, save_checkpoints_secs=None"))
    built = build_variables(path, python=tf215_python())
    assert [w.name for w in built.writes] == ["model.ckpt-0"]
    results = findings(DATA / "idioms" / "out" / "canned", built)
    assert [c for c, _ in results] == ["model.ckpt-0", "model.ckpt-4", "model.ckpt-8"]
    assert all(found == set() for _, found in results)
