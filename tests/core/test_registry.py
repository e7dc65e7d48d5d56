"""The format registry (core/formats/registry.py): every file of the writers' fixtures is claimed by
its own format, nothing outside the registry dispatches on a format's name, and a format added to
the registry is found by a scan, opened and listed without any other file changing."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

import ckpt_browser
from ckpt_browser.core.formats import reader as reader_module
from ckpt_browser.core.formats import registry
from ckpt_browser.core.formats.records import VariableEntry
from ckpt_browser.core.model_dir.scan import scan_model_dir
from tests.conftest import ESTIMATOR

PACKAGE = Path(ckpt_browser.__file__).parent
DATA = Path(__file__).resolve().parents[1] / "data"


def test_the_writers_files_are_claimed_by_their_format():
    # Written by Keras 2.13 (tests/data/keras/make_keras_2_13.py) and by tfjs (tests/data/tfjs).
    assert registry.claims_file(DATA / "keras" / "keras_2_13.keras").name == "keras"
    tfjs = sorted((DATA / "tfjs").rglob("model.json"))
    assert tfjs and all(registry.claims_file(p).name == "tfjs" for p in tfjs)
    # A tensor bundle is a prefix: its files are not "file" checkpoints.
    for f in (ESTIMATOR / "iris").iterdir():
        assert registry.claims_file(f) is None, f.name


def test_nothing_outside_the_registry_tests_a_formats_name():
    names = {f.name for f in registry.FORMATS}
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "registry.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Compare):
                continue
            sides = [node.left, *node.comparators]
            tests_format = any(isinstance(s, ast.Attribute) and s.attr == "format" for s in sides)
            literal = any(isinstance(s, ast.Constant) and s.value in names for s in sides)
            if tests_format and literal:
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert offenders == []
    for gone in ("is_keras_file", "open_model_file", "is_tfjs_file"):
        assert not any(gone in p.read_text() for p in PACKAGE.rglob("*.py")), gone


class _StepReader:
    """A tiny folder format for this test: a step folder holds TensorFlow checkpoint files."""

    note = None
    native = True

    def __init__(self, path):
        from ckpt_browser.core.formats.bundle import BundleReader

        self._bundle = BundleReader(Path(path) / "model.ckpt-300")

    def variables(self) -> list[VariableEntry]:
        return self._bundle.variables()

    def read(self, name):
        return self._bundle.read(name)

    def truncation(self):
        return None


def scan_steps(folder):
    steps = [p for p in Path(folder).iterdir() if p.is_dir() and p.name.isdigit()]
    if not steps:
        return None
    return [registry.FoundCheckpoint(p.name, str(p), step=int(p.name), complete=(p / "DONE").exists()) for p in steps]


def test_one_registry_line_adds_a_format(tmp_path, monkeypatch):
    for step in (1, 2, 3):
        folder = tmp_path / "run" / str(step)
        folder.mkdir(parents=True)
        for f in (ESTIMATOR / "iris").glob("model.ckpt-300.*"):
            shutil.copy(f, folder / f.name)
        if step < 3:
            (folder / "DONE").touch()
    line = registry.Format(
        "steps", "Step folders", "folder", registry.Capabilities(),
        opener=f"{__name__}:_StepReader", scanner=f"{__name__}:scan_steps",
    )  # fmt: skip
    monkeypatch.setattr(registry, "FORMATS", (*registry.FORMATS, line))
    monkeypatch.setattr(registry, "_BY_NAME", {**registry._BY_NAME, "steps": line})

    md = scan_model_dir(tmp_path / "run")
    assert [(c.name, c.format, c.latest, c.being_written) for c in md.checkpoints] == [
        ("1", "steps", False, False),
        ("2", "steps", True, False),
        ("3", "steps", False, True),
    ]
    assert md.latest == "2"
    reader = reader_module.open_checkpoint(md.find("2").prefix)
    assert isinstance(reader, _StepReader)
    assert "dnn/logits/bias" in {v.name for v in reader.variables()}


@pytest.mark.parametrize(
    "name", ["model.keras", "x.weights.h5", "MODEL.H5", "tfjs/model.json", "group1-weights_manifest.json"]
)
def test_a_folder_listing_with_a_model_file_holds_checkpoints(name):
    import os

    st = os.stat(__file__)
    assert registry.holds_checkpoints([(name.split("/")[-1], st)], lambda s: True)
    assert not registry.holds_checkpoints([("notes.txt", st)], lambda s: True)
