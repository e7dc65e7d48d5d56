"""check --against a training script: the scripts in tests/data/scripts were run for real under
TF 2.15 + tensorflow-estimator 2.15 and wrote the model_dirs next to them; variables.json is
tf.train.list_variables of each (the writer is the oracle)."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.checks.estimators import expected_variables
from ckpt_browser.core.checks.script import read_script, read_script_file
from ckpt_browser.core.checks.script_check import check_script, setup
from ckpt_browser.core.model_dir.scan import scan_model_dir
from tests.snippets import snippet_code

SCRIPTS = Path(__file__).parent.parent / "data" / "scripts"
# script, the model_dir it wrote
OWN = [
    ("premade/premade_estimator.py", "premade/model_dir"),
    ("listcomp/train_linear.py", "listcomp/model_dir"),
    ("absl/train_absl.py", "absl/model_dir"),
    ("census/census_main.py", "census/model_dir"),
    ("census/census_main.py", "census/model_dir_wide"),
    ("titanic/titanic_linear.py", "titanic/model_dir"),
    ("notebook/premade_estimators.ipynb", "notebook/model_dir"),
    ("changed/premade_width/premade_estimator.py", "changed/premade_width/model_dir"),
    ("changed/premade_classes/premade_estimator.py", "changed/premade_classes/model_dir"),
    ("changed/census_hash/census_main.py", "changed/census_hash/model_dir"),
    ("changed/census_embedding/census_main.py", "changed/census_embedding/model_dir"),
    ("changed/listcomp_feature/train_linear.py", "changed/listcomp_feature/model_dir"),
    # issue 29: plain data static reading follows (each run for real, README.txt)
    ("jsonhp/train_json.py", "jsonhp/model_dir"),
    ("ini/train_ini.py", "ini/model_dir"),
    ("subcommands/train_sub.py", "subcommands/model_dir"),
    ("trainer/train_class.py", "trainer/model_dir"),
    ("absl_default/train_default.py", "absl_default/model_dir"),
    ("changed/jsonhp_width/train_json.py", "changed/jsonhp_width/model_dir"),
    ("changed/ini_layers/train_ini.py", "changed/ini_layers/model_dir"),
    ("changed/subcommands_hidden/train_sub.py", "changed/subcommands_hidden/model_dir"),
    ("changed/trainer_hidden/train_class.py", "changed/trainer_hidden/model_dir"),
    ("changed/absl_default_size/train_default.py", "changed/absl_default_size/model_dir"),
]
# changed copy, its script, the script it was changed from
CHANGED = [
    ("premade_width", "premade_estimator.py", "premade"),
    ("premade_classes", "premade_estimator.py", "premade"),
    ("census_hash", "census_main.py", "census"),
    ("census_embedding", "census_main.py", "census"),
    ("listcomp_feature", "train_linear.py", "listcomp"),
    ("jsonhp_width", "train_json.py", "jsonhp"),
    ("ini_layers", "train_ini.py", "ini"),
    ("subcommands_hidden", "train_sub.py", "subcommands"),
    ("trainer_hidden", "train_class.py", "trainer"),
    ("absl_default_size", "train_default.py", "absl_default"),
]


def check(script: str | Path, model_dir: str | Path):
    return check_script(scan_model_dir(SCRIPTS / model_dir), read_script_file(SCRIPTS / script))


@pytest.mark.parametrize(("script", "model_dir"), OWN)
def test_each_script_fits_the_model_dir_it_wrote(script, model_dir):
    report = check(script, model_dir)
    assert len(report.results) == 2  # both checkpoints the run kept
    for r in report.results:
        assert r.status == "ok", (r.checkpoint, [f.to_json() for f in r.findings])
        assert r.verdict.startswith("fits ")


def test_the_branch_that_wrote_the_model_dir_is_named():
    wide = check("census/census_main.py", "census/model_dir_wide").results[-1]
    assert wide.verdict == "fits census_main.py:18 (model_type == 'wide'); not the call the flags' defaults reach"
    deep_wide = check("census/census_main.py", "census/model_dir").results[-1]
    assert deep_wide.verdict == "fits census_main.py:24 (model_type != 'wide', model_type != 'deep')"
    notes = deep_wide.notes[0]
    assert "census_main.py (and census_columns.py): 3 Estimator calls can be reached" in notes
    assert "census_main.py:20 (model_type != 'wide', model_type == 'deep')" in notes


@pytest.mark.parametrize(("name", "script", "base"), CHANGED)
def test_a_changed_script_names_exactly_what_tensorflow_wrote_differently(name, script, base):
    """The base model_dir against the changed script: the findings are the variables whose names or
    shapes differ between what TF wrote for the base and for the changed script."""
    old = json.loads((SCRIPTS / base / "variables.json").read_text())["model_dir"]
    new = json.loads((SCRIPTS / "changed" / name / "variables.json").read_text())["model_dir"]
    differ = {n for n in set(old) | set(new) if old.get(n) != new.get(n)}
    assert differ  # the change did change something
    latest = check(f"changed/{name}/{script}", f"{base}/model_dir").results[-1]
    assert latest.checkpoint == "model.ckpt-20"
    assert {f.variable for f in latest.findings} == differ
    for f in latest.findings:  # and each with the shapes TensorFlow wrote
        stored = old.get(f.variable)
        assert f.checkpoint == (None if stored is None else "[" + ", ".join(map(str, stored)) + "] float32")
    assert latest.verdict.startswith("fits no call of the script; the closest is")


OPTIMIZERS = sorted(p.name for p in (SCRIPTS / "optimizers").iterdir() if p.is_dir())


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_optimizer_layouts_are_the_writers(name):
    """Every variable the constructor implies, optimizer scalars included, is what TF wrote; nothing more."""
    folder = SCRIPTS / "optimizers" / name
    call = (folder / "constructor.txt").read_text().splitlines()[0]
    made = setup(read_script(call, "constructor.txt").candidates[0])
    assert made.config is not None, made.refusal
    written = json.loads((folder / "variables.json").read_text())
    assert {n: list(v.shape) for n, v in expected_variables(made.config).items()} == written
    report = check_script(scan_model_dir(folder), read_script(call, "constructor.txt"))
    assert [r.status for r in report.results] == ["ok"]


def test_every_optimizer_an_estimator_accepts_is_covered():
    import ckpt_browser.core.checks.optimizers as opt

    keras = {n.split("_")[1] for n in OPTIMIZERS if n.startswith("keras_")}
    assert {k.lower() for k in opt.KERAS_NAMES} <= keras | {"new"}
    refused = (SCRIPTS / "optimizers" / "refused.txt").read_text()
    assert "tf.keras.optimizers.Adam()" in refused and "tf.compat.v1.train.AdamOptimizer()" in refused
    v1 = {n.removeprefix("v1_") for n in OPTIMIZERS if n.startswith("v1_")}
    for cls in opt.V1_NAMES:
        snake = "".join("_" + c.lower() if c.isupper() else c for c in cls.removesuffix("Optimizer")).lstrip("_")
        assert snake.replace("r_m_s_prop", "rmsprop").replace("adagrad_d_a", "adagrad_da") in v1, cls


def test_what_the_data_decides_is_taken_from_the_checkpoint_and_said():
    titanic = check("titanic/titanic_linear.py", "titanic/model_dir").results[-1]
    with (SCRIPTS / "titanic" / "train.csv").open() as f:
        rows = list(csv.DictReader(f))
    for column in ("sex", "class", "deck", "embark_town", "alone"):
        words = len({row[column] for row in rows})  # what dftrain[column].unique() gave the writer
        assert (
            f"the vocabulary of {column!r} comes from dftrain[feature_name].unique() (titanic_linear.py:14): "
            f"the checkpoint says {words}"
        ) in titanic.assumptions
    premade = check("premade/premade_estimator.py", "premade/model_dir").results[-1]
    assert premade.assumptions == [
        "feature keys come from the data (premade_estimator.py:38): the checkpoint's PetalLength, PetalWidth, "
        "SepalLength, SepalWidth were used"
    ]
    absl = check("absl/train_absl.py", "absl/model_dir").results[-1]
    assert absl.assumptions == [  # make_fixtures.py ran it with --city_buckets=10
        "the hash size of 'city' comes from the flag --city_buckets, which has no default (train_absl.py:11): "
        "the checkpoint says 10"
    ]


def test_a_script_that_runs_code_is_read_without_running_it(tmp_path):
    folder = tmp_path / "hostile"
    shutil.copytree(SCRIPTS / "hostile", folder)
    report = check_script(
        scan_model_dir(SCRIPTS / "premade" / "model_dir"), read_script_file(folder / "train_hostile.py")
    )
    assert [r.status for r in report.results] == ["ok", "ok"]
    # no RAN-* file (and no __pycache__ from importing the helper): nothing ran
    assert sorted(p.name for p in folder.iterdir()) == ["hostile.yaml", "hostile_helper.py", "train_hostile.py"]


@pytest.mark.parametrize(
    "pasted",
    [
        "my_feature_columns = []\nfor key in train_x.keys():\n"
        "    my_feature_columns.append(tf.feature_column.numeric_column(key=key))\n"
        "classifier = tf.estimator.DNNClassifier(feature_columns=my_feature_columns, hidden_units=[10, 10], n_classes=3)",
        "FEATURES = ['SepalLength', 'SepalWidth', 'PetalLength', 'PetalWidth']\n"
        "feature_cols = [tf.feature_column.numeric_column(k) for k in FEATURES]\n"
        "tf.estimator.DNNClassifier(feature_columns=feature_cols, hidden_units=[10, 10], n_classes=3,\n"
        "    model_dir=MODEL_DIR, config=tf.estimator.RunConfig(save_checkpoints_steps=50))",
        "cols = [tf.feature_column.numeric_column(k) for k in ['SepalLength', 'SepalWidth', 'PetalLength', 'PetalWidth']]\n"
        "est = tf.estimator.DNNClassifier(hidden_units=[10, 10], feature_columns=cols, n_classes=3,"
        " model_dir=args.model_dir, warm_start_from=WS, activation_fn=tf.nn.relu, dropout=0.2)",
    ],
)
def test_the_tutorials_idioms_pasted_as_they_are(pasted):
    report = check_script(scan_model_dir(SCRIPTS / "premade" / "model_dir"), read_script(pasted, "the pasted script"))
    assert [r.status for r in report.results] == ["ok", "ok"]


def test_what_neither_settles_is_refused_naming_the_line():
    with pytest.raises(
        CheckpointError,
        match=r"^line 2: hidden_units=HIDDEN is settled by neither the script nor the checkpoint: it comes from 'HIDDEN', which the script does not define",
    ):
        check_script(
            scan_model_dir(SCRIPTS / "premade" / "model_dir"),
            read_script("import tensorflow as tf\ntf.estimator.DNNClassifier(hidden_units=HIDDEN, feature_columns=4)"),
        )
    with pytest.raises(CheckpointError, match="no Estimator call found"):
        check_script(scan_model_dir(SCRIPTS / "premade" / "model_dir"), read_script("import argparse\nprint(1)\n"))


def test_the_cli_checks_a_script_file_and_says_so_in_json(capsys):
    from ckpt_browser.cli import main

    census = SCRIPTS / "census"
    assert main(["check", str(census / "model_dir_wide"), "--against", str(census / "census_main.py"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["script"]["files"] == ["census_main.py", "census_columns.py"]
    assert [c["by_default"] for c in out["script"]["calls"]] == [True, False, False]
    assert {c["verdict"] for c in out["checkpoints"]} == {
        "fits census_main.py:18 (model_type == 'wide'); not the call the flags' defaults reach"
    }
    changed = SCRIPTS / "changed" / "census_hash" / "census_main.py"
    assert main(["check", str(census / "model_dir"), "--against", str(changed)]) == 1
    text = " ".join(capsys.readouterr().out.split())  # wrapped to the terminal's width
    assert "fits no call of the script; the closest is census_main.py:24" in text
    assert "linear/linear_model/occupation/weights" in text


CANNED = SCRIPTS.parent / "estimator" / "canned"


def test_a_regressors_summary_and_snippet_name_a_regressor(capsys):
    """Issue 19: a DNNRegressor's advice said '1 logits, i.e. 2 classes' and its snippet named DNNClassifier."""
    from ckpt_browser.cli import main

    folder = CANNED / "dnn_regressor_rmsprop"
    call = (folder / "constructor.txt").read_text().splitlines()[0].replace("[5, 5, 5]", "[5, 5, 6]")
    assert main(["check", str(folder), "--against", call]) == 1
    text = " ".join(capsys.readouterr().out.split())
    assert "(1 output)" in text and "classes" not in text
    assert "estimator = tf.estimator.DNNRegressor(" in text
    # against a graph (no Estimator call to name): the head is read off the checkpoint's graph
    from ckpt_browser.core.checks.mismatch import compare, own_graph
    from ckpt_browser.core.checks.report import advice, summary

    md = scan_model_dir(folder)
    info = md.checkpoints[-1]
    graph = own_graph(info, md.path)
    graph.variables["dnn/hiddenlayer_2/kernel"] = ((5, 6), "float32")  # the graph of a changed model
    result = compare(info, graph)
    assert result.findings
    assert "(1 output)" in summary([result]) and "classes" not in summary([result])
    text = snippet_code(advice(result, md.path))
    assert "estimator = tf.estimator.DNNRegressor(..., model_dir=NEW_MODEL_DIR, warm_start_from=ws)" in text


def test_a_log_is_explained_first_and_only_when_it_names_something(capsys, tmp_path):
    from ckpt_browser.cli import main

    folder = SCRIPTS / "premade" / "model_dir"
    quiet = tmp_path / "quiet.log"
    quiet.write_text("INFO:tensorflow:Saving checkpoints for 20 into model_dir/model.ckpt.\nno error\n")
    assert main(["check", str(folder), "--log", str(quiet)]) == 0
    assert "The log names" not in capsys.readouterr().out
    log = tmp_path / "err.log"
    log.write_text("NotFoundError: Key dnn/hiddenlayer_2/kernel not found in checkpoint\n")
    assert main(["check", str(folder), "--log", str(log)]) == 1
    out = capsys.readouterr().out
    assert out.startswith("The log names 1 problem(s):")


def test_a_function_nothing_calls_is_read_too():
    pasted = (
        "import tensorflow as tf\n"
        "def build_estimator(model_dir, n_classes=3):\n"
        "    cols = [tf.feature_column.numeric_column(k)\n"
        "            for k in ['SepalLength', 'SepalWidth', 'PetalLength', 'PetalWidth']]\n"
        "    return tf.estimator.DNNClassifier(hidden_units=[10, 10], feature_columns=cols, n_classes=n_classes,\n"
        "                                      model_dir=model_dir)\n"
    )
    reading = read_script(pasted)
    assert reading.notes == [
        "line 2: build_estimator() is called nowhere in the script: it was read with its arguments unknown"
    ]
    report = check_script(scan_model_dir(SCRIPTS / "premade" / "model_dir"), reading)
    assert [r.verdict for r in report.results] == ["fits line 5", "fits line 5"]
