"""The headless commands in an 80-column terminal: names elided where they share scopes, full with --wide
and in JSON; one table for checkpoints with the same findings; a model file listed alone; a
folder of runs; quantized TF.js weights with their stored dtype and bytes; save times from the
event files when the files' times are a copy's."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

TFJS_QUANTIZED = __import__("pathlib").Path(__file__).parent / "data" / "tfjs" / "quantized" / "model.json"


def run(*args, columns: int | None = 80) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("COLUMNS", None)
    if columns:
        env["COLUMNS"] = str(columns)
    return subprocess.run(
        [sys.executable, "-m", "ckpt_browser", *map(str, args)], capture_output=True, text=True, timeout=120, env=env
    )


def widest(text: str) -> int:
    return max(len(line) for line in text.splitlines())


def test_ls_fits_80_columns_and_wide_and_json_keep_full_names(iris_dir):
    long = "training/Adagrad/dnn/hiddenlayer_0/kernel/accumulator"
    narrow = run("ls", iris_dir)
    assert narrow.returncode == 0, narrow.stderr
    assert widest(narrow.stdout) <= 80
    assert long not in narrow.stdout
    # Elided where the names share their scopes, never where they differ (issue 31: hiddenlayer_0 kept).
    assert any(
        line.startswith("training/…/") and "hiddenlayer_0/kernel/accumulator" in line
        for line in narrow.stdout.splitlines()
    )
    assert long in run("ls", iris_dir, "--wide").stdout
    assert long in run("ls", iris_dir, columns=None).stdout  # a pipe: what scripts read
    names = [v["name"] for v in json.loads(run("ls", iris_dir, "--json").stdout)["variables"]]
    assert long in names


def test_diff_and_show_fit_80_columns(iris_dir, iris_resized_dir):
    d = run("diff", iris_dir / "model.ckpt-100", iris_resized_dir / "model.ckpt-400")
    assert d.returncode == 1, d.stderr
    assert widest(d.stdout) <= 80
    assert "dnn/hiddenlayer_0/kernel" in d.stdout  # short names stay whole
    s = run("show", iris_dir, "dnn/hiddenlayer_0/kernel")
    assert s.returncode == 0, s.stderr
    assert widest(s.stdout) <= 80
    assert "0.33220857" in s.stdout  # numpy's full precision, wrapped to the width


def test_check_groups_checkpoints_with_the_same_findings(iris_resized_dir):
    r = run("check", iris_resized_dir)
    assert r.returncode == 1, r.stderr
    out = r.stdout
    assert out.count("variable") and out.count("finding  checkpoint") == 1  # one table, not three
    assert "model.ckpt-300, model.ckpt-350, model.ckpt-400 against their own graphs: mismatch" in out.replace("\n", " ")
    assert "model.ckpt-200, model.ckpt-250 against their own graphs: ok" in out
    prose = out.split("\n\n")[0]  # the summary: wrapped, not one 600-character line
    assert len(prose.splitlines()) > 3 and widest(prose) <= 80
    assert json.loads(run("check", iris_resized_dir, "--json").stdout)["checkpoints"][2]["status"] == "mismatch"


def test_ls_of_a_model_file_lists_that_file_only(tmp_path, iris_dir):
    pytest.importorskip("h5py")
    shutil.copy(TFJS_QUANTIZED, tmp_path / "model.json")
    shutil.copy(TFJS_QUANTIZED.parent / "group1-shard1of1.bin", tmp_path)
    (tmp_path / "notes.keras.txt").write_text("not a model")
    shutil.copytree(iris_dir, tmp_path / "iris")
    for name in ("model.ckpt-300.index", "model.ckpt-300.data-00000-of-00001", "checkpoint"):
        shutil.copy(iris_dir / name, tmp_path / name)  # a tensor bundle beside the file
    r = run("ls", tmp_path / "model.json")
    assert r.returncode == 0, r.stderr
    table = r.stdout.split("\n\n")[0]
    assert "model.json" in table and "model.ckpt-300" not in table
    assert "shards" not in table and "meta" not in table
    listed = json.loads(run("ls", tmp_path / "model.json", "--json").stdout)["checkpoints"]
    assert [c["name"] for c in listed] == ["model.json"]


def test_quantized_tfjs_weights_show_their_stored_dtype_and_bytes():
    manifest = json.loads(TFJS_QUANTIZED.read_text())["weightsManifest"][0]["weights"]
    out = run("ls", TFJS_QUANTIZED).stdout
    data = json.loads(run("ls", TFJS_QUANTIZED, "--json").stdout)
    by_name = {v["name"]: v for v in data["variables"]}
    for w in manifest:
        stored = w["quantization"]["dtype"]
        nbytes = int(np.prod(w["shape"])) * np.dtype(stored).itemsize
        line = next(line for line in out.splitlines() if line.startswith(w["name"] + " "))
        assert f"float32 ← {stored}, {nbytes} B" in line
        assert by_name[w["name"]]["dtype"] == "float32" and by_name[w["name"]]["stored_dtype"] == stored


def test_save_times_of_a_copied_model_dir_come_from_the_events(tmp_path, iris_dir):
    from ckpt_browser.core.tf.tfimport import tf

    copy = tmp_path / "iris"
    shutil.copytree(iris_dir, copy)  # new file times: the copy's
    saved = {}
    for path in copy.glob("events.out.tfevents.*"):
        for event in tf().compat.v1.train.summary_iterator(str(path)):
            if event.HasField("session_log") and event.session_log.status == event.session_log.CHECKPOINT:
                # The Saver logs its base path; the checkpoint is that path with "-<step>" appended.
                saved[f"{os.path.basename(event.session_log.checkpoint_path)}-{event.step}"] = event.wall_time
    out = json.loads(run("ls", copy, "--json").stdout)
    for c in out["checkpoints"]:
        assert c["timestamp"] == pytest.approx(saved[c["name"]]) and c["time_source"] == "events"
    assert "saved: from the event files' checkpoint records" in run("ls", copy).stdout


def test_ls_of_a_folder_of_runs(tmp_path, iris_dir):
    canned = iris_dir.parent / "canned"
    runs = tmp_path / "runs"
    shutil.copytree(iris_dir, runs / "iris")
    shutil.copytree(canned / "linear_regressor_sgd", runs / "sweep" / "lr_0.1" / "linear")
    shutil.copytree(canned / "dnn_regressor_rmsprop", runs / "sweep" / "lr_0.01" / "dnn")
    (runs / "notes").mkdir()
    r = run("ls", runs)
    assert r.returncode == 0, r.stderr
    rows = [line.split()[0] for line in r.stdout.splitlines()[2:]]
    assert rows == ["iris", "sweep/lr_0.01/dnn", "sweep/lr_0.1/linear"]
    out = json.loads(run("ls", runs, "--json").stdout)
    assert [(x["name"], x["step"]) for x in out["runs"]] == [
        ("iris", 300), ("sweep/lr_0.01/dnn", 20), ("sweep/lr_0.1/linear", 20)
    ]  # fmt: skip
    assert run("ls", tmp_path / "runs" / "notes").returncode == 2
