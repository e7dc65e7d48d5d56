"""Issue 29, static reading: what it now follows (data files, sub-commands, type=, FLAGS.set_default,
methods through an instance, notebooks cell by cell) and what it names instead of guessing (a custom
model_fn, a Keras model, a cut reading). The scripts in tests/data/scripts were run for real under
TF 2.15 (make_fixtures.py) and wrote the model_dirs beside them: TensorFlow is the oracle."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.checks.script import read_script, read_script_file
from ckpt_browser.core.checks.script_check import check_script
from ckpt_browser.core.model_dir.scan import scan_model_dir

SCRIPTS = Path(__file__).parent.parent / "data" / "scripts"
PREMADE = SCRIPTS / "premade" / "model_dir"


def check(script: str | Path, model_dir: str | Path):
    return check_script(scan_model_dir(SCRIPTS / model_dir), read_script_file(SCRIPTS / script))


def test_data_files_beside_the_script_are_read_and_named():
    assert read_script_file(SCRIPTS / "jsonhp" / "train_json.py").files == ["train_json.py", "hparams.json"]
    assert read_script_file(SCRIPTS / "ini" / "train_ini.py").files == ["train_ini.py", "config.ini"]


def test_the_unchanged_absl_script_with_set_default_fits():
    """Issue 29: FLAGS.set_default before app.run was ignored, and the unchanged script reported as a mismatch."""
    report = check("absl_default/train_default.py", "absl_default/model_dir")
    assert [r.verdict for r in report.results] == ["fits train_default.py:23"] * 2
    written = json.loads((SCRIPTS / "absl_default" / "variables.json").read_text())["model_dir"]
    assert written["dnn/hiddenlayer_2/kernel"] == [16, 16]  # what set_default gave TensorFlow: 3 layers of 16


def test_sub_commands_are_paths_named_by_the_command():
    reading = read_script_file(SCRIPTS / "subcommands" / "train_sub.py")
    assert [c.label for c in reading.candidates] == ["train_sub.py:18 (sub-command 'train')"]


@pytest.mark.parametrize(
    ("script", "model_dir", "line"),
    [
        (
            "custom/custom_estimator.py",
            "custom/model_dir",
            "custom_estimator.py:33: tf.estimator.Estimator(model_fn=my_model): a custom model_fn — its variables "
            "are known only by building: use --build",
        ),
        (
            "keras/train_fit.py",
            "keras/model_dir_fit",
            "train_fit.py:11: a Keras model (keras.Sequential) — its variables are known only by building: use "
            "--build (and 1 more place)",
        ),
        (
            "keras/train_tape.py",
            "keras/model_dir_tape",
            "train_tape.py:13: a Keras model (tf.keras.Model) — its variables are known only by building: use "
            "--build (and 3 more places)",
        ),
    ],
)
def test_what_only_building_can_tell_is_one_line_saying_so(script, model_dir, line, capsys):
    from ckpt_browser.cli import main

    with pytest.raises(CheckpointError) as exc:
        check(script, model_dir)
    assert str(exc.value) == line
    assert main(["check", str(SCRIPTS / model_dir), "--against", str(SCRIPTS / script)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.strip().splitlines() == [f"ckpt-browser check: {line}"]
    assert main(["check", str(SCRIPTS / model_dir), "--against", str(SCRIPTS / script), "--json"]) == 2
    out, err = capsys.readouterr()
    assert line in err


def test_a_canned_call_beside_what_cannot_be_followed_is_never_a_wrong_mismatch():
    """The model_dir may come from the part static reading cannot follow: said, not a mismatch."""
    script = (
        "import tensorflow as tf\nimport sys\n"
        "cols = [tf.feature_column.numeric_column(k) for k in ['SepalLength', 'SepalWidth', 'PetalLength', 'PetalWidth']]\n"
        "if sys.argv[1] == 'custom':\n"
        "    est = tf.estimator.Estimator(model_fn=my_model_fn)\n"
        "else:\n"
        "    est = tf.estimator.DNNClassifier(hidden_units=[5], feature_columns=cols, n_classes=3)\n"
    )
    with pytest.raises(CheckpointError) as exc:
        check_script(scan_model_dir(PREMADE), read_script(script))
    assert str(exc.value).startswith("model.ckpt-0 fits none of the calls static reading follows in the pasted script")
    assert "line 5: tf.estimator.Estimator(model_fn=my_model_fn): a custom model_fn" in str(exc.value)
    # and where the canned call fits, it is said to, with the other named
    fits = read_script(script.replace("hidden_units=[5]", "hidden_units=[10, 10]"))
    report = check_script(scan_model_dir(PREMADE), fits)
    assert [r.status for r in report.results] == ["ok", "ok"]
    assert any(n.startswith("Not followed: line 5: tf.estimator.Estimator") for n in report.results[0].notes)


def test_a_reading_cut_at_its_budget_says_where():
    script = "x = 0\nfor i in range(100000):\n    x = x + 1\n    x = x - 1\n"
    with pytest.raises(
        CheckpointError,
        match=r"^reading stopped at line [34] after 100,000 steps, before any Estimator call was reached: use --build$",
    ):
        check_script(scan_model_dir(PREMADE), read_script(script))


def test_flags_changed_where_static_reading_cannot_follow_are_unknown_not_defaults():
    base = (
        "import tensorflow as tf\nfrom absl import flags\nFLAGS = flags.FLAGS\n"
        "flags.DEFINE_integer('width', 10, '')\n"
        "cols = [tf.feature_column.numeric_column(k) for k in ['SepalLength', 'SepalWidth', 'PetalLength', 'PetalWidth']]\n"
        "{}\n"
        "tf.estimator.DNNClassifier(hidden_units=[FLAGS.width, 10], feature_columns=cols, n_classes=3)\n"
    )
    for changed in (
        "setattr(FLAGS, 'width', 12)",
        "FLAGS.read_flags_from_files(['f.cfg'])",
        "some_lib.configure(FLAGS)",
    ):
        with pytest.raises(CheckpointError, match="settled by neither the script nor the checkpoint"):
            check_script(scan_model_dir(PREMADE), read_script(base.format(changed)))
    for same in ("FLAGS.set_default('width', 10)", "FLAGS.width = 10", "print(FLAGS.width)"):
        assert [r.status for r in check_script(scan_model_dir(PREMADE), read_script(base.format(same))).results] == [
            "ok",
            "ok",
        ]


def test_argparse_type_applies_to_string_defaults():
    script = (
        "import argparse, tensorflow as tf\np = argparse.ArgumentParser()\n"
        "p.add_argument('--hidden', default='10', type=int)\np.add_argument('--layers', default='2', type=float)\n"
        "a = p.parse_args()\n"
        "cols = [tf.feature_column.numeric_column(k) for k in ['SepalLength', 'SepalWidth', 'PetalLength', 'PetalWidth']]\n"
        "tf.estimator.DNNClassifier(hidden_units=[a.hidden] * int(a.layers), feature_columns=cols, n_classes=3)\n"
    )
    assert [r.status for r in check_script(scan_model_dir(PREMADE), read_script(script)).results] == ["ok", "ok"]


def test_only_files_inside_the_scripts_folder_are_read(tmp_path):
    (tmp_path / "inner").mkdir()
    (tmp_path / "outside.json").write_text('{"hidden": [10, 10]}')
    (tmp_path / "inner" / "h.json").write_text('{"hidden": [10, 10]}')
    (tmp_path / "inner" / "link.json").symlink_to(tmp_path / "outside.json")
    head = "import json, tensorflow as tf\ncols = [tf.feature_column.numeric_column(k) for k in ['SepalLength', 'SepalWidth', 'PetalLength', 'PetalWidth']]\n"
    call = "tf.estimator.DNNClassifier(hidden_units=h['hidden'], feature_columns=cols, n_classes=3)\n"
    for path in ("../outside.json", "link.json", "/etc/passwd", "missing.json"):
        (tmp_path / "inner" / "t.py").write_text(head + f"h = json.load(open({path!r}))\n" + call)
        with pytest.raises(CheckpointError, match="settled by neither"):
            check_script(scan_model_dir(PREMADE), read_script_file(tmp_path / "inner" / "t.py"))
    (tmp_path / "inner" / "t.py").write_text(head + "with open('h.json') as f:\n    h = json.load(f)\n" + call)
    assert [
        r.status for r in check_script(scan_model_dir(PREMADE), read_script_file(tmp_path / "inner" / "t.py")).results
    ] == ["ok", "ok"]


def test_a_notebook_names_places_by_cell_and_skips_what_is_not_python(tmp_path):
    notebook = json.loads((SCRIPTS / "notebook" / "premade_estimators.ipynb").read_text())
    notebook["cells"].insert(1, {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                                 "source": ["%%bash\n", "pip install tensorflow==2.15\n"]})  # fmt: skip
    notebook["cells"].insert(2, {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                                 "source": ["files = !ls\n", "versions = %pip list\n"]})  # fmt: skip
    (tmp_path / "nb.ipynb").write_text(json.dumps(notebook))
    shutil.copy(SCRIPTS / "notebook" / "iris_training.csv", tmp_path)
    original = read_script_file(SCRIPTS / "notebook" / "premade_estimators.ipynb").candidates[0].where
    cell, line = original.split(" cell ", 1)[1].split(", line ")
    report = check_script(scan_model_dir(SCRIPTS / "notebook" / "model_dir"), read_script_file(tmp_path / "nb.ipynb"))
    assert [r.verdict for r in report.results] == [f"fits nb.ipynb cell {int(cell) + 2}, line {line}"] * 2
