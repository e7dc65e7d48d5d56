"""Issue 30, the API: input that exhausts Python's stack (nested 200,000 deep) or the memory (a
bomb) raises CheckpointError from every entry point, never RecursionError or MemoryError; the CLI
says it in one line."""

from __future__ import annotations

import pytest

import ckpt_browser as cb
from ckpt_browser.cli import main
from ckpt_browser.core.base.errors import CheckpointError
from tests.conftest import ESTIMATOR

IRIS = ESTIMATOR / "iris"
DEEP = "[" * 200_000 + "]" * 200_000


@pytest.fixture
def deep_notebook(tmp_path):
    path = tmp_path / "train.ipynb"
    path.write_text('{"cells": ' + DEEP + ', "nbformat": 4}')
    return path


def test_a_notebook_nested_200000_deep_is_a_checkpoint_error(deep_notebook):
    with pytest.raises(CheckpointError) as caught:
        cb.check(IRIS, against=str(deep_notebook))
    # The script reader says it before the API's guard would (core/checks/script_files.py)
    assert str(caught.value) == "train.ipynb is nested too deeply to read (beyond Python's recursion limit)"


def test_the_cli_says_it_in_one_line(capsys, deep_notebook):
    assert main(["check", str(IRIS), "--against", str(deep_notebook)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["ckpt-browser check: train.ipynb is nested too deeply to read (beyond Python's recursion limit)"]


def test_a_name_of_200000_brackets_is_a_checkpoint_error():
    with pytest.raises(CheckpointError, match="has no variable"):
        cb.open(IRIS).latest.read(DEEP)


# Every entry point, with the first core function it calls made to exhaust the stack or the memory:
# (entry point, module, attribute of it).
ENTRIES = {
    "open": (lambda: cb.open(IRIS), "ckpt_browser.core.model_dir.contents", "open_source"),
    "verify": (lambda: cb.verify(IRIS), "ckpt_browser.core.model_dir.contents", "open_source"),
    "diff": (lambda: cb.diff(IRIS, IRIS), "ckpt_browser.core.values.diff", "resolve_checkpoint"),
    "check": (lambda: cb.check(IRIS), "ckpt_browser.api.checks", "run_check"),
    "Checkpoint.contents": (
        lambda: cb.open(IRIS).latest.contents(),
        "ckpt_browser.core.model_dir.contents",
        "read_contents",
    ),
    "Checkpoint.variables": (
        lambda: cb.open(IRIS).latest.variables,
        "ckpt_browser.core.model_dir.contents",
        "read_contents",
    ),
    "Checkpoint.read": (
        lambda: cb.open(IRIS).latest.read("global_step"),
        "ckpt_browser.core.formats.reader",
        "open_checkpoint",
    ),
    "Checkpoint.stats": (
        lambda: cb.open(IRIS).latest.stats("global_step"),
        "ckpt_browser.core.formats.reader",
        "open_checkpoint",
    ),
    "Checkpoint.show": (
        lambda: cb.open(IRIS).latest.show("global_step"),
        "ckpt_browser.core.formats.reader",
        "open_checkpoint",
    ),
    "ModelDir.ls": (lambda: cb.open(IRIS).ls(), "ckpt_browser.api.browse", "_ls_events"),
    "ModelDir.checkpoint": (
        lambda: cb.open(IRIS).checkpoint("model.ckpt-100"),
        "ckpt_browser.core.model_dir.contents",
        "Source.checkpoint",
    ),
    "ModelDir.latest": (
        lambda: cb.open(IRIS).latest,
        "ckpt_browser.core.model_dir.scan",
        "ModelDir.default_checkpoint",
    ),
}


@pytest.mark.parametrize("exhaust", [RecursionError, MemoryError])
@pytest.mark.parametrize("entry", ENTRIES)
def test_every_entry_point_raises_checkpoint_error_when_the_input_exhausts_python(monkeypatch, entry, exhaust):
    import importlib

    call, module, attribute = ENTRIES[entry]
    owner = importlib.import_module(module)
    *path, name = attribute.split(".")
    for part in path:
        owner = getattr(owner, part)

    def exhausting(*args, **kwargs):
        raise exhaust()

    monkeypatch.setattr(owner, name, exhausting)
    words = "nested too deeply" if exhaust is RecursionError else "needs more memory than there is"
    with pytest.raises(CheckpointError, match=words) as caught:
        call()
    assert not isinstance(caught.value.__cause__, (RecursionError, MemoryError))
