"""Every command in an 80-column terminal (issue 31): each subcommand's --help and output on the
example model_dirs within COLUMNS=80; long names elided so that the names of a table stay told apart
and keep their own last part; the progress line only goes forward and clears what it overwrites."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ckpt_browser.cli.commands import SUBCOMMANDS
from ckpt_browser.cli.fit import ELLIPSIS, elide_names

DATA = Path(__file__).resolve().parent / "data"
CENSUS = DATA / "scripts" / "census" / "model_dir"
IRIS = DATA / "estimator" / "iris"
CANNED = DATA / "estimator" / "canned"


def run(*args, columns: int | None = 80) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    if columns:
        env["COLUMNS"] = str(columns)
    return subprocess.run(
        [sys.executable, "-m", "ckpt_browser", *map(str, args)], capture_output=True, text=True, timeout=120, env=env
    )


def too_wide(text: str, width: int = 80) -> list[str]:
    return [line for line in text.splitlines() if len(line) > width]


@pytest.mark.parametrize("command", ["", *SUBCOMMANDS])
def test_help_fits_80_columns(command):
    r = run(*([command] if command else []), "--help")
    assert r.returncode == 0, r.stderr
    assert not too_wide(r.stdout), too_wide(r.stdout)


@pytest.mark.parametrize(
    "args",
    [
        ("ls", CENSUS),
        ("ls", CANNED / "dnn_linear_combined_classifier_4"),
        ("ls", DATA / "health"),
        ("show", CENSUS, "linear/linear_model/age_bucketized_X_education_X_occupation/weights"),
        ("show", CENSUS, "training/Ftrl/linear/linear_model/age_bucketized_X_education_X_occupation/weights/linear"),
        ("diff", CENSUS / "model.ckpt-0", CENSUS / "model.ckpt-20"),
        ("check", CENSUS),
        ("verify", CENSUS),
        ("health", CENSUS),
        ("health", DATA / "health"),
        ("map", DATA / "torch" / "bert_tf", DATA / "torch" / "bert_untransposed.bin"),
        ("map", DATA / "torch" / "bert_tf", DATA / "torch" / "bert_nohead.safetensors"),
        ("ls", DATA / "orbax" / "keras_fit"),
        ("ls", DATA / "torch" / "tensors.safetensors"),
        # A Keras 3 tf.train.Checkpoint: object-graph paths, the keys they are stored under, slots' owners.
        ("ls", DATA / "keras3" / "sequential_adam"),
        (
            "diff",
            DATA / "keras3" / "sequential_adam" / "ckpt-3",
            DATA / "keras3" / "sequential_adam" / "model.weights.h5",
        ),
        ("health", DATA / "keras3" / "sequential_adam"),
        ("verify", DATA / "orbax" / "keras_fit"),
    ],
    ids=lambda a: "-".join(str(x) if isinstance(x, str) else Path(x).name for x in a)[:60],
)
def test_output_fits_80_columns(args):
    r = run(*args)
    assert r.returncode in (0, 1), r.stderr
    assert r.stdout.strip()
    assert not too_wide(r.stdout), too_wide(r.stdout)


def test_check_advice_fits_80_columns():
    r = run("check", DATA / "estimator" / "iris_resized")
    assert r.returncode == 1, r.stderr
    assert not too_wide(r.stdout), too_wide(r.stdout)


def _names(table: str) -> list[str]:
    """The first column of ls's variable table (after its header line)."""
    lines = table.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("variable ") or line.startswith("name "))
    return [re.split(r"\s{2,}", line)[0] for line in lines[start + 1 :] if re.search(r"\s{2,}", line)]


@pytest.mark.parametrize("model_dir", [CENSUS, CANNED / "dnn_classifier_embedding", IRIS])
def test_elided_names_are_told_apart(model_dir):
    narrow, wide = run("ls", model_dir), run("ls", model_dir, "--wide")
    assert narrow.returncode == wide.returncode == 0, narrow.stderr
    shown, full = _names(narrow.stdout), _names(wide.stdout)
    assert len(shown) == len(full) > 5
    assert any(ELLIPSIS in s for s in shown), shown  # the test is about elided names: there are some
    assert len(set(shown)) == len(shown), [s for s in shown if shown.count(s) > 1]
    for s, f in zip(shown, full):
        if s != f:
            assert s.endswith("/" + f.split("/")[-1]), (s, f)  # its own name whole
            # Every part shown is one of the name's parts (or the middle-elided form of one), in order.
            kept = [p for p in s.split("/") if p != ELLIPSIS]
            parts = f.split("/")
            assert all(p in parts or ELLIPSIS in p for p in kept), (s, f)


def test_the_part_that_differs_is_kept():
    names = [
        "linear/linear_model/age_bucketized_X_education_X_occupation/weights",
        "linear/linear_model/education_X_occupation/weights",
        "training/Adagrad/dnn/hiddenlayer_0/kernel/accumulator",
        "training/Adagrad/dnn/hiddenlayer_1/kernel/accumulator",
    ]
    shown = elide_names(names, 34)
    assert all(len(s) <= 34 for s in shown)
    assert len(set(shown)) == 4, shown
    assert "education_X_occupation/weights" in shown[1]
    assert "hiddenlayer_0/kernel/accumulator" in shown[2] and "hiddenlayer_1/kernel/accumulator" in shown[3]
    assert shown[0].startswith(ELLIPSIS + "/age_") or shown[0].startswith("linear/" + ELLIPSIS + "/age_"), shown


def test_progress_goes_forward_and_clears_its_line(monkeypatch):
    from ckpt_browser.cli import output as cli_output

    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.setenv("COLUMNS", "80")
    clock = iter(range(1000))
    monkeypatch.setattr("time.monotonic", lambda: next(clock))  # a second between reports: each one printed
    progress = cli_output.stderr_progress()
    long_text = "Checking the health of 6 checkpoints"
    # Workers report out of order; a second run starts its count again; a shorter line follows a longer.
    for done, total, text in [
        (256, 169200, long_text), (44032, 169200, long_text), (256 * 3, 169200, long_text),
        (169200, 169200, long_text), (128, 26656, "Checking 4"), (26656, 26656, "Checking 4"),
        (100, 26656, "Checking 4"), (26656, 26656, "Checking 4"),
    ]:  # fmt: skip
        progress(done, total, text)
    segments = err.getvalue().split("\r")[1:]
    counts = [int(re.search(r"([\d,]+)/[\d,]+\s*$", s).group(1).replace(",", "")) for s in segments]
    assert counts == sorted(counts) and len(set(counts)) == len(counts), segments
    for before, after in zip(segments, segments[1:]):
        assert len(after) >= len(before.rstrip()), (before, after)  # what was there is overwritten
    assert all(len(s) < 80 for s in segments)
