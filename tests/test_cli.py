"""The headless commands as a script would call them: a real process, stdout, stderr, exit."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from ckpt_browser.core.tf.tfimport import tf


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ckpt_browser", *map(str, args)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.mark.parametrize("kind", ["saver", "object", "sharded", "partitioned", "saved_model", "dtypes"])
def test_ls_json_agrees_with_tensorflow(written, kind):
    r = run("ls", written[kind], "--json")
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    out = json.loads(r.stdout)
    prefix = str(written[kind] / out["checkpoint"])
    theirs = tf().train.list_variables(prefix)
    assert [(v["name"], v["shape"]) for v in out["variables"]] == [(n, list(s)) for n, s in theirs]
    for c in out["checkpoints"]:
        assert set(c) >= {"name", "step", "latest", "in_state", "files_ok", "has_meta", "shards", "bytes", "timestamp"}


def test_ls_json_on_estimator_fixture(iris_dir):
    out = json.loads(run("ls", iris_dir, "--json", "--checkpoint", "model.ckpt-150").stdout)
    assert out["latest"] == "model.ckpt-300" and out["checkpoint"] == "model.ckpt-150"
    assert [c["step"] for c in out["checkpoints"]] == [100, 150, 200, 250, 300]
    v = {x["name"]: x for x in out["variables"]}
    assert v["dnn/hiddenlayer_0/kernel"] == {
        "name": "dnn/hiddenlayer_0/kernel",
        "shape": [4, 10],
        "dtype": "float32",
        "kind": "model",
    }
    assert v["global_step"]["dtype"] == "int64"
    assert len(v) == len(tf().train.list_variables(str(iris_dir / "model.ckpt-150")))


def test_ls_json_lists_scalars(iris_dir):
    out = json.loads(run("ls", iris_dir, "--json").stdout)
    rows = {(s["run"], s["tag"]): s for s in out["scalars"]}
    assert rows[("train", "loss")] == {"tag": "loss", "run": "train", "first_step": 1, "last_step": 201, "count": 3}
    assert rows[("eval", "accuracy")]["first_step"] == rows[("eval", "accuracy")]["last_step"] == 300


def test_ls_text_selects_prefix_given_as_file(iris_dir):
    r = run("ls", iris_dir / "model.ckpt-200.index")
    assert r.returncode == 0
    assert "*  model.ckpt-200" in r.stdout
    assert "model.ckpt-200: 15 variables" in r.stdout
    assert "dnn/logits/kernel" in r.stdout


@pytest.mark.parametrize(
    "setup, args, message",
    [
        ("empty", [], "no checkpoint in"),
        ("garbage_index", ["--checkpoint", "model.ckpt-250"], "model.ckpt-250.index is not a checkpoint index"),
        ("none", ["--checkpoint", "model.ckpt-7"], "no checkpoint 'model.ckpt-7'"),
        ("missing", [], "does not exist"),
    ],
)
def test_ls_errors_are_one_line_and_exit_2(tmp_path, iris_copy, setup, args, message):
    path = iris_copy
    if setup == "empty":
        path = tmp_path / "empty"
        path.mkdir()
    elif setup == "garbage_index":
        (iris_copy / "model.ckpt-250.index").write_bytes(b"\x00garbage" * 20)
    elif setup == "missing":
        path = tmp_path / "nothing-here"
    r = run("ls", path, *args)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert message in lines[0]
    assert "Traceback" not in r.stderr


def test_ls_truncated_data_warns_but_lists(iris_copy):
    data = iris_copy / "model.ckpt-300.data-00000-of-00001"
    data.write_bytes(data.read_bytes()[:100])
    out = json.loads(run("ls", iris_copy, "--json").stdout)
    assert len(out["variables"]) == 15
    assert "truncated" in out["warning"]


def test_help_does_not_import_tensorflow():
    code = (
        "import sys, contextlib, io\n"
        "from ckpt_browser.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try: main(['--help'])\n"
        "    except SystemExit: pass\n"
        "print('tensorflow' in sys.modules)"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.stdout.strip() == "False"


def test_show_json_agrees_with_load_checkpoint(iris_dir):
    r = run("show", iris_dir, "dnn/hiddenlayer_0/kernel", "--checkpoint", "model.ckpt-200", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    want = tf().train.load_checkpoint(str(iris_dir / "model.ckpt-200")).get_tensor("dnn/hiddenlayer_0/kernel")
    assert out["shape"] == [4, 10] and out["dtype"] == "float32" and out["truncated"] is False
    np.testing.assert_array_equal(np.array(out["values"], np.float32), want)
    s = out["stats"]
    assert s["mean"] == pytest.approx(float(want.astype(np.float64).mean()))
    assert s["l2"] == pytest.approx(float(np.linalg.norm(want.astype(np.float64))))
    assert s["min"] == pytest.approx(float(want.min())) and s["nan"] == 0


def test_show_big_tensor_prints_a_marked_head(tmp_path):
    t = tf()
    root = t.Module()
    root.big = t.Variable(np.arange(5000, dtype=np.float32).reshape(50, 100))
    prefix = t.train.Checkpoint(root=root).write(str(tmp_path / "ckpt"))
    out = json.loads(run("show", prefix, "big", "--json").stdout)
    assert out["truncated"] is True and out["values"] is None
    assert out["head"] == list(range(100))
    text = run("show", prefix, "big").stdout
    assert "first 100 of 5,000 values" in text


def test_show_strings_and_nan(written):
    out = json.loads(run("show", written["dtypes"], "s", "--json").stdout)
    assert out["values"] == ["hello", "wörld", "\\xff\\xfe"] and out["dtype"] == "string"
    out = json.loads(run("show", written["dtypes"], "nan", "--json").stdout)
    assert out["values"] == [1.0, "NaN", "Infinity", "-Infinity", 0.0, -3.0]
    assert out["stats"]["nan"] == 1 and out["stats"]["inf"] == 2


def test_show_unknown_variable_exit_2(iris_dir):
    r = run("show", iris_dir, "nope")
    assert r.returncode == 2 and "has no variable 'nope'" in r.stderr and len(r.stderr.splitlines()) == 1


def test_diff_exit_codes_and_json(pair, iris_dir):
    a, b = pair
    r = run("diff", a, b, "--json")
    assert r.returncode == 1, r.stderr
    rows = {v["name"].split("/")[0]: v for v in json.loads(r.stdout)["variables"]}
    assert {k: v["status"] for k, v in rows.items() if k != "_CHECKPOINTABLE_OBJECT_GRAPH"} == {
        "same": "same", "changed": "changed", "gone": "only_a", "new": "only_b",
        "resized": "shape", "retyped": "dtype",
    }  # fmt: skip
    assert rows["changed"]["max_abs_diff"] == pytest.approx(2.0)
    same = run("diff", iris_dir / "model.ckpt-300", iris_dir)
    assert same.returncode == 0 and "identical" in same.stdout
    bad = run("diff", iris_dir, iris_dir.parent)
    assert bad.returncode == 2 and len(bad.stderr.splitlines()) == 1


@pytest.mark.tf
def test_run_json_is_the_fitted_curve(quadratic):
    r = run("run", quadratic, "--fetch", "y_est", "--feed", "X=-2:4:7", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["fetch"] == "y_est:0" and out["shape"] == [7] and out["dtype"] == "float32"
    ckpt = tf().train.load_checkpoint(str(quadratic / "model_final"))
    h, v = ckpt.get_tensor("hor_estimate"), ckpt.get_tensor("ver_estimate")
    np.testing.assert_allclose(out["value"], (np.linspace(-2, 4, 7).astype(np.float32) - h) ** 2 + v, rtol=1e-5)
    r = run("run", quadratic / "model_iter-4.index", "--fetch", "hor_estimate", "--json")
    assert json.loads(r.stdout)["value"] == pytest.approx(
        float(tf().train.load_checkpoint(str(quadratic / "model_iter-4")).get_tensor("hor_estimate"))
    )


@pytest.mark.tf
@pytest.mark.parametrize(
    "args, message",
    [
        (["--fetch", "y_est"], "needs a value for X"),
        (["--fetch", "nope"], "no tensor 'nope'"),
        (["--fetch", "y_est", "--feed", "Q=1"], "no tensor 'Q'"),
        (["--fetch", "y_est", "--feed", "X=[1,"], "not a number, a JSON list or start:stop:num"),
    ],
)
def test_run_errors(quadratic, args, message):
    r = run("run", quadratic, *args)
    assert r.returncode == 2 and message in r.stderr and len(r.stderr.strip().splitlines()) == 1


@pytest.mark.tf
def test_run_without_meta(written):
    r = run("run", written["object"], "--fetch", "x")
    assert r.returncode == 2 and "has no .meta file" in r.stderr


def test_check_exit_codes_and_json(iris_dir, iris_resized_dir, tmp_path):
    assert run("check", iris_dir).returncode == 0
    r = run("check", iris_resized_dir, "--json")
    assert r.returncode == 1, r.stderr
    out = json.loads(r.stdout)
    status = {c["name"]: c["status"] for c in out["checkpoints"]}
    assert status["model.ckpt-250"] == "ok" and status["model.ckpt-400"] == "mismatch"
    f = next(
        f
        for c in out["checkpoints"]
        if c["name"] == "model.ckpt-400"
        for f in c["findings"]
        if f["variable"] == "dnn/hiddenlayer_1/kernel"
    )
    assert f == {
        "variable": "dnn/hiddenlayer_1/kernel",
        "kind": "shape",
        "checkpoint": "[10, 10] float32",
        "model": "[20, 20] float32",
    }
    assert "[10, 10]" in out["summary"] and "[20, 20]" in out["summary"]
    spec = "DNNClassifier(hidden_units=[20, 20], n_classes=3, feature_columns=4)"
    assert run("check", iris_dir, "--against", spec).returncode == 1
    bad = run("check", iris_dir, "--against", "DNNClassifier(hidden_units=open('x'))")
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
    log = tmp_path / "err.log"
    log.write_text("NotFoundError: Key dnn/hiddenlayer_2/kernel not found in checkpoint\n")
    r = run("check", iris_dir, "--log", log, "--json")
    assert r.returncode == 1 and json.loads(r.stdout)["log"][0]["kind"] == "not_found"
