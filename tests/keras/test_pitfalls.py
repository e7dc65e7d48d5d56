"""The load pitfalls, found on files Keras wrote that have them, and on none of the others."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from ckpt_browser.core.checks.keras_checks import ACCURACY, CUSTOM, FRESH, LAMBDA, report
from ckpt_browser.core.formats.reader import open_checkpoint as open_model_file


def _kinds(path) -> dict[str, list]:
    out: dict[str, list] = {}
    for f in report(open_model_file(path)).findings:
        if f.warning:
            out.setdefault(f.kind, []).append(f)
    return out


def test_lambda_and_custom_objects_are_named(pitfalls):
    folder, _ = pitfalls
    found = _kinds(folder / "custom.keras")
    assert [f.where for f in found[LAMBDA]] == ["plus_one"]
    texts = " ".join(f.text for f in found[CUSTOM])
    assert "custom_objects={'my_loss': ...}" in texts and "custom_objects={'Scale': ...}" in texts
    assert set(found) == {LAMBDA, CUSTOM}


def test_a_never_trained_model_is_called_a_fresh_initialization(pitfalls):
    folder, _ = pitfalls
    found = _kinds(folder / "fresh.keras")
    assert set(found) == {FRESH}
    assert "0 steps" in found[FRESH][0].text and "bias vectors are exactly zero" in found[FRESH][0].text


def test_binary_crossentropy_on_three_units_reports_categorical_accuracy(pitfalls):
    folder, _ = pitfalls
    found = _kinds(folder / "multilabel.keras")
    assert set(found) == {ACCURACY}
    assert "CategoricalAccuracy" in found[ACCURACY][0].text and "binary_accuracy" in found[ACCURACY][0].text


@pytest.mark.parametrize("name", ["model.keras", "model.weights.h5", "legacy.h5"])
def test_the_trained_model_has_no_pitfall(pitfalls, name):
    _, trained = pitfalls
    assert _kinds(trained / name) == {}
    notes = [f for f in report(open_model_file(trained / name)).findings if not f.warning]
    if name != "model.weights.h5":  # a weights file has no compile config
        assert "SparseCategoricalAccuracy" in notes[0].text


def test_check_exits_1_with_json_findings(pitfalls):
    folder, trained = pitfalls
    r = subprocess.run([sys.executable, "-m", "ckpt_browser", "check", str(folder / "custom.keras"), "--json"],
                       capture_output=True, text=True, timeout=120)  # fmt: skip
    assert r.returncode == 1, r.stderr
    out = json.loads(r.stdout)
    assert {f["kind"] for f in out["findings"] if f["warning"]} == {LAMBDA, CUSTOM}
    assert [layer["name"] for layer in out["layers"]] == ["d", "plus_one", "scale", "out"]
    ok = subprocess.run([sys.executable, "-m", "ckpt_browser", "check", str(trained / "model.keras")],
                        capture_output=True, text=True, timeout=120)  # fmt: skip
    assert ok.returncode == 0 and "ok" in ok.stdout


def test_summary_counts_equal_keras(keras_files):
    folder, model = keras_files
    rep = report(open_model_file(folder / "model.keras"))
    assert [r.name for r in rep.layers] == [layer.name for layer in model.layers]
    assert sum(r.params for r in rep.layers) == model.count_params()
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    assert sum(r.trainable for r in rep.layers) == trainable


def test_check_on_a_folder_of_model_files_reports_each(pitfalls):
    folder, _ = pitfalls
    r = subprocess.run([sys.executable, "-m", "ckpt_browser", "check", str(folder), "--json"],
                       capture_output=True, text=True, timeout=120)  # fmt: skip
    assert r.returncode == 1, r.stderr
    out = json.loads(r.stdout)
    assert sorted(out["problems"]) == ["custom.keras", "fresh.keras", "multilabel.keras"]
    assert {f["file"] for f in out["files"]} == {"custom.keras", "fresh.keras", "multilabel.keras"}
