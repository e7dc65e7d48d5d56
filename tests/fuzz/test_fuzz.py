"""Bad input never crashes, hangs or lies: mutated and generated files and texts through the
core functions and the CLI, in-process. Every outcome must be a value or the project's own
CheckpointError with a one-line message, within a few seconds.

`make test` runs a few dozen cases per target (profile "ci"); `make fuzz` runs thousands
(HYPOTHESIS_PROFILE=fuzz) and prints how many.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ckpt_browser.core.base.errors import CheckpointError
from tests.conftest import ESTIMATOR

FUZZ = os.environ.get("HYPOTHESIS_PROFILE") == "fuzz"
_HEALTH = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]


def examples(ci: int, fuzz: int):
    """A few cases in `make test` (same ones every run), many in `make fuzz` (new ones)."""
    if FUZZ:
        return settings(max_examples=fuzz, deadline=None, suppress_health_check=_HEALTH)
    return settings(max_examples=ci, deadline=None, derandomize=True, suppress_health_check=_HEALTH)


IRIS = ESTIMATOR / "iris"
LIMIT_S = 10.0  # CPU seconds, generous: a guard against quadratic work, not a speed figure
WALL_LIMIT_S = 60.0  # a wait that ends (a timeout honoured late); one that never ends: test_fuzz_models.CASE_LIMIT_S
COUNT = {"cases": 0, "calls": 0}  # inputs tried; function calls checked


@st.composite
def mutations(draw, max_edits: int = 6):
    """Edits to apply to a file: flipped bytes, overwritten runs, a truncation, appended junk."""
    edits = draw(
        st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.binary(min_size=1, max_size=8)), max_size=max_edits)
    )
    cut = draw(st.one_of(st.none(), st.floats(0, 1)))
    tail = draw(st.binary(max_size=64))
    return edits, cut, tail


def mutate(data: bytes, how) -> bytes:
    edits, cut, tail = how
    out = bytearray(data)
    for where, new in edits:
        if out:
            i = int(where * len(out))
            out[i : i + len(new)] = new
    if cut is not None:
        out = out[: int(cut * len(out))]
    return bytes(out) + tail


@contextlib.contextmanager
def iris_copy():
    with tempfile.TemporaryDirectory() as tmp:
        dest = Path(tmp) / "iris"
        shutil.copytree(IRIS, dest)
        for p in dest.rglob("*"):
            p.chmod(0o755 if p.is_dir() else 0o644)
        yield dest


def outcome(fn, *args, waive=None):
    """Run fn: a value, or a one-line CheckpointError; anything else fails the test. Within LIMIT_S
    of this process's CPU time (quadratic work), and WALL_LIMIT_S of the clock (a wait that ends):
    CPU time, as make fuzz runs at nice 15 beside other work, where a call of 3 ms has waited 12 s
    for a core. waive(result): True when the clock's limit does not apply (test_fuzz_models: a
    native hang the worker stopped)."""
    COUNT["calls"] += 1
    start, cpu = time.perf_counter(), time.process_time()
    try:
        result = fn(*args)
    except CheckpointError as exc:
        text = str(exc)
        assert text and "\n" not in text.strip(), f"a message of several lines: {text!r}"
        assert "Traceback (most recent call last)" not in text  # the input itself may say anything
        result = exc
    elapsed, used = time.perf_counter() - start, time.process_time() - cpu
    assert used < LIMIT_S, f"{fn.__name__} used {used:.1f} s of CPU"
    assert elapsed < WALL_LIMIT_S or (waive is not None and waive(result)), f"{fn.__name__} took {elapsed:.1f} s"
    return result


def read_everything(folder: Path):
    """What browsing does: scan, list each checkpoint, read every tensor, check, events."""
    from ckpt_browser.core.checks.mismatch import check_model_dir
    from ckpt_browser.core.formats import reader as reader_module
    from ckpt_browser.core.model_dir.contents import open_source, read_contents
    from ckpt_browser.core.model_dir.events import read_events

    reader_module._cache.clear()
    source = open_source(folder)
    for info in source.model_dir.checkpoints:
        contents = outcome(read_contents, info)
        if isinstance(contents, CheckpointError):
            continue
        reader = reader_module.open_checkpoint(info.prefix)
        for v in contents.variables:
            outcome(reader.read, v.name)
    outcome(check_model_dir, source.model_dir)
    read_events(folder)
    read_events(folder, saves_only=True)  # ls and the Timeline: the checkpoint records alone
    return source


FILES = [
    "checkpoint",
    "model.ckpt-300.index",
    "model.ckpt-300.data-00000-of-00001",
    "model.ckpt-300.meta",
    "graph.pbtxt",
]


@pytest.mark.parametrize("name", FILES + ["events"])
@examples(ci=25, fuzz=2000)
@given(how=mutations())
def test_mutated_model_dir_files(name, how):
    COUNT["cases"] += 1
    with iris_copy() as folder:
        path = next(folder.glob("events.out.tfevents.*")) if name == "events" else folder / name
        path.write_bytes(mutate(path.read_bytes(), how))
        outcome(read_everything, folder)


def cli(*argv: str) -> tuple[int, str, str]:
    from ckpt_browser.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("name", FILES)
@examples(ci=6, fuzz=600)
@given(how=mutations(max_edits=3))
def test_mutated_files_through_the_cli(name, how):
    COUNT["cases"] += 1
    with iris_copy() as folder:
        path = folder / name
        path.write_bytes(mutate(path.read_bytes(), how))
        for argv in (["ls", str(folder), "--json"], ["check", str(folder)], ["verify", str(folder)],
                     ["show", str(folder), "dnn/logits/kernel", "--json"], ["diff", str(folder), str(IRIS)]):  # fmt: skip
            COUNT["calls"] += 1
            code, out, err = cli(*argv)
            assert code in (0, 1, 2), (argv, code)
            lines = err.strip().splitlines()
            assert len(lines) <= 1, (argv, err)
            assert "Traceback (most recent call last)" not in err and "unexpected error" not in err, (argv, err)
            if code == 2:
                assert lines, argv
            if "--json" in argv and code != 2:
                import json

                json.loads(out)  # valid JSON: no bare NaN


@examples(ci=200, fuzz=40_000)
@given(text=st.text(max_size=300) | st.from_regex(r"DNN\w*\([\w\s=,\[\]{}'\"-.:]*\)", fullmatch=True))
def test_specs(text):
    COUNT["cases"] += 1
    from ckpt_browser.core.checks.mismatch import estimator_expected

    outcome(estimator_expected, text)


@examples(ci=200, fuzz=40_000)
@given(text=st.text(max_size=200) | st.from_regex(r"[-+0-9.eE:\[\], ]{0,60}", fullmatch=True))
def test_feed_values(text):
    COUNT["cases"] += 1
    from ckpt_browser.core.tf.feeds import parse_values

    outcome(parse_values, text)


LOG_WORDS = ["tensor_name", "=", ";", "shape in shape_and_slice spec", "[", "]", "10", ",", "does not match the shape "
             "stored in checkpoint:", "Assign requires shapes of both tensors to match.", "lhs shape=", "rhs shape=",
             "node", "save/Assign_1", "Key", "not found in checkpoint", "Matrix size-incompatible:", "In[0]:", "In[1]:",
             "expected dtype", "does not equal original dtype", "float", " ", "\n", "9" * 50]  # fmt: skip


@examples(ci=100, fuzz=30_000)
@given(parts=st.lists(st.sampled_from(LOG_WORDS), max_size=400), junk=st.text(max_size=100))
def test_logs(parts, junk):
    COUNT["cases"] += 1
    from ckpt_browser.core.checks.logparse import parse_log, resolve

    text = "".join(parts) + junk
    findings = outcome(parse_log, text)
    outcome(resolve, findings, {"dnn/logits/kernel": (10, 3)}, None)


@examples(ci=30, fuzz=5000)
@given(how=mutations(), suffix=st.sampled_from([".csv", ".npy"]))
def test_training_data_files(how, suffix):
    COUNT["cases"] += 1
    import numpy as np

    from ckpt_browser.core.values.fit import load_xy

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"data{suffix}"
        xy = np.stack([np.linspace(-2, 4, 21), np.linspace(0, 1, 21)], axis=1)
        if suffix == ".npy":
            np.save(path, xy)
        else:
            np.savetxt(path, xy, delimiter=",", header="x,y", comments="")
        path.write_bytes(mutate(path.read_bytes(), how))
        outcome(load_xy, path)


def test_zz_report_count():
    """Printed by make fuzz (-s): how many inputs were tried in this session."""
    print(f"\nfuzz: {COUNT['cases']:,} inputs tried, {COUNT['calls']:,} calls checked, no finding")
