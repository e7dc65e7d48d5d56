"""check --against a real public training script (tests/data/build, corpus.json): each script was
run for real by its writer (TensorFlow 2.15 + tensorflow-estimator, or the newest TensorFlow /
Keras 3) and wrote the model_dir next to it; variables.json is what that writer lists in it (the
oracle). Each changed copy (changed/<name>/, CHANGE.txt) is the script with one textual change,
trained too.

Build mode (`check MODEL_DIR --against SCRIPT --build --python PY --json -- ARGS`) must fit each
script's own model_dir with zero findings, and name exactly the variables whose name or shape TF
wrote differently in a changed copy. Static reading (no --build) must give the same answer or say
it cannot tell: never "fits" where TF wrote something else, never a finding on the script's own
model_dir.

A build runs the script up to its first train or save (5-15 s): `make test` builds the FAST
entries only; `make test-build` (CKPT_BROWSER_BUILD_CORPUS=all) builds them all. The Estimator
scripts need TensorFlow 2.15 + tensorflow-estimator: CKPT_BROWSER_TF215_PYTHON names that
interpreter (tests/tf215.py: default .venv-tf215/bin/python, which make test creates); without it
they are skipped, unless CI is set.
"""

from __future__ import annotations

import collections
import functools
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ckpt_browser.api.checks import run_check
from ckpt_browser.core.base.errors import CheckpointError
from tests.tf215 import tf215_python

ROOT = Path(__file__).resolve().parent.parent.parent
BUILD = ROOT / "tests" / "data" / "build"
CORPUS = json.loads((BUILD / "corpus.json").read_text())["entries"]
ALL = os.environ.get("CKPT_BROWSER_BUILD_CORPUS") == "all"
# What `make test` builds: canned and custom Estimators, a notebook, Keras fit to .weights.h5,
# GradientTape loops with Checkpoint / CheckpointManager, TF1 Saver.
FAST = {
    "custom_estimator",
    "premade_estimator",
    "migrating_estimator",
    "estimator_object_ckpt",
    "save_and_load",
    "distribute_ctl",
    "checkpoint_guide",
    "tf1_saver",
}
FAST_CHANGED = {"custom_estimator_width", "premade_estimator_classes", "save_and_load_width", "checkpoint_guide_nobias"}
KERAS_FILES = (".h5", ".keras")  # variables.json names h5py's datasets there, not our reader's names


def interpreter(entry: dict[str, Any]) -> str:
    """newest: this interpreter; tf215: CKPT_BROWSER_TF215_PYTHON (skipped without it, unless CI)."""
    return sys.executable if entry["python"] == "newest" else tf215_python()


def written(folder: Path, model_dir: str) -> dict[str, tuple[list[int], str]]:
    return {n: (v[0], v[1]) for n, v in json.loads((folder / "variables.json").read_text())[model_dir].items()}


def keras_files(folder: Path) -> bool:
    return any(p.name.endswith(KERAS_FILES) for p in folder.iterdir())


def differing(old: dict, new: dict) -> set[str]:
    """The names whose presence or shape differ between two writers' listings."""
    return {n for n in set(old) | set(new) if (old.get(n) or (None,))[0] != (new.get(n) or (None,))[0]}


# A scalar optimizer hyperparameter on one side only (beta1_power when Adagrad became Adam) need not
# be named: restoring never fails on it, and the report leaves such scalars out by design.
HYPER = re.compile(
    r"(^|/)(learning_rate|lr|decay|iter|iterations|beta|beta_1|beta_2|beta1_power|beta2_power|rho|"
    r"momentum|epsilon|l1_regularization_strength|l2_regularization_strength|learning_rate_power)$"
)


def must_name(old: dict, new: dict) -> set[str]:
    """differing() less the scalar hyperparameters present on one side only."""
    return {n for n in differing(old, new) if not (HYPER.search(n) and (old.get(n) or new.get(n))[0] == [])}


def fmt(entry: tuple[list[int], str] | None) -> str | None:
    return None if entry is None else "[" + ", ".join(map(str, entry[0])) + "]"


def case_id(entry: dict[str, Any]) -> str:
    return entry["folder"]


def build_param(entry: dict[str, Any], fast: bool) -> Any:
    marks = [pytest.mark.tf] if entry["python"] == "newest" else []
    if not (fast or ALL):
        marks.append(pytest.mark.skip(reason="a long build: make test-build runs every corpus entry"))
    return pytest.param(entry, marks=marks, id=case_id(entry))


OWN = [build_param(e, e["folder"] in FAST) for e in CORPUS]
CHANGES = [
    pytest.param(
        e,
        c,
        marks=build_param(e, c["name"] in FAST_CHANGED).marks,
        id=c["name"],
    )
    for e in CORPUS
    for c in e["changed"]
]


@functools.cache
def build_check(script: str, model_dir: str, python: str, args: tuple[str, ...]) -> tuple[int, dict | None, str]:
    """`check MODEL_DIR --against SCRIPT --build --python PY --json -- ARGS` in a process of its
    own, from the repository's root (our code, not an installed one); once per pair."""
    argv = [sys.executable, "-m", "ckpt_browser", "check", model_dir, "--against", script, "--build"]
    argv += ["--python", python, "--json", "--", *args]
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=300)
    record = json.loads(done.stdout) if done.stdout.strip().startswith("{") else None
    return done.returncode, record, done.stderr


def build(entry: dict[str, Any], model_dir: Path) -> tuple[int, dict | None, str]:
    script = BUILD / entry["folder"] / entry["script"]
    return build_check(str(script), str(model_dir), interpreter(entry), tuple(entry["args"]))


def test_the_corpus_is_what_the_issue_asks():
    """At least 20 public scripts, both writers, >= 8 changed copies each trained, every listed file there."""
    assert len(CORPUS) >= 20
    assert {e["python"] for e in CORPUS} == {"tf215", "newest"}
    changes = [c for e in CORPUS for c in e["changed"]]
    assert len(changes) >= 8
    assert {e["static"] for e in CORPUS} <= {"fits", "cannot tell"}
    for e in CORPUS:
        folder = BUILD / e["folder"]
        assert (folder / e["script"]).is_file()
        assert e["source"].startswith("https://github.com/")
        assert (folder / e["model_dir"]).is_dir() and written(folder, e["model_dir"])
        for c in e["changed"]:
            copy = BUILD / "changed" / c["name"]
            assert (copy / "CHANGE.txt").is_file() and (copy / e["model_dir"]).is_dir()
            assert differing(written(folder, e["model_dir"]), written(copy, e["model_dir"])), c["name"]


def first_saved(folder: Path, model_dir: str) -> dict[str, tuple[list[int], str]] | None:
    """variables-first.json: what the writer listed in the first checkpoint the script saved, where
    its CheckpointManager later removed that one (max_to_keep) and kept saves holding more (a
    notebook that restores and trains on): make_fixtures.py, "first" in corpus.json."""
    path = folder / "variables-first.json"
    if not path.is_file():
        return None
    return {n: (v[0], v[1]) for n, v in json.loads(path.read_text())[model_dir].items()}


@pytest.mark.parametrize("entry", OWN)
def test_build_fits_the_model_dir_the_script_wrote(entry):
    """Zero findings; where the kept checkpoints are not the script's first save (first_saved),
    exactly the variables whose presence or shape TF wrote differently in the two, as TF stored them."""
    folder = BUILD / entry["folder"]
    code, record, stderr = build(entry, folder / entry["model_dir"])
    assert record is not None, stderr
    first = first_saved(folder, entry["model_dir"])
    kept = written(folder, entry["model_dir"])
    differ = differing(first, kept) if first is not None else set()
    assert code == (1 if differ else 0), (stderr, [c["findings"] for c in record["checkpoints"]])
    assert record["checkpoints"]
    for checkpoint in record["checkpoints"]:
        assert checkpoint["status"] == ("mismatch" if differ else "ok"), checkpoint
        assert {f["variable"] for f in checkpoint["findings"]} == differ, checkpoint
        for f in checkpoint["findings"]:
            assert (
                (f["checkpoint"] is None)
                if f["variable"] not in kept
                else (f["checkpoint"].startswith(fmt(kept[f["variable"]]) + " "))
            ), f
    assert "built" in record


@pytest.mark.parametrize(("entry", "change"), CHANGES)
def test_build_names_exactly_what_tensorflow_wrote_differently(entry, change):
    """The original script against the changed copy's model_dir: the findings are the variables
    whose presence or shape differ in what TF wrote for the two (for the original: its first save,
    where its kept checkpoints are later ones holding more, first_saved), each with the stored shape."""
    folder, copy = BUILD / entry["folder"], BUILD / "changed" / change["name"]
    model = first_saved(folder, entry["model_dir"]) or written(folder, entry["model_dir"])
    stored = written(copy, entry["model_dir"])
    differ, named = differing(model, stored), must_name(model, stored)
    code, record, stderr = build(entry, copy / entry["model_dir"])
    assert record is not None, stderr
    assert code == 1, stderr
    for checkpoint in record["checkpoints"]:
        findings = checkpoint["findings"]
        got = collections.Counter(f["checkpoint"] and f["checkpoint"].split("]")[0] + "]" for f in findings)
        if keras_files(copy / entry["model_dir"]):  # names: h5py's paths there, our reader's here
            assert len(findings) == len(differ), (checkpoint["name"], findings, sorted(differ))
            assert got == collections.Counter(fmt(stored.get(n)) for n in differ)
        else:
            assert named <= {f["variable"] for f in findings} <= differ, checkpoint["name"]
            for f in findings:
                assert (
                    f["checkpoint"] is None
                    if f["variable"] not in stored
                    else f["checkpoint"].startswith(fmt(stored[f["variable"]]) + " ")
                ), f


def static(script: Path, model_dir: Path) -> tuple[int, list[dict] | None, str]:
    """Static reading (no --build) through the API: its exit code and checkpoints, or its one line."""
    try:
        checked = run_check(str(model_dir), str(script))
    except CheckpointError as e:
        return 2, None, str(e)
    return checked.exit_code, checked.record["checkpoints"], ""


@pytest.mark.parametrize("entry", CORPUS, ids=case_id)
def test_static_reading_never_finds_a_mismatch_in_the_model_dir_the_script_wrote(entry):
    folder = BUILD / entry["folder"]
    code, checkpoints, line = static(folder / entry["script"], folder / entry["model_dir"])
    if entry["static"] == "fits":
        assert code == 0, (line, checkpoints)
    assert code in (0, 2), checkpoints  # fits, or says it cannot tell: never findings here
    if code == 2:
        assert line and "\n" not in line
    else:
        assert checkpoints and all(c["status"] == "ok" and not c["findings"] for c in checkpoints)


@pytest.mark.parametrize(("entry", "change"), [pytest.param(e, c, id=c["name"]) for e in CORPUS for c in e["changed"]])
def test_static_reading_of_a_changed_copy_is_the_writers_answer_or_cannot_tell(entry, change):
    """Never "fits" where TF wrote something else; a mismatch it reports names exactly what differs."""
    folder, copy = BUILD / entry["folder"], BUILD / "changed" / change["name"]
    model, stored = written(folder, entry["model_dir"]), written(copy, entry["model_dir"])
    differ, named = differing(model, stored), must_name(model, stored)
    code, checkpoints, line = static(folder / entry["script"], copy / entry["model_dir"])
    assert code in (1, 2), checkpoints
    if code == 2:
        assert line and "\n" not in line
    elif not keras_files(copy / entry["model_dir"]):
        for checkpoint in checkpoints or []:
            assert named <= {f["variable"] for f in checkpoint["findings"]} <= differ, checkpoint["name"]
