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
